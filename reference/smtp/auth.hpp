// smtp/auth.hpp — SMTP AUTH: SASL PLAIN, LOGIN and SCRAM-SHA-256 (server; SCRAM client).
//
// Standards: RFC 4954 (SMTP AUTH: §4 the AUTH command, the 334 exchange, "*" to cancel,
//            base64 errors; §6 the status codes 235 2.7.0, 535 5.7.8, 538 5.7.11),
//            RFC 4616 (PLAIN: [authzid] NUL authcid NUL passwd), draft-murchison-sasl-
//            login-00 (LOGIN: "Username:" and "Password:" prompts), RFC 4648 §4 (base64).
//
// API (used by the command table and ServerSession; everything AUTH changes in the
// session is changed here):
//   check_auth(context, command)        the refusals: no AUTH configured, already
//                                       authenticated, unknown mechanism, no TLS (538)
//   apply_auth(context, command)        starts the exchange: a 334 challenge, or with an
//                                       initial response the verdict (235 / 535)
//   continue_auth(context, line)        one client response line while in state auth
//   mask_auth_command(line) / masked_response(line)   what the trace shows instead
//
// Credentials never reach the trace: the AUTH command and every response line are
// recorded with their base64 replaced by '*' (same length), and an auth_step event
// names the mechanism, the user and the result, never the password.
//
// Failures are counted per session; the auth_failures_max-th failure gets 421 and the
// session closes, so one connection cannot be used to guess passwords at line speed.
//
// SCRAM-SHA-256 (RFC 7677, RFC 5802 §3, §5, §7) as a sans-I/O server mechanism:
//   auto first = parse_scram_client_first(decoded_line, &why);     // or 501 5.5.2
//   ScramServer scram(*first, user_db.find_scram(first->user), scram_nonce(random));
//   scram.server_first()                 -> the 334 challenge (base64 it)
//   scram.verify_client_final(decoded)   -> Verified with server_final ("v=..."),
//                                           Malformed (501 5.5.2) or Refused (535 5.7.8)
// The password never reaches the server; it checks the proof against StoredKey.
// Channel binding: "n" and "y" only; we advertise SCRAM-SHA-256, never -PLUS, so a
// client asking for binding ("p=") is refused (RFC 5802 §6).
// Wired into the session: AUTH SCRAM-SHA-256 [initial client-first] -> 334 server-first
// -> client-final -> 334 v=server-final -> empty line -> 235 (RFC 4954 §4, RFC 5802 §5).
// Credentials come from ServerPolicy::find_scram_credentials, the nonce from the host's
// random source (config.tls->random): without one SCRAM is neither advertised nor
// accepted (auth_mechanism_usable).
//
// Not implemented: SCRAM-SHA-256-PLUS (channel binding), CRAM-MD5 (RFC 2195,
// deprecated), AUTH= on MAIL FROM (RFC 4954 §5), SASL security layers (none of
// PLAIN/LOGIN/SCRAM has one).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/reply.hpp"
#include "smtp/commands.hpp"
#include "smtp/user_db.hpp"

