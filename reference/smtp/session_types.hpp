// smtp/session_types.hpp — the session and the transaction: two types, two lifetimes.
//
// Standards: RFC 5321 §3.3 (a mail transaction: MAIL, RCPT..., DATA), §4.1.1.5 (RSET
// clears the transaction, not the session), §4.1.4 (EHLO/HELO also reset the
// transaction), §3.7 (trace information that the server keeps per session).
//
// Session lives from the greeting to QUIT: who the client said it is, whether it
// used EHLO, TLS and authentication state. After STARTTLS the session is reset to
// what the TLS negotiation itself established (RFC 3207 §4.2): helo_name, esmtp and
// auth_user are forgotten; tls and tls_suite are set. Transaction lives from MAIL to the reply
// after end of data (or RSET): reverse path, forward paths, parameters, content.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"

namespace smtplab::smtp {

struct Session {
  std::string peer_address;    // "192.0.2.10"
  std::string peer_name;       // a host name when known (simulator), else the address
  std::string helo_name;       // argument of the last HELO/EHLO
  bool esmtp = false;          // EHLO (true) or HELO (false)
  bool tls = false;            // STARTTLS or implicit TLS completed (RFC 3207, RFC 8314)
  std::string tls_suite;       // the negotiated cipher suite, when tls
  std::string auth_user;       // authenticated identity, empty when none (RFC 4954)
  std::size_t auth_failures = 0;  // failed AUTH attempts (rate limit, smtp/auth.hpp)
  std::size_t transactions = 0;  // completed transactions in this session
};

// Our choice (RFC 4954 sets no number): the third failed AUTH attempt in one session
// ends it with 421. Two typos are forgiven; a guessing program must reconnect every
// three tries.
inline constexpr std::size_t auth_failures_max_default = 3;

// RFC 4954 §4 lets an AUTH exchange line be longer than a command line (each SASL
// response is a line of base64); we accept 12288 octets in state auth, the figure RFC
// 4954 §4 gives for such lines.
inline constexpr std::size_t auth_line_length_max = 12288;

// SASL mechanisms the server and client implement (smtp/auth.hpp). SCRAM-SHA-256 is
// RFC 7677 (RFC 5802 with SHA-256): the password never crosses the wire, even in base64.
enum class AuthMechanism { Plain, Login, ScramSha256 };
std::string_view to_string(AuthMechanism mechanism);  // "PLAIN", "LOGIN", "SCRAM-SHA-256"

// Where the server is in a multi-line AUTH exchange (RFC 4954 §4: 334 challenges).
// SCRAM (RFC 5802 §5) takes three client messages: client-first (maybe as the initial
// response), client-final (with the proof), then an empty line that acknowledges the
// server-final message carried by the last 334 (RFC 4954 §4: "a server challenge"
// ... "the client ... MUST" answer it; only then does the server send 235).
enum class AuthStep { None, PlainResponse, LoginUser, LoginPassword, ScramClientFirst, ScramClientFinal, ScramAcknowledge };
std::string_view to_string(AuthStep step);

class ScramClient;  // smtp/auth.hpp

struct AuthExchange {
  AuthMechanism mechanism = AuthMechanism::Plain;
  AuthStep step = AuthStep::None;
  std::string user;  // LOGIN: the user name, between the two prompts; SCRAM: n=
  // SCRAM, from client-first to client-final: what the server needs to rebuild its
  // ScramServer (smtp/auth.hpp) for the proof. Plain strings, so the exchange stays a
  // value; the stored keys are asked of the policy again.
  std::string scram_client_first;  // the decoded client-first-message
  std::string scram_server_nonce;  // our half of the nonce (RFC 5802 §5.1 r=)
};

// A MAIL/RCPT parameter such as SIZE=1000 or BODY=8BITMIME (RFC 5321 §4.1.2
// esmtp-param: keyword ["=" value]). Keywords are compared case-insensitively.
struct Parameter {
  std::string keyword;  // upper-cased
  std::string value;    // may be empty (no "=")
};

struct Transaction {
  Path mail_from;
  std::vector<Parameter> mail_parameters;
  std::vector<Path> rcpt_to;   // accepted recipients only
  std::size_t declared_size = 0;  // SIZE= from MAIL (RFC 1870 §6), 0 when absent
  std::string content;         // after end of data: unstuffed, CRLF line endings,
                               // without the final ".\r\n"
};

}  // namespace smtplab::smtp
