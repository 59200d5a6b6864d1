// core/reply.hpp — SMTP replies and RFC 3463 enhanced status codes, from one table.
//
// Standards: RFC 5321 §4.2 (reply codes: syntax §4.2.1, meaning of the digits §4.2.2,
//            codes in numeric order §4.2.3), RFC 3463 (enhanced mail system status
//            codes), RFC 2034 (ENHANCEDSTATUSCODES: the status goes after the code on
//            every line), RFC 5248 (the status code registry).
//
// API:
//   ReplyId            every reply smtplab's server sends, named by its meaning;
//   reply_info(id)     its row in the table: code, status, text, RFC section;
//   make_reply(id, d)  a Reply built from the row, with optional detail text;
//   Reply::format()    the wire form, multi-line with "250-" continuation, and the
//                      enhanced status on every line when the session enabled it.
//
// Rule (STYLE §17): a peer's violation becomes a Reply from this table, never a
// string formatted at the call site. Text that depends on the situation (a queue id,
// the offending address) goes in the `detail` argument.
//
// Not implemented: reply text localisation (RFC 5321 leaves text free-form).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtplab {

// RFC 3463 §2: status-code = class "." subject "." detail, e.g. 5.7.1.
struct EnhancedStatus {
  int klass = 0;  // 2 success, 4 persistent transient failure, 5 permanent failure
  int subject = 0;
  int detail = 0;

  bool empty() const { return klass == 0; }
  std::string to_string() const;  // "5.7.1", or "" when empty
  // Parses "x.y.z" (RFC 3463 §2: class 2/4/5, subject and detail 0-999).
  static std::optional<EnhancedStatus> parse(std::string_view text);
  friend bool operator==(const EnhancedStatus&, const EnhancedStatus&) = default;
};

struct Reply {
  int code = 0;                    // 3 digits, RFC 5321 §4.2
  EnhancedStatus status;           // may be empty (greeting, or no ENHANCEDSTATUSCODES)
  std::vector<std::string> lines;  // text of each line, without code or status

  // RFC 5321 §4.2.1: "Reply-code [ SP textstring ] CRLF" for the last line and
  // "Reply-code "-" [ textstring ] CRLF" for the others. With `enhanced`, RFC 2034 §4
  // puts the status code after the reply code on every line.
  std::string format(bool enhanced) const;
  // The first line as it would appear on the wire, without CRLF (for summaries).
  std::string first_line(bool enhanced) const;

  int first_digit() const { return code / 100; }
  bool positive() const { return first_digit() == 2 || first_digit() == 3; }
  bool transient_failure() const { return first_digit() == 4; }
  bool permanent_failure() const { return first_digit() == 5; }
};