namespace smtplab::smtp {

// AuthMechanism, AuthStep and AuthExchange live in session_types.hpp (the exchange in
// progress is part of the session).
std::optional<AuthMechanism> parse_auth_mechanism(std::string_view name);  // case-insensitive
// Whether a configured mechanism can run: SCRAM-SHA-256 needs a random source for its
// server nonce (config.tls->random, the host's); PLAIN and LOGIN always can. EHLO
// advertises, and AUTH accepts, only usable mechanisms.
bool auth_mechanism_usable(const ServerConfig& config, AuthMechanism mechanism);

// The limits auth_failures_max_default and auth_line_length_max are in
// session_types.hpp, where ServerConfig can see them.

// Replies of RFC 4954 that the core reply table does not have yet (reported to the
// lead: they belong in core/reply.cpp). Built here, in one place, never at a call site.
enum class AuthReplyId { UnknownMechanism, CannotDecode, Cancelled, TooManyFailures, MalformedSaslMessage };
std::string_view to_string(AuthReplyId id);
Reply make_auth_reply(AuthReplyId id);

std::optional<Reply> check_auth(const CheckContext& context, const Command& command);
CommandOutcome apply_auth(ApplyContext& context, const Command& command);
CommandOutcome continue_auth(ApplyContext& context, std::string_view line);

// ---- SCRAM-SHA-256 (RFC 5802, RFC 7677) ----

// RFC 5802 §5.1 r=: the server's part of the nonce. Our choice: 18 random octets as
// base64, 24 printable characters (never ","), 144 bits, from the session's Random so
// the simulator repeats it.
inline constexpr std::size_t scram_server_nonce_octets = 18;
// Our choice: a client nonce longer than this is refused as malformed, so a peer cannot
// make us carry kilobytes through the exchange (the line limit is auth_line_length_max).
inline constexpr std::size_t scram_client_nonce_max = 256;

std::string scram_nonce(Random& random);

// RFC 5802 §7 client-first-message = gs2-header client-first-message-bare.
struct ScramClientFirst {
  std::string gs2_header;    // "n,," / "y,," / "n,a=<authzid>,": echoed in c= (§7 cbind-input)
  std::string authzid;       // decoded, empty when none
  std::string user;          // decoded ("=2C" -> ",", "=3D" -> "=") and SASLprep'd
  std::string client_nonce;  // c-nonce
  std::string bare;          // client-first-message-bare, part of AuthMessage (§3)
};
// nullopt with the reason in *why when the message breaks RFC 5802 §7's grammar or asks
// for what we do not do (channel binding, a mandatory m= extension, non-ASCII names).
std::optional<ScramClientFirst> parse_scram_client_first(std::string_view message, std::string* why = nullptr);

enum class ScramVerdict { Verified, Malformed, Refused };
std::string_view to_string(ScramVerdict verdict);

struct ScramFinal {
  ScramVerdict verdict = ScramVerdict::Refused;
  std::string server_final;  // "v=<ServerSignature b64>" when Verified
  std::string why;           // for the trace; never contains a key or the proof
};

class ScramServer {
 public:
  // credentials: nullopt for an unknown user. RFC 5802 §5.1 lets the server answer as if
  // the user existed, "to prevent disclosure"; we send a salt derived from the name
  // (the same one every time, like a real entry) and refuse the proof later.
  ScramServer(ScramClientFirst first, std::optional<ScramCredentials> credentials, std::string server_nonce);
  const std::string& server_first() const { return server_first_; }
  const ScramClientFirst& client_first() const { return first_; }
  ScramFinal verify_client_final(std::string_view message) const;

 private:
  ScramClientFirst first_;
  std::optional<ScramCredentials> credentials_;
  std::string nonce_;  // client nonce + server nonce
  std::string server_first_;
};

// The client's side (RFC 5802 §3, §5), used by ClientSession:
//   ScramClient client(user, password, scram_nonce(random));
//   client.client_first()                 -> "n,,n=user,r=<nonce>" (base64 it)
//   client.client_final(server_first)     -> "c=biws,r=...,p=<proof>", or nullopt when
//                                            the server's nonce, salt or i= is unacceptable
//   client.verify_server_final(message)   -> did the server prove it holds ServerKey?
class ScramClient {
 public:
  ScramClient(std::string user, std::string password, std::string client_nonce);
  std::string client_first() const { return "n,," + bare_; }
  std::optional<std::string> client_final(std::string_view server_first, std::string* why = nullptr);
  bool verify_server_final(std::string_view server_final) const;

 private:
  std::string password_;
  std::string nonce_;
  std::string bare_;                   // client-first-message-bare
  std::string expected_server_final_;  // "v=..." once client_final has run
};

// "AUTH PLAIN AGFsaWNl..." -> "AUTH PLAIN ****************" (the verb and mechanism
// stay); a response line -> '*' for every octet.
std::string mask_auth_command(std::string_view line);
std::string masked_response(std::string_view line);

}  // namespace smtplab::smtp
