// core/reply.cpp — the one table of replies (STYLE §17) and the wire formatting.
#include "core/reply.hpp"

#include <array>
#include <charconv>
#include <stdexcept>

namespace smtplab {

std::string EnhancedStatus::to_string() const {
  if (empty()) return {};
  // At most "5.999.999", appended number by number (this runs for every reply, so it
  // avoids building three temporaries).
  std::string out;
  out.reserve(12);
  for (const int part : {klass, subject, detail}) {
    if (!out.empty()) out += '.';
    char digits[12];
    const auto length = std::to_chars(digits, digits + sizeof digits, part).ptr - digits;
    out.append(digits, static_cast<std::size_t>(length));
  }
  return out;
}

std::optional<EnhancedStatus> EnhancedStatus::parse(std::string_view text) {
  // RFC 3463 §2: class = "2"/"4"/"5"; subject = 1*3digit; detail = 1*3digit.
  EnhancedStatus status;
  int* parts[] = {&status.klass, &status.subject, &status.detail};
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    std::size_t digits = pos - start;
    if (digits == 0 || digits > 3 || (i == 0 && digits != 1)) return std::nullopt;
    std::from_chars(text.data() + start, text.data() + pos, *parts[i]);
    if (i < 2) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (status.klass != 2 && status.klass != 4 && status.klass != 5) return std::nullopt;
  return status;
}

namespace {

// RFC 5321 §4.2: textstring = 1*(%d09 / %d32-126) — reply text is printable US-ASCII.
// Our explanations cite sections with "§", so that one is spelled out; anything else
// outside the range becomes '?', and the wire stays valid whatever the detail text was.
void append_textstring(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA7) {
      out += "section ";
      ++i;
    } else if (c == '\t' || (c >= 32 && c <= 126)) {
      out += static_cast<char>(c);
    } else {
      out += '?';
    }
  }
}

}  // namespace

std::string Reply::format(bool enhanced) const {
  std::string out;
  const std::string code_text = std::to_string(code);
  const std::string status_text = (enhanced && !status.empty()) ? status.to_string() : std::string();
  const std::size_t n = lines.empty() ? 1 : lines.size();
  std::size_t size = 0;  // room for every line, so `out` grows once
  for (const std::string& line : lines) size += line.size() + status_text.size() + 8;
  out.reserve(size + 8);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string_view text = lines.empty() ? std::string_view() : std::string_view(lines[i]);
    out += code_text;
    out += (i + 1 < n) ? '-' : ' ';
    if (!status_text.empty()) {
      out += status_text;
      if (!text.empty()) out += ' ';
    }
    append_textstring(out, text);
    out += "\r\n";
  }
  return out;
}

std::string Reply::first_line(bool enhanced) const {
  std::string wire = format(enhanced);
  return wire.substr(0, wire.find("\r\n"));
}