// Every reply the server can give. Grouped as in RFC 5321 §4.2.3.
enum class ReplyId {
  // 2yz: positive completion
  SystemStatus,           // 211
  HelpMessage,            // 214
  ServiceReady,           // 220 greeting
  TlsGoAhead,             // 220 2.0.0 after STARTTLS (RFC 3207 §4)
  ServiceClosing,         // 221 2.0.0 after QUIT
  AuthSucceeded,          // 235 2.7.0 (RFC 4954 §6)
  EhloOk,                 // 250 first line of the EHLO reply
  HeloOk,                 // 250 HELO reply
  Ok,                     // 250 2.0.0 generic
  SenderOk,               // 250 2.1.0 MAIL accepted
  RecipientOk,            // 250 2.1.5 RCPT accepted
  MessageAccepted,        // 250 2.0.0 queued as ...
  ResetOk,                // 250 2.0.0 RSET
  NoopOk,                 // 250 2.0.0 NOOP
  CannotVerify,           // 252 2.5.0 VRFY (RFC 5321 §3.5.3)
  // 3yz: positive intermediate
  AuthContinue,           // 334 (RFC 4954 §4)
  StartMailInput,         // 354 end data with <CRLF>.<CRLF>
  // 4yz: transient negative completion
  ServiceNotAvailable,    // 421 4.3.2 shutting down / over limit
  TooManyConnections,     // 421 4.7.0 connection limit
  Timeout,                // 421 4.4.2 idle too long (RFC 5321 §4.5.3.2)
  MailboxBusy,            // 450 4.2.1
  Greylisted,             // 450 4.7.1
  LocalError,             // 451 4.3.0
  NoAnswerFromHost,       // 451 4.4.1 (our own report: no MX host answered)
  DnsTempFail,            // 451 4.4.3 (our own report: DNS lookup failed temporarily)
  TemporaryAuthFailure,   // 454 4.7.0 (RFC 4954 §6)
  TlsNotAvailable,        // 454 4.7.0 (RFC 3207 §4)
  InsufficientStorage,    // 452 4.3.1
  TooManyRecipients,      // 452 4.5.3 (RFC 5321 §4.5.3.1.10)
  // 5yz: permanent negative completion
  SyntaxErrorCommand,     // 500 5.5.2 unrecognised command
  LineTooLong,            // 500 5.5.6 command line over 512 octets (RFC 5321 §4.5.3.1.4)
  SyntaxErrorParameters,  // 501 5.5.4
  BadSenderSyntax,        // 501 5.1.7 bad sender address syntax (RFC 3463 §3.2)
  BadRecipientSyntax,     // 501 5.1.3 bad destination address syntax
  BadHeloSyntax,          // 501 5.5.4 HELO/EHLO needs a domain
  CommandNotImplemented,  // 502 5.5.1
  BadSequence,            // 503 5.5.1 (RFC 5321 §4.1.4)
  NeedHelo,               // 503 5.5.1 send HELO/EHLO first
  NeedMail,               // 503 5.5.1 need MAIL before RCPT
  NeedRcpt,               // 503 5.5.1 need RCPT before DATA
  NestedMail,             // 503 5.5.1 sender already specified
  ParameterNotImplemented,// 555 5.5.4 unrecognised MAIL/RCPT parameter (RFC 5321 §4.1.1.11)
  AuthRequired,           // 530 5.7.0 (RFC 4954 §6)
  EncryptionRequired,     // 530 5.7.0 must issue STARTTLS first (RFC 3207 §4)
  AuthInvalid,            // 535 5.7.8 (RFC 4954 §6)
  EncryptionRequiredForAuth, // 538 5.7.11 (RFC 4954 §6, RFC 5248)
  NoSuchUser,             // 550 5.1.1
  DomainNotFound,         // 550 5.1.2 (our own report: the domain does not exist in DNS)
  DomainAcceptsNoMail,    // 556 5.1.10 (our own report: null MX, RFC 7505 §4.2)
  GaveUp,                 // 554 5.4.7 (our own report: delivery time expired, RFC 3463 §3.5)
  RelayDenied,            // 550 5.7.1
  PolicyRejected,         // 550 5.7.1 (SPF/DMARC reject, carries the reason)
  BareLineEnding,         // 550 5.6.0 bare CR or LF in message (RFC 5321 §2.3.8)
  MessageTooBigForSystem, // 552 5.3.4 (RFC 1870 §6)
  ExceededStorage,        // 552 5.2.2
  MailLoop,               // 554 5.4.6 too many Received headers (RFC 5321 §6.3)
  TransactionFailed,      // 554 5.0.0
  NoServiceHere,          // 554 5.7.1 connection rejected (RFC 5321 §3.1)
  MessageRejected,        // 554 5.6.0 message content rejected
  Count_                  // number of entries; keep last
};

struct ReplyInfo {
  ReplyId id;
  int code;
  EnhancedStatus status;
  std::string_view text;  // default text of the (last) line
  std::string_view rfc;   // where the rule that produces this reply lives
};

const ReplyInfo& reply_info(ReplyId id);

// A reply from the table. With `detail`, the text becomes "<text>: <detail>" unless the
// row's text is empty, in which case the detail is the text.
Reply make_reply(ReplyId id, std::string_view detail = {});

}  // namespace smtplab
