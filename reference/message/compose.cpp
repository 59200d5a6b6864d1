// message/compose.cpp — a simple message from a Draft (see compose.hpp).
#include "message/compose.hpp"

#include <algorithm>

#include "message/date.hpp"
#include "message/header.hpp"
#include "message/message_id.hpp"

namespace smtplab::message {

namespace {

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 128; });
}

// RFC 5322 §2.3: the body may hold US-ASCII characters; NUL and lone CR/LF are out
// (normalized away before this is asked). Any other control character we also send
// encoded, to be safe on every transport.
bool body_is_plain(std::string_view crlf_body) {
  std::size_t line_length = 0;
  for (std::size_t i = 0; i < crlf_body.size(); ++i) {
    const auto u = static_cast<unsigned char>(crlf_body[i]);
    if (crlf_body[i] == '\r' && i + 1 < crlf_body.size() && crlf_body[i + 1] == '\n') {
      line_length = 0;
      ++i;
      continue;
    }
    if (u >= 128 || u == 0 || (u < 32 && u != '\t') || u == 127) return false;
    if (++line_length > line_length_max) return false;  // RFC 5322 §2.1.1
  }
  return true;
}

// The domain of an address written as "Name <local@domain>" or "local@domain".
std::string_view domain_of(std::string_view address) {
  const std::size_t open = address.rfind('<');
  if (open != std::string_view::npos) {
    address.remove_prefix(open + 1);
    const std::size_t close = address.find('>');
    if (close != std::string_view::npos) address = address.substr(0, close);
  }
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return {};
  std::string_view domain = address.substr(at + 1);
  while (!domain.empty() && (domain.back() == ' ' || domain.back() == '>')) domain.remove_suffix(1);
  return domain;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

}  // namespace

std::string normalize_line_endings(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {  // RFC 4648 §4: pad the final quantum with "="
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// RFC 2045 §6.7. Rule 2: octets 33-60 and 62-126 may stay literal. Rule 3: space and
// tab may stay literal except at the end of a line. Rule 1: everything else is "=XX"
// with uppercase hex. Rule 5: lines of at most 76 characters, a soft line break being
// "=" at the end of a line.
std::string quoted_printable_encode(std::string_view text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find("\r\n", start);
    const bool last = end == std::string_view::npos;
    if (last) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const auto u = static_cast<unsigned char>(line[i]);
      const bool at_line_end = i + 1 == line.size();
      std::string token;
      if ((u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !at_line_end)) {
        token = static_cast<char>(u);
      } else {
        token = {'=', hex[u >> 4], hex[u & 15]};
      }
      // Keep one column for the "=" of a soft break, unless this token ends the line.
      const std::size_t limit = at_line_end ? quoted_printable_line_max : quoted_printable_line_max - 1;
      if (column + token.size() > limit) {
        out += "=\r\n";
        column = 0;
      }
      out += token;
      column += token.size();
    }
    if (last) break;
    out += "\r\n";
    start = end + 2;
  }
  return out;
}

// RFC 2047 §2: encoded-word = "=?" charset "?" encoding "?" encoded-text "?=", at most
// 75 characters; §5: "Each 'encoded-word' MUST represent an integral number of
// characters. A multi-octet character may not be split across adjacent
// 'encoded-word's." So each word carries at most encoded_word_octets_max octets (see
// compose.hpp for the arithmetic), fewer when that would split a UTF-8 character.
std::string encode_header_text(std::string_view text) {
  std::string clean(text);
  std::replace(clean.begin(), clean.end(), '\r', ' ');
  std::replace(clean.begin(), clean.end(), '\n', ' ');
  if (is_ascii(clean)) return clean;
  constexpr std::string_view prefix = "=?UTF-8?B?";
  constexpr std::string_view suffix = "?=";
  constexpr std::size_t octets_max = encoded_word_octets_max;
  static_assert(prefix.size() + (octets_max + 2) / 3 * 4 + suffix.size() <= encoded_word_length_max);
  std::string out;
  std::size_t at = 0;
  while (at < clean.size()) {
    std::size_t take = std::min(octets_max, clean.size() - at);
    // Back off while the next octet is a UTF-8 continuation byte (10xxxxxx).
    while (take > 1 && at + take < clean.size() &&
           (static_cast<unsigned char>(clean[at + take]) & 0xC0) == 0x80)
      --take;
    if (!out.empty()) out += ' ';  // adjacent encoded-words, separated by FWS (§6.2)
    out += prefix;
    out += base64_encode(std::string_view(clean).substr(at, take));
    out += suffix;
    at += take;
  }
  return out;
}

Composed compose(const Draft& draft, Random& random) {
  Composed result;
  result.message_id = draft.message_id.empty() ? make_message_id(random, domain_of(draft.from))
                                               : draft.message_id;
  std::string body = normalize_line_endings(draft.body);
  if (!body.empty() && !body.ends_with("\r\n")) body += "\r\n";
  result.mime = !body_is_plain(body);

  std::string& out = result.content;
  // RFC 5322 §3.6: "the origination date field and the originator address field(s)"
  // are required; Date and From therefore always appear.
  out += format_field("Date", format_date(draft.date_ms, draft.zone_offset_minutes));
  out += format_field("From", draft.from);
  if (!draft.to.empty()) out += format_field("To", join(draft.to));
  if (!draft.cc.empty()) out += format_field("Cc", join(draft.cc));
  // RFC 5322 §3.6.5: Subject is optional; we write it when there is one.
  if (!draft.subject.empty()) out += format_field("Subject", encode_header_text(draft.subject));
  // RFC 5322 §3.6.4: "every message SHOULD have a "Message-ID:" field".
  out += format_field("Message-ID", result.message_id);
  for (const auto& [name, value] : draft.extra_fields) out += format_field(name, value);
  if (result.mime) {
    // RFC 2045 §4: "MIME-Version: 1.0" marks a message that uses MIME.
    out += format_field("MIME-Version", "1.0");
    out += format_field("Content-Type", "text/plain; charset=UTF-8");
    out += format_field("Content-Transfer-Encoding", "quoted-printable");
    body = quoted_printable_encode(body);
  }
  out += "\r\n";  // RFC 5322 §2.1: the empty line between header and body
  out += body;
  return result;
}

}  // namespace smtplab::message
