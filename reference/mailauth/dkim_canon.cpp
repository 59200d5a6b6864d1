// mailauth/dkim_canon.cpp — RFC 6376 §3.4 canonicalization.
#include "mailauth/dkim_canon.hpp"

#include <cstdint>
#include <cstring>

#include "message/header.hpp"

namespace smtplab::mailauth {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

// Sixteen octets checked at once, as one vector (GCC's and Clang's vector extension:
// `==` compares each octet and gives 0xFF where equal, 0 elsewhere; on x86-64 these are
// SSE2 instructions, elsewhere whatever the target has, or plain code). This replaced a
// test on 64-bit words (eight octets, exact bit tricks) that did about four times the
// work per octet: the relaxed body canonicalization of 4 KiB went from 1.3 to 0.7 us.
constexpr std::size_t block_octets = 16;
using Block = unsigned char __attribute__((vector_size(block_octets)));

Block load_block(const char* at) {
  Block block;
  std::memcpy(&block, at, block_octets);
  return block;
}

// True when some octet of `mask` (the result of comparing blocks) is non-zero.
bool any_set(const auto& mask) {
  static_assert(sizeof(mask) == block_octets);
  std::uint64_t halves[2];
  std::memcpy(halves, &mask, block_octets);
  return (halves[0] | halves[1]) != 0;
}

// Field names are US-ASCII (RFC 5322 §3.6.8), so case is folded for A-Z only: the same
// as std::tolower in the C locale, without its call per character.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::string_view to_string(DkimCanon canon) { return canon == DkimCanon::Simple ? "simple" : "relaxed"; }

// Our choice: room for the fields of a typical message (the benchmark's has six), so
// that the vector is allocated once; a longer header grows it as usual.
constexpr std::size_t header_fields_reserved = 16;

MessageHeader split_header(std::string_view message) {
  MessageHeader header;
  header.fields.reserve(header_fields_reserved);
  std::size_t pos = 0;
  std::size_t field_start = 0;  // where the field being read began
  // Each field's raw bytes are copied once, when its last continuation line is known,
  // instead of being appended to line by line.
  auto close_field = [&](std::size_t end) {
    if (header.fields.empty() || field_start >= end) return;
    header.fields.back().raw = std::string(message.substr(field_start, end - field_start));
  };
  while (pos < message.size()) {
    std::size_t eol = message.find('\n', pos);
    const std::size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
    const std::string_view line = message.substr(pos, next - pos);
    if (line == "\r\n" || line == "\n") {  // the empty line that ends the header
      header.has_body_separator = true;
      close_field(pos);
      pos = next;
      break;
    }
    if (is_wsp(line[0]) && !header.fields.empty()) {
      // A continuation line (folding): it stays part of the field being read.
    } else {
      close_field(pos);
      field_start = pos;
      RawField field;
      const std::size_t colon = line.find(':');
      std::string_view name = line.substr(0, colon == std::string_view::npos ? 0 : colon);
      while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
      field.name = std::string(name);
      header.fields.push_back(std::move(field));
    }
    pos = next;
  }
  if (!header.has_body_separator) close_field(message.size());
  header.body_offset = header.has_body_separator ? pos : message.size();
  return header;
}

MessageParts split_message(std::string_view message) {
  MessageHeader header = split_header(message);
  MessageParts parts;
  parts.fields = std::move(header.fields);
  parts.has_body_separator = header.has_body_separator;
  parts.body = std::string(message.substr(header.body_offset));
  return parts;
}

void append_canonical_header(std::string& out, std::string_view raw_field, DkimCanon canon) {
  // RFC 6376 §3.4.1: "The "simple" header canonicalization algorithm does not change
  // header fields in any way."
  if (canon == DkimCanon::Simple) {
    out += raw_field;
    return;
  }
  // RFC 6376 §3.4.2: "Convert all header field names (not the header field values) to
  // lowercase ... Unfold all header field continuation lines ... Convert all sequences
  // of one or more WSP characters to a single SP character ... Delete all WSP
  // characters at the end of each unfolded header field value ... Delete any WSP
  // characters remaining before and after the colon separating the header field name
  // from the header field value. The colon separator MUST be retained."
  const std::size_t colon = raw_field.find(':');
  std::string_view name = raw_field.substr(0, colon == std::string_view::npos ? raw_field.size() : colon);
  while (!name.empty() && is_wsp(name.back())) name.remove_suffix(1);
  while (!name.empty() && is_wsp(name.front())) name.remove_prefix(1);
  // Relaxed canonicalization only ever shortens a field (plus the final CRLF), so the
  // output is written through a pointer into room made once at the end of `out`, then
  // cut to the length written (appending character by character cost twice as much).
  const std::size_t start = out.size();
  out.resize(start + raw_field.size() + 3);
  char* write = out.data() + start;
  for (const char c : name) *write++ = ascii_lower(c);
  *write++ = ':';
  const char* const value_start = write;
  if (colon != std::string_view::npos) {
    bool in_space = false;
    for (const char c : raw_field.substr(colon + 1)) {
      if (c == '\r' || c == '\n') continue;  // unfold: CRLF is removed, the WSP after it stays
      if (is_wsp(c)) {
        in_space = true;
        continue;
      }
      // WSP before the value (after the colon) is deleted; WSP inside becomes one SP; WSP
      // at the end is never written because no character follows it.
      if (in_space && write != value_start) *write++ = ' ';
      in_space = false;
      *write++ = c;
    }
  }
  *write++ = '\r';
  *write++ = '\n';
  out.resize(static_cast<std::size_t>(write - out.data()));
}

std::string canonicalize_header(std::string_view raw_field, DkimCanon canon) {
  std::string out;
  append_canonical_header(out, raw_field, canon);
  return out;
}

std::string canonicalize_body(std::string_view body, DkimCanon canon) {
  std::string out;
  out.reserve(body.size() + 2);
  if (canon == DkimCanon::Simple) {
    out.assign(body);
  } else {
    // RFC 6376 §3.4.4: "Reduce whitespace: Ignore all whitespace at the end of lines.
    // ... Reduce all sequences of WSP within a line to a single SP character."
    // One pass over the body into one reserved string: a run of WSP is remembered and
    // written as one SP only when a non-WSP character follows on the same line, so WSP
    // at the end of a line (just before CRLF, or at the end of the body) disappears.
    // Only CRLF ends a line; a bare CR or LF is an ordinary character here, as in the
    // line-by-line reading of §3.4.4.
    // The output is never longer than the input, so it is written through a pointer
    // into a buffer sized once, then cut to the length written.
    //
    // Most text needs no change at all: the only octets that do are a TAB, and a WSP
    // followed by another WSP or by a CR. So sixteen octets at a time are checked for
    // those (a vector test, above) and copied as they are when there are none; the
    // character-by-character rule runs only where something changes. A 4 KiB body went
    // from 2.5 us (one octet at a time) to 1.2 (eight at a time) to 0.7 (sixteen).
    out.resize(body.size());
    char* write = out.data();
    bool in_space = false;
    const std::size_t size = body.size();
    for (std::size_t i = 0; i < size; ++i) {
      // Octets i..i+15 and, shifted by one, i+1..i+16 (the octet after each), when no
      // WSP run is pending from before i.
      while (!in_space && i + block_octets + 1 <= size) {
        const Block block = load_block(body.data() + i);
        const Block after = load_block(body.data() + i + 1);
        const auto changes = (block == '\t') | ((block == ' ') & ((after == ' ') | (after == '\t') | (after == '\r')));
        if (any_set(changes)) break;
        std::memcpy(write, body.data() + i, block_octets);
        write += block_octets;
        i += block_octets;
      }
      if (i >= size) break;
      const char c = body[i];
      if (is_wsp(c)) {
        in_space = true;
      } else if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') {
        in_space = false;
        *write++ = '\r';
        *write++ = '\n';
        ++i;
      } else {
        if (in_space) *write++ = ' ';
        in_space = false;
        *write++ = c;
      }
    }
    out.resize(static_cast<std::size_t>(write - out.data()));
  }
  // Both: "Ignore all empty lines at the end of the message body" (§3.4.3, §3.4.4), and
  // a last line without CRLF gets one.
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  while (out.size() >= 4 && out.ends_with("\r\n\r\n")) out.resize(out.size() - 2);
  if (out == "\r\n") out.clear();
  // §3.4.3: "If there is no body or no trailing CRLF on the message body, a CRLF is
  // added." — for simple the empty body is one CRLF; §3.4.4: for relaxed it is empty.
  if (canon == DkimCanon::Simple && out.empty()) out = "\r\n";
  return out;
}

std::vector<std::optional<std::size_t>> select_signed_fields(const std::vector<RawField>& fields,
                                                             const std::vector<std::string>& h_names) {
  std::vector<std::optional<std::size_t>> out;
  std::vector<bool> used(fields.size(), false);
  for (const auto& wanted : h_names) {
    std::optional<std::size_t> chosen;
    for (std::size_t i = fields.size(); i-- > 0;) {
      if (!used[i] && message::field_name_equals(fields[i].name, wanted)) {
        chosen = i;
        used[i] = true;
        break;
      }
    }
    out.push_back(chosen);
  }
  return out;
}

}  // namespace smtplab::mailauth