namespace {

constexpr EnhancedStatus es(int c, int s, int d) { return EnhancedStatus{c, s, d}; }
constexpr EnhancedStatus none{};

// The table. Order follows the enum; a static check below keeps them in step.
constexpr ReplyInfo table[] = {
    {ReplyId::SystemStatus, 211, es(2, 0, 0), "System status", "RFC 5321 §4.2.3"},
    {ReplyId::HelpMessage, 214, es(2, 0, 0), "Commands: HELO EHLO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP", "RFC 5321 §4.1.1.8"},
    {ReplyId::ServiceReady, 220, none, "ESMTP smtplab ready", "RFC 5321 §4.3.1"},
    {ReplyId::TlsGoAhead, 220, es(2, 0, 0), "Ready to start TLS", "RFC 3207 §4"},
    {ReplyId::ServiceClosing, 221, es(2, 0, 0), "Bye", "RFC 5321 §4.1.1.10"},
    {ReplyId::AuthSucceeded, 235, es(2, 7, 0), "Authentication successful", "RFC 4954 §6"},
    {ReplyId::EhloOk, 250, none, "", "RFC 5321 §4.1.1.1"},
    {ReplyId::HeloOk, 250, none, "", "RFC 5321 §4.1.1.1"},
    {ReplyId::Ok, 250, es(2, 0, 0), "OK", "RFC 5321 §4.2.3"},
    {ReplyId::SenderOk, 250, es(2, 1, 0), "Sender OK", "RFC 5321 §4.1.1.2"},
    {ReplyId::RecipientOk, 250, es(2, 1, 5), "Recipient OK", "RFC 5321 §4.1.1.3"},
    {ReplyId::MessageAccepted, 250, es(2, 0, 0), "Message accepted for delivery", "RFC 5321 §4.1.1.4"},
    {ReplyId::ResetOk, 250, es(2, 0, 0), "Reset state", "RFC 5321 §4.1.1.5"},
    {ReplyId::NoopOk, 250, es(2, 0, 0), "OK", "RFC 5321 §4.1.1.9"},
    {ReplyId::CannotVerify, 252, es(2, 5, 0), "Cannot VRFY user, but will accept message and attempt delivery", "RFC 5321 §3.5.3"},
    {ReplyId::AuthContinue, 334, none, "", "RFC 4954 §4"},
    {ReplyId::StartMailInput, 354, none, "End data with <CR><LF>.<CR><LF>", "RFC 5321 §4.1.1.4"},
    {ReplyId::ServiceNotAvailable, 421, es(4, 3, 2), "Service not available, closing transmission channel", "RFC 5321 §3.8"},
    {ReplyId::TooManyConnections, 421, es(4, 7, 0), "Too many connections, try again later", "RFC 5321 §4.2.3"},
    {ReplyId::Timeout, 421, es(4, 4, 2), "Idle too long, closing connection", "RFC 5321 §4.5.3.2"},
    {ReplyId::MailboxBusy, 450, es(4, 2, 1), "Mailbox busy, try again later", "RFC 5321 §4.2.3"},
    {ReplyId::Greylisted, 450, es(4, 7, 1), "Greylisted, try again later", "RFC 6647 §2.1"},
    {ReplyId::LocalError, 451, es(4, 3, 0), "Local error in processing", "RFC 5321 §4.2.3"},
    {ReplyId::NoAnswerFromHost, 451, es(4, 4, 1), "No answer from any host for this domain", "RFC 5321 §5.1"},
    {ReplyId::DnsTempFail, 451, es(4, 4, 3), "DNS lookup failed temporarily", "RFC 5321 §5.1"},
    {ReplyId::TemporaryAuthFailure, 454, es(4, 7, 0), "Temporary authentication failure", "RFC 4954 §6"},
    {ReplyId::TlsNotAvailable, 454, es(4, 7, 0), "TLS not available due to temporary reason", "RFC 3207 §4"},
    {ReplyId::InsufficientStorage, 452, es(4, 3, 1), "Insufficient system storage", "RFC 5321 §4.2.3"},
    {ReplyId::TooManyRecipients, 452, es(4, 5, 3), "Too many recipients", "RFC 5321 §4.5.3.1.10"},
    {ReplyId::SyntaxErrorCommand, 500, es(5, 5, 2), "Syntax error, command unrecognized", "RFC 5321 §4.2.4"},
    {ReplyId::LineTooLong, 500, es(5, 5, 6), "Line too long", "RFC 5321 §4.5.3.1.4"},
    {ReplyId::SyntaxErrorParameters, 501, es(5, 5, 4), "Syntax error in parameters or arguments", "RFC 5321 §4.2.3"},
    {ReplyId::BadSenderSyntax, 501, es(5, 1, 7), "Bad sender address syntax", "RFC 5321 §4.1.2"},
    {ReplyId::BadRecipientSyntax, 501, es(5, 1, 3), "Bad recipient address syntax", "RFC 5321 §4.1.2"},
    {ReplyId::BadHeloSyntax, 501, es(5, 5, 4), "HELO/EHLO needs a domain or address literal", "RFC 5321 §4.1.1.1"},
    {ReplyId::CommandNotImplemented, 502, es(5, 5, 1), "Command not implemented", "RFC 5321 §4.2.4"},
    {ReplyId::BadSequence, 503, es(5, 5, 1), "Bad sequence of commands", "RFC 5321 §4.1.4"},
    {ReplyId::NeedHelo, 503, es(5, 5, 1), "Send HELO or EHLO first", "RFC 5321 §4.1.4"},
    {ReplyId::NeedMail, 503, es(5, 5, 1), "Need MAIL before RCPT", "RFC 5321 §4.1.4"},
    {ReplyId::NeedRcpt, 503, es(5, 5, 1), "Need RCPT before DATA", "RFC 5321 §4.1.4"},
    {ReplyId::NestedMail, 503, es(5, 5, 1), "Sender already specified", "RFC 5321 §4.1.4"},
    {ReplyId::ParameterNotImplemented, 555, es(5, 5, 4), "MAIL FROM/RCPT TO parameters not recognized or not implemented", "RFC 5321 §4.1.1.11"},
    {ReplyId::AuthRequired, 530, es(5, 7, 0), "Authentication required", "RFC 4954 §6"},
    {ReplyId::EncryptionRequired, 530, es(5, 7, 0), "Must issue a STARTTLS command first", "RFC 3207 §4"},
    {ReplyId::AuthInvalid, 535, es(5, 7, 8), "Authentication credentials invalid", "RFC 4954 §6"},
    {ReplyId::EncryptionRequiredForAuth, 538, es(5, 7, 11), "Encryption required for requested authentication mechanism", "RFC 4954 §6"},
    {ReplyId::NoSuchUser, 550, es(5, 1, 1), "No such user here", "RFC 5321 §3.6.2"},
    {ReplyId::DomainNotFound, 550, es(5, 1, 2), "Recipient domain does not exist", "RFC 5321 §5.1"},
    {ReplyId::DomainAcceptsNoMail, 556, es(5, 1, 10), "Recipient domain accepts no mail (null MX)", "RFC 7505 §4.2"},
    {ReplyId::GaveUp, 554, es(5, 4, 7), "Delivery time expired: gave up retrying", "RFC 5321 §4.5.4.1"},
    {ReplyId::RelayDenied, 550, es(5, 7, 1), "Relay access denied", "RFC 5321 §3.6.2"},
    {ReplyId::PolicyRejected, 550, es(5, 7, 1), "Rejected by policy", "RFC 7489 §6.6.2"},
    {ReplyId::BareLineEnding, 550, es(5, 6, 0), "Message contains a bare CR or LF; lines must end with CRLF", "RFC 5321 §2.3.8"},
    {ReplyId::MessageTooBigForSystem, 552, es(5, 3, 4), "Message size exceeds fixed maximum message size", "RFC 1870 §6"},
    {ReplyId::ExceededStorage, 552, es(5, 2, 2), "Mailbox full", "RFC 5321 §4.2.3"},
    {ReplyId::MailLoop, 554, es(5, 4, 6), "Too many Received headers: mail loop", "RFC 5321 §6.3"},
    {ReplyId::TransactionFailed, 554, es(5, 0, 0), "Transaction failed", "RFC 5321 §4.2.3"},
    {ReplyId::NoServiceHere, 554, es(5, 7, 1), "No SMTP service here", "RFC 5321 §3.1"},
    {ReplyId::MessageRejected, 554, es(5, 6, 0), "Message content rejected", "RFC 5321 §4.2.3"},
};

static_assert(std::size(table) == static_cast<std::size_t>(ReplyId::Count_),
              "reply table and ReplyId must list the same replies in the same order");

}  // namespace

const ReplyInfo& reply_info(ReplyId id) {
  const auto index = static_cast<std::size_t>(id);
  if (index >= std::size(table) || table[index].id != id)
    throw std::logic_error("reply table out of order");  // our bug, not the peer's
  return table[index];
}

Reply make_reply(ReplyId id, std::string_view detail) {
  const ReplyInfo& info = reply_info(id);
  Reply reply;
  reply.code = info.code;
  reply.status = info.status;
  std::string text;
  text.reserve(info.text.size() + 2 + detail.size());
  text += info.text;
  if (!detail.empty()) {
    if (!text.empty()) text += ": ";
    text += detail;
  }
  reply.lines.push_back(std::move(text));
  return reply;
}

}  // namespace smtplab
