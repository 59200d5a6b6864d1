// message/trace_fields.cpp — Received and Return-Path (RFC 5321 §4.4).
#include "message/trace_fields.hpp"

#include "message/date.hpp"
#include "message/header.hpp"

namespace smtplab::message {

namespace {

// What may appear of a peer-supplied word inside a Received field: printable ASCII
// without spaces, and without the characters that would end or restructure the clause
// ("(", ")" of the TCP-info comment, ";" before the date, "\" quoting, "[" "]" of an
// address literal). Anything else becomes '?', so the field stays one valid field.
void append_word(std::string& out, std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool bad = u <= 32 || u >= 127 || c == '(' || c == ')' || c == ';' || c == '\\' ||
                     c == '[' || c == ']';
    out += bad ? '?' : c;
  }
}

std::string sanitize_word(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_word(out, text);
  return out;
}

}  // namespace

std::string_view to_string(ReceivedProtocol protocol) {
  switch (protocol) {
    case ReceivedProtocol::Smtp: return "SMTP";
    case ReceivedProtocol::Esmtp: return "ESMTP";
    case ReceivedProtocol::Esmtps: return "ESMTPS";
    case ReceivedProtocol::Esmtpa: return "ESMTPA";
    case ReceivedProtocol::Esmtpsa: return "ESMTPSA";
  }
  return "ESMTP";
}

ReceivedProtocol received_protocol(bool ehlo, bool tls, bool authenticated) {
  // RFC 3848 §1: the ESMTPA/S/SA names say that STARTTLS and/or AUTH were used, which
  // only an EHLO session can do; a HELO session is plain "SMTP" (RFC 5321 §4.4).
  if (!ehlo) return ReceivedProtocol::Smtp;
  if (tls && authenticated) return ReceivedProtocol::Esmtpsa;
  if (tls) return ReceivedProtocol::Esmtps;
  if (authenticated) return ReceivedProtocol::Esmtpa;
  return ReceivedProtocol::Esmtp;
}

std::string address_literal(std::string_view address) {
  // RFC 5321 §4.1.3: IPv6-address-literal = "IPv6:" IPv6-addr.
  const std::string clean = sanitize_word(address);
  if (clean.find(':') != std::string::npos) return "[IPv6:" + clean + "]";
  return "[" + clean + "]";
}

// RFC 5321 §4.4:
//   Stamp = From-domain By-domain Opt-info [CFWS] ";" FWS date-time
//   From-domain = "FROM" FWS Extended-Domain
//   Extended-Domain = Domain / ( Domain FWS "(" TCP-info ")" ) /
//                     ( address-literal FWS "(" TCP-info ")" )
//   TCP-info = address-literal / ( Domain FWS address-literal )
// "the FROM clause ... SHOULD contain both (1) the name of the source host as
// presented in the EHLO command and (2) an address literal containing the IP address
// of the source, determined from the TCP connection." The name we looked up (or were
// told) goes inside the comment with the literal.
std::string received_value(const ReceivedInfo& info) {
  const std::string literal = address_literal(info.peer_address);
  const std::string peer_name = sanitize_word(info.peer_name);
  // One string, appended to in order (every accepted message gets one of these).
  std::string out;
  out.reserve(128 + info.helo.size() + peer_name.size() + info.by_host.size() + info.for_path.size());
  out += "from ";
  if (info.helo.empty())
    out += literal;  // no HELO given: the address stands for it
  else
    append_word(out, info.helo);
  out += " (";
  if (!peer_name.empty() && peer_name != info.peer_address) {
    out += peer_name;
    out += ' ';
  }
  out += literal;
  out += ") by ";
  append_word(out, info.by_host);
  out += " with ";
  out += to_string(info.protocol);
  if (!info.id.empty()) {
    out += " id ";
    append_word(out, info.id);
  }
  // RFC 5321 §4.4: For = CFWS "FOR" FWS ( Path / Mailbox ). Only with one recipient,
  // or the field would disclose the other (Bcc) recipients (§7.2).
  if (!info.for_path.empty()) {
    out += " for ";
    out += return_path_value(info.for_path);
  }
  out += "; ";
  out += format_date(info.time_ms);
  return out;
}

std::string received_field(const ReceivedInfo& info) {
  return format_field("Received", received_value(info));
}

// RFC 5322 §3.6.7: return = "Return-Path:" path CRLF, path = angle-addr /
// ([CFWS] "<" [CFWS] ">" [CFWS]).
std::string return_path_value(std::string_view reverse_path) {
  std::string_view inner = reverse_path;
  while (!inner.empty() && (inner.front() == ' ' || inner.front() == '\t')) inner.remove_prefix(1);
  while (!inner.empty() && (inner.back() == ' ' || inner.back() == '\t')) inner.remove_suffix(1);
  if (inner.size() >= 2 && inner.front() == '<' && inner.back() == '>')
    inner = inner.substr(1, inner.size() - 2);
  std::string out;
  out.reserve(inner.size() + 2);
  out += '<';
  for (char c : inner) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 32 || u == 127 || c == '<' || c == '>') ? '?' : c;
  }
  out += '>';
  return out;
}

std::string return_path_field(std::string_view reverse_path) {
  return format_field("Return-Path", return_path_value(reverse_path));
}

}  // namespace smtplab::message
