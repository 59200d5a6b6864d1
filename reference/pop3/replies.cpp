// pop3/replies.cpp — the rows of the POP3 reply table.
#include "pop3/replies.hpp"

#include <stdexcept>

namespace smtplab::pop3 {

namespace {

constexpr ReplyInfo rows[] = {
    {ReplyId::Greeting, true, "", "POP3 server ready", "RFC 1939 §4"},
    {ReplyId::Capabilities, true, "", "Capability list follows", "RFC 2449 §5"},
    {ReplyId::Goodbye, true, "", "signing off", "RFC 1939 §4"},
    {ReplyId::GoodbyeUpdated, true, "", "signing off, deleted messages removed", "RFC 1939 §6"},
    {ReplyId::UpdateFailed, false, "SYS/PERM", "some deleted messages not removed", "RFC 1939 §6"},
    {ReplyId::UserAccepted, true, "", "send PASS", "RFC 1939 §7"},
    {ReplyId::LoggedIn, true, "", "maildrop locked and ready", "RFC 1939 §4"},
    {ReplyId::AuthFailed, false, "AUTH", "Authentication failed", "RFC 3206 §4"},
    {ReplyId::AuthTooManyFailures, false, "AUTH", "Too many failed logins, closing connection",
     "RFC 1939 §4"},
    {ReplyId::AuthCancelled, false, "", "Authentication cancelled", "RFC 5034 §4"},
    {ReplyId::AuthCannotDecode, false, "", "Malformed SASL response", "RFC 5034 §4"},
    {ReplyId::AuthUnknownMechanism, false, "", "Unsupported SASL mechanism", "RFC 5034 §4"},
    {ReplyId::PassWithoutUser, false, "", "USER first", "RFC 1939 §7"},
    {ReplyId::NeedTls, false, "AUTH", "Plaintext login is only allowed after STLS", "RFC 2595 §2.2"},
    {ReplyId::StlsReady, true, "", "Begin TLS negotiation", "RFC 2595 §4"},
    {ReplyId::StlsUnavailable, false, "", "STLS not available now", "RFC 2595 §4"},
    {ReplyId::Stat, true, "", "", "RFC 1939 §5"},
    {ReplyId::ScanListing, true, "", "", "RFC 1939 §5"},
    {ReplyId::UniqueIdListing, true, "", "", "RFC 1939 §7"},
    {ReplyId::ListFollows, true, "", "listing follows", "RFC 1939 §5"},
    {ReplyId::MessageFollows, true, "", "message follows", "RFC 1939 §5"},
    {ReplyId::Deleted, true, "", "message deleted", "RFC 1939 §5"},
    {ReplyId::NoSuchMessage, false, "", "no such message", "RFC 1939 §5"},
    {ReplyId::AlreadyDeleted, false, "", "message already deleted", "RFC 1939 §5"},
    {ReplyId::Noop, true, "", "", "RFC 1939 §5"},
    {ReplyId::Reset, true, "", "deletion marks removed", "RFC 1939 §5"},
    {ReplyId::UnknownCommand, false, "", "Unknown command", "RFC 1939 §3"},
    {ReplyId::BadArguments, false, "", "Syntax error in arguments", "RFC 1939 §3"},
    {ReplyId::WrongState, false, "", "Command not valid in this state", "RFC 1939 §3"},
    {ReplyId::LineTooLong, false, "", "Line too long", "RFC 2449 §4"},
};
static_assert(std::size(rows) == static_cast<std::size_t>(ReplyId::Count_), "one row per ReplyId");

}  // namespace

const ReplyInfo& reply_info(ReplyId id) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= std::size(rows) || rows[index].id != id) throw std::logic_error("pop3 reply table out of order");
  return rows[index];
}

std::string_view to_string(ReplyId id) {
  switch (id) {
    case ReplyId::Greeting: return "greeting";
    case ReplyId::Capabilities: return "capabilities";
    case ReplyId::Goodbye: return "goodbye";
    case ReplyId::GoodbyeUpdated: return "goodbye_updated";
    case ReplyId::UpdateFailed: return "update_failed";
    case ReplyId::UserAccepted: return "user_accepted";
    case ReplyId::LoggedIn: return "logged_in";
    case ReplyId::AuthFailed: return "auth_failed";
    case ReplyId::AuthTooManyFailures: return "auth_too_many_failures";
    case ReplyId::AuthCancelled: return "auth_cancelled";
    case ReplyId::AuthCannotDecode: return "auth_cannot_decode";
    case ReplyId::AuthUnknownMechanism: return "auth_unknown_mechanism";
    case ReplyId::PassWithoutUser: return "pass_without_user";
    case ReplyId::NeedTls: return "need_tls";
    case ReplyId::StlsReady: return "stls_ready";
    case ReplyId::StlsUnavailable: return "stls_unavailable";
    case ReplyId::Stat: return "stat";
    case ReplyId::ScanListing: return "scan_listing";
    case ReplyId::UniqueIdListing: return "unique_id_listing";
    case ReplyId::ListFollows: return "list_follows";
    case ReplyId::MessageFollows: return "message_follows";
    case ReplyId::Deleted: return "deleted";
    case ReplyId::NoSuchMessage: return "no_such_message";
    case ReplyId::AlreadyDeleted: return "already_deleted";
    case ReplyId::Noop: return "noop";
    case ReplyId::Reset: return "reset";
    case ReplyId::UnknownCommand: return "unknown_command";
    case ReplyId::BadArguments: return "bad_arguments";
    case ReplyId::WrongState: return "wrong_state";
    case ReplyId::LineTooLong: return "line_too_long";
    case ReplyId::Count_: break;
  }
  return "unknown";
}

Pop3Reply make_reply(ReplyId id, std::string_view detail) {
  const ReplyInfo& info = reply_info(id);
  Pop3Reply reply;
  reply.id = id;
  reply.ok = info.ok;
  // RFC 1939 §3: "+OK" or "-ERR", in upper case; RFC 2449 §8: a response code, when
  // there is one, comes right after the indicator, in square brackets.
  reply.line = info.ok ? "+OK" : "-ERR";
  if (!info.code.empty()) reply.line += " [" + std::string(info.code) + "]";
  const std::string_view text = detail.empty() ? info.text : detail;
  if (!text.empty()) reply.line += " " + std::string(text);
  return reply;
}

}  // namespace smtplab::pop3
