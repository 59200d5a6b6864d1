// imap/responses.cpp — the rows of the IMAP response table.
#include "imap/responses.hpp"

#include <iterator>
#include <stdexcept>

namespace smtplab::imap {

namespace {

constexpr ResponseInfo rows[] = {
    {ResponseId::Completed, "OK", "", "completed", "RFC 3501 §7.1.1"},
    {ResponseId::ReadWrite, "OK", "READ-WRITE", "SELECT completed", "RFC 3501 §6.3.1"},
    {ResponseId::ReadOnly, "OK", "READ-ONLY", "EXAMINE completed", "RFC 3501 §6.3.2"},
    {ResponseId::TlsBegin, "OK", "", "Begin TLS negotiation now", "RFC 3501 §6.2.1"},
    {ResponseId::LoggedIn, "OK", "", "Logged in", "RFC 3501 §6.2.3"},
    {ResponseId::IdleDone, "OK", "", "IDLE terminated", "RFC 2177 §3"},
    {ResponseId::LoginFailed, "NO", "AUTHENTICATIONFAILED", "Authentication failed", "RFC 5530 §3"},
    {ResponseId::LoginDisabled, "NO", "PRIVACYREQUIRED", "Plaintext login is only allowed after STARTTLS",
     "RFC 3501 §6.2.3"},
    {ResponseId::NoSuchMailbox, "NO", "NONEXISTENT", "No such mailbox", "RFC 5530 §3"},
    {ResponseId::ReadOnlyMailbox, "NO", "", "Mailbox is read-only", "RFC 3501 §6.3.2"},
    {ResponseId::UnknownCommand, "BAD", "", "Unknown command", "RFC 3501 §7.1.3"},
    {ResponseId::WrongState, "BAD", "", "Command not valid in this state", "RFC 3501 §3"},
    {ResponseId::BadArguments, "BAD", "", "Syntax error in arguments", "RFC 3501 §7.1.3"},
    {ResponseId::Malformed, "BAD", "", "Malformed command", "RFC 3501 §7.1.3"},
    {ResponseId::LineTooLong, "BAD", "", "Command line too long", "RFC 7162 §4"},
    {ResponseId::LiteralTooBig, "BAD", "", "Literal too big", "RFC 3501 §7.5"},
    {ResponseId::TlsUnavailable, "BAD", "", "STARTTLS not available", "RFC 3501 §6.2.1"},
    {ResponseId::AuthCancelled, "BAD", "", "Authentication cancelled", "RFC 3501 §6.2.2"},
    {ResponseId::AuthCannotDecode, "BAD", "", "Malformed SASL response", "RFC 3501 §6.2.2"},
    {ResponseId::AuthUnknownMechanism, "NO", "", "Unsupported authentication mechanism", "RFC 3501 §6.2.2"},
    {ResponseId::UnsupportedFetch, "BAD", "", "Unsupported FETCH item", "RFC 3501 §6.4.5"},
    {ResponseId::Logout, "BYE", "", "Logging out", "RFC 3501 §6.1.3"},
    {ResponseId::TooManyFailures, "BYE", "", "Too many failed logins, closing connection", "RFC 3501 §7.1.5"},
    {ResponseId::Autologout, "BYE", "", "Autologout; idle for too long", "RFC 3501 §5.4"},
};
static_assert(std::size(rows) == static_cast<std::size_t>(ResponseId::Count_), "one row per ResponseId");

}  // namespace

const ResponseInfo& response_info(ResponseId id) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= std::size(rows) || rows[index].id != id) throw std::logic_error("imap response table out of order");
  return rows[index];
}

std::string_view to_string(ResponseId id) {
  switch (id) {
    case ResponseId::Completed: return "completed";
    case ResponseId::ReadWrite: return "read_write";
    case ResponseId::ReadOnly: return "read_only";
    case ResponseId::TlsBegin: return "tls_begin";
    case ResponseId::LoggedIn: return "logged_in";
    case ResponseId::IdleDone: return "idle_done";
    case ResponseId::LoginFailed: return "login_failed";
    case ResponseId::LoginDisabled: return "login_disabled";
    case ResponseId::NoSuchMailbox: return "no_such_mailbox";
    case ResponseId::ReadOnlyMailbox: return "read_only_mailbox";
    case ResponseId::UnknownCommand: return "unknown_command";
    case ResponseId::WrongState: return "wrong_state";
    case ResponseId::BadArguments: return "bad_arguments";
    case ResponseId::Malformed: return "malformed";
    case ResponseId::LineTooLong: return "line_too_long";
    case ResponseId::LiteralTooBig: return "literal_too_big";
    case ResponseId::TlsUnavailable: return "tls_unavailable";
    case ResponseId::AuthCancelled: return "auth_cancelled";
    case ResponseId::AuthCannotDecode: return "auth_cannot_decode";
    case ResponseId::AuthUnknownMechanism: return "auth_unknown_mechanism";
    case ResponseId::UnsupportedFetch: return "unsupported_fetch";
    case ResponseId::Logout: return "logout";
    case ResponseId::TooManyFailures: return "too_many_failures";
    case ResponseId::Autologout: return "autologout";
    case ResponseId::Count_: break;
  }
  return "unknown";
}

std::string format_tagged(std::string_view tag, ResponseId id, std::string_view text) {
  const ResponseInfo& info = response_info(id);
  std::string line(tag);
  line += ' ';
  line += info.status;
  if (!info.code.empty()) line += " [" + std::string(info.code) + "]";
  line += ' ';
  line += text.empty() ? info.text : text;
  line += "\r\n";
  return line;
}

}  // namespace smtplab::imap
