// pop3/replies.hpp — every status line smtplab's POP3 server sends, from one table.
//
// Standards: RFC 1939 §3 (status indicators "+OK" and "-ERR"), RFC 2449 §8 (extended
//            response codes in square brackets after the indicator), RFC 3206 §4 ([AUTH]
//            and [SYS/...] codes), RFC 2595 §4 (STLS), RFC 5034 §4 (AUTH).
//
// API:
//   Pop3Reply r = make_reply(ReplyId::AuthFailed);     r.ok == false
//   r.format()   -> "-ERR [AUTH] Authentication failed\r\n"
//   reply_info(id).rfc                                  the section behind the row
//
// RFC 1939 §3: "There are currently two status indicators: positive ("+OK") and negative
// ("-ERR"). Servers MUST send the "+OK" and "-ERR" in upper case." Unlike SMTP there is no
// number: the text after the indicator is for humans (and RFC 2449's response codes for
// programs), so each row's text is ours.
//
// Not implemented: the [IN-USE] and [LOGIN-DELAY] codes (no maildrop locking, no
// LOGIN-DELAY policy), [SYS/TEMP] (the stores report no temporary failures).
#pragma once

#include <string>
#include <string_view>

namespace smtplab::pop3 {

enum class ReplyId {
  Greeting,            // +OK <host> POP3 server ready
  Capabilities,        // +OK capability list follows
  Goodbye,             // +OK <host> signing off (QUIT in AUTHORIZATION)
  GoodbyeUpdated,      // +OK signing off, deleted messages removed (QUIT after UPDATE)
  UpdateFailed,        // -ERR some deleted messages not removed
  UserAccepted,        // +OK send PASS
  LoggedIn,            // +OK maildrop has N messages
  AuthFailed,          // -ERR [AUTH] Authentication failed
  AuthTooManyFailures, // -ERR [AUTH] too many failures, closing
  AuthCancelled,       // -ERR authentication cancelled ("*")
  AuthCannotDecode,    // -ERR malformed base64 or PLAIN message
  AuthUnknownMechanism,  // -ERR unsupported SASL mechanism
  PassWithoutUser,     // -ERR USER first
  NeedTls,             // -ERR [AUTH] TLS required before login (plaintext passwords)
  StlsReady,           // +OK begin TLS negotiation
  StlsUnavailable,     // -ERR STLS not available (no certificate, or TLS already active)
  Stat,                // +OK <n> <octets>
  ScanListing,         // +OK <msg> <octets>   (LIST msg)
  UniqueIdListing,     // +OK <msg> <unique-id> (UIDL msg)
  ListFollows,         // +OK scan listing follows / unique-id listing follows
  MessageFollows,      // +OK <octets> octets  (RETR, TOP)
  Deleted,             // +OK message <n> deleted
  NoSuchMessage,       // -ERR no such message
  AlreadyDeleted,      // -ERR message <n> already deleted
  Noop,                // +OK
  Reset,               // +OK maildrop has N messages (RSET)
  UnknownCommand,      // -ERR unknown command
  BadArguments,        // -ERR syntax error in arguments
  WrongState,          // -ERR command not valid in this state
  LineTooLong,         // -ERR line too long
  Count_,
};
std::string_view to_string(ReplyId id);

struct ReplyInfo {
  ReplyId id;
  bool ok;                // "+OK" or "-ERR"
  std::string_view code;  // RFC 2449 §8 response code ("AUTH", "SYS/PERM") or empty
  std::string_view text;  // the text after the indicator (and code)
  std::string_view rfc;   // the section that makes us send it
};
const ReplyInfo& reply_info(ReplyId id);

// One status line. `detail` replaces the table's text when set (for the numbers in
// "+OK 2 320"), so that the indicator and the code still come from the table.
struct Pop3Reply {
  ReplyId id = ReplyId::Noop;
  bool ok = true;
  std::string line;  // without CRLF: "+OK 2 320", "-ERR [AUTH] Authentication failed"
  std::string format() const { return line + "\r\n"; }
};
Pop3Reply make_reply(ReplyId id, std::string_view detail = {});

}  // namespace smtplab::pop3
