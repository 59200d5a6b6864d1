// smtp/session_types.hpp — the session and the transaction: two types, two lifetimes.
//
// Standards: RFC 5321 §3.3 (a mail transaction: MAIL, RCPT..., DATA), §4.1.1.5 (RSET
// clears the transaction, not the session), §4.1.4 (EHLO/HELO also reset the
// transaction), §3.7 (trace information that the server keeps per session).
//
// Session lives from the greeting to QUIT: who the client said it is, whether it
// used EHLO, TLS and authentication state. Transaction lives from MAIL to the reply
// after end of data (or RSET): reverse path, forward paths, parameters, content.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/address.hpp"

namespace smtplab::smtp {

struct Session {
  std::string peer_address;    // "192.0.2.10"
  std::string peer_name;       // a host name when known (simulator), else the address
  std::string helo_name;       // argument of the last HELO/EHLO
  bool esmtp = false;          // EHLO (true) or HELO (false)
  bool tls = false;            // STARTTLS or implicit TLS completed (issue 4)
  std::string auth_user;       // authenticated identity, empty when none (issue 4)
  std::size_t transactions = 0;  // completed transactions in this session
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
