// imap/responses.hpp — every tagged (and BYE) status response smtplab's IMAP server
// sends, from one table.
//
// Standards: RFC 3501 §7.1 (status responses OK, NO, BAD, BYE; response codes in
//            square brackets), RFC 5530 §3 (AUTHENTICATIONFAILED, PRIVACYREQUIRED,
//            NONEXISTENT, CLIENTBUG...), RFC 2177 (IDLE).
//
// API:
//   ResponseInfo info = response_info(ResponseId::LoginFailed);
//   format_tagged("a1", ResponseId::LoginFailed) -> "a1 NO [AUTHENTICATIONFAILED] ...\r\n"
//
// RFC 3501 §7.1: OK is success, NO an operational error (the command was understood but
// failed), BAD a protocol error (the command was not understood or not allowed now).
#pragma once

#include <string>
#include <string_view>

namespace smtplab::imap {

enum class ResponseId {
  Completed,           // OK <command> completed
  ReadWrite,           // OK [READ-WRITE] SELECT completed
  ReadOnly,            // OK [READ-ONLY] EXAMINE completed
  TlsBegin,            // OK Begin TLS negotiation now
  LoggedIn,            // OK [CAPABILITY ...] logged in
  IdleDone,            // OK IDLE terminated
  LoginFailed,         // NO [AUTHENTICATIONFAILED]
  LoginDisabled,       // NO [PRIVACYREQUIRED] no plaintext login before STARTTLS
  NoSuchMailbox,       // NO [NONEXISTENT]
  ReadOnlyMailbox,     // NO mailbox is read-only
  UnknownCommand,      // BAD unknown command
  WrongState,          // BAD command not valid in this state
  BadArguments,        // BAD syntax error in arguments
  Malformed,           // BAD malformed command (unbalanced quotes, parentheses, literal)
  LineTooLong,         // BAD command line too long
  LiteralTooBig,       // BAD literal too big
  TlsUnavailable,      // BAD STARTTLS not available
  AuthCancelled,       // BAD authentication cancelled
  AuthCannotDecode,    // BAD malformed SASL response
  AuthUnknownMechanism,  // NO unsupported mechanism
  UnsupportedFetch,    // BAD unsupported FETCH item
  Logout,              // BYE logging out
  TooManyFailures,     // BYE too many failed logins
  Autologout,          // BYE autologout timer expired
  Count_,
};
std::string_view to_string(ResponseId id);

struct ResponseInfo {
  ResponseId id;
  std::string_view status;  // "OK", "NO", "BAD", "BYE"
  std::string_view code;    // response code without brackets, or empty
  std::string_view text;
  std::string_view rfc;
};
const ResponseInfo& response_info(ResponseId id);

// "<tag> <status> [<code>] <text>\r\n"; `text` replaces the table's text when given.
std::string format_tagged(std::string_view tag, ResponseId id, std::string_view text = {});

}  // namespace smtplab::imap
