// message/header.hpp — the header section of an RFC 5322 message: fields, folding,
// case-insensitive lookup, trace fields at the top, and byte-preserving edits.
//
// Standards: RFC 5322 §2.1 (lines, CRLF), §2.1.1 (998/78 line limits), §2.2 (header
// fields: name ":" body CRLF), §2.2.3 (folding and unfolding), §3.6 (field order),
// §4.5.8 (obsolete whitespace before the colon); RFC 5321 §4.4 (trace fields are
// prepended), §6.3 (counting Received fields to detect loops).
//
// API:
//   HeaderParse p = parse_header(message);   p.header, p.body_offset, p.error, p.why
//   p.header.find("subject")                  first field of that name, any case
//   p.header.count("Received")                how many; received_count() for loops
//   header.prepend("Received", value)         at the top (RFC 5321 §4.4)
//   header.serialize()                        "Name:raw\r\n"... with CRLF line ends
//   format_field("Subject", "Hi")             "Subject: Hi\r\n", folded at 78 columns
//   prepend_field(message, "Return-Path", "<a@b>")   without re-serializing the rest
//   remove_fields(message, "Return-Path")    drops those fields, other bytes untouched
//   count_fields(message, "Received")        how many, without building the fields
//
// Parsing is tolerant: it never throws, keeps every well-formed field, and reports the
// first problem with a sentence for the student. A bare LF is accepted as a line end
// (and reported); serialization always writes CRLF.
//
// Not implemented: RFC 2047 decoding of encoded-words, structured parsing of address
// fields (RFC 5322 §3.4), obsolete header syntax beyond §4.5.8's whitespace.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace smtplab::message {

// RFC 5322 §2.1.1: "Each line of characters MUST be no more than 998 characters, and
// SHOULD be no more than 78 characters, excluding the CRLF."
inline constexpr std::size_t line_length_max = 998;
inline constexpr std::size_t line_length_recommended_max = 78;

struct HeaderField {
  std::string name;       // as written, without trailing whitespace: "Subject"
  std::string raw_value;  // everything after the colon, folding (CRLF WSP) kept
  std::string value;      // unfolded (RFC 5322 §2.2.3) and trimmed
};

enum class HeaderError {
  None,
  MissingColon,    // a line that is neither a field nor a continuation
  BadFieldName,    // empty name, or a character outside 33..126
  LeadingFold,     // the section starts with a continuation line
  LineTooLong,     // a line over 998 characters (§2.1.1)
  BareLineFeed,    // a line ended with LF alone instead of CRLF (§2.1)
  NoBody,          // no empty line: the message is a header section only (allowed)
};
std::string_view to_string(HeaderError error);

struct HeaderParse;

class Header {
 public:
  const std::vector<HeaderField>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

  const HeaderField* find(std::string_view name) const;  // first match, any case
  std::vector<const HeaderField*> find_all(std::string_view name) const;
  std::size_t count(std::string_view name) const;
  // RFC 5321 §6.3: loop detection counts Received fields (see limits::received_headers_max).
  std::size_t received_count() const { return count("Received"); }

  // `value` is the field body without the leading space; it is folded at 78 columns
  // where it has spaces. RFC 5321 §4.4: trace fields go at the top, newest first.
  void prepend(std::string_view name, std::string_view value);
  void append(std::string_view name, std::string_view value);
  std::size_t remove(std::string_view name);  // every field of that name; how many

  std::string serialize() const;  // each field "Name:raw_value\r\n"

  friend HeaderParse parse_header(std::string_view message);

 private:
  std::vector<HeaderField> fields_;
};

struct HeaderParse {
  Header header;
  std::size_t body_offset = 0;  // where the body starts in the parsed text
  HeaderError error = HeaderError::None;  // the first problem found
  std::size_t error_line = 0;   // 1-based line of that problem, 0 when none
  std::string why;              // a sentence for the student, empty when fine
  bool ok() const { return error == HeaderError::None || error == HeaderError::NoBody; }
};

HeaderParse parse_header(std::string_view message);

// Case-insensitive ASCII comparison of field names (RFC 5322 §1.2.2: "header field
// names are case-insensitive" is how §2.2 and §3.6 use them).
bool field_name_equals(std::string_view a, std::string_view b);

// "Name: value\r\n", folded at spaces so that lines stay within 78 columns where the
// value allows (RFC 5322 §2.2.3). CR and LF in `value` are replaced by spaces, so a
// caller cannot inject a second field by accident.
std::string format_field(std::string_view name, std::string_view value);

// Byte-preserving edits on a whole message (header and body): the rest of the message
// stays exactly as it was, which matters for signatures (DKIM) and for goldens.
std::string prepend_field(std::string_view message, std::string_view name,
                          std::string_view value);
// How many fields named `name` (any case) the header section of `message` has. It reads
// the lines without building fields, because the MTA's loop check (RFC 5321 §6.3)
// counts Received fields on every message it accepts.
std::size_t count_fields(std::string_view message, std::string_view name);
std::string remove_fields(std::string_view message, std::string_view name);

}  // namespace smtplab::message
