// mailauth/dkim_canon.hpp — DKIM canonicalization: the exact bytes that are hashed.
//
// Standards: RFC 6376 §3.4 (canonicalization): §3.4.1 "simple" header (no change),
//            §3.4.2 "relaxed" header (lower-case name, unfold, compress WSP, trim, no
//            WSP around the colon), §3.4.3 "simple" body (trailing empty lines removed,
//            an empty body is one CRLF), §3.4.4 "relaxed" body (WSP at line ends removed,
//            WSP runs become one SP, trailing empty lines removed; an empty body stays
//            empty, per erratum 3133/RFC 6376 text), §3.4.5 (l= counts canonicalized
//            octets), §3.7 (computing the hashes), §5.4.2 (choosing header instances
//            from the bottom up).
//
// API:
//   split_message(message)                 -> MessageParts {fields (raw, in order), body}
//   split_header(message)                  -> MessageHeader {fields, body_offset}: the same
//                                             split without copying the body
//   canonicalize_header(raw_field, canon)  "subject:Hi\r\n" / the raw bytes
//   append_canonical_header(out, raw_field, canon)   the same, appended to out
//   canonicalize_body(body, canon)         the whole canonical body
//   select_signed_fields(fields, h_names)  the instances h= designates, bottom up
//
// Not implemented: streaming canonicalization (the body is held whole; smtplab's
// messages are bounded by limits::message_size_default_max); bare-LF repair (the
// conformance vectors marked strict_rfc:false), which RFC 6376 leaves to the MTA.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smtplab::mailauth {

// RFC 6376 §3.4: "simple" and "relaxed".
enum class DkimCanon { Simple, Relaxed };
std::string_view to_string(DkimCanon canon);

struct RawField {
  std::string name;  // up to the colon, trailing WSP removed (for matching h=)
  std::string raw;   // the whole field as in the message, folding and the final CRLF kept
};

struct MessageParts {
  std::vector<RawField> fields;
  std::string body;     // everything after the empty line
  bool has_body_separator = false;
};

// The header fields of a message and where its body starts, for a caller that keeps
// the message itself (DkimVerify owns its copy): the body is then
// message.substr(body_offset), an offset that stays right when the message string is
// moved, where a string_view into it would not (a short string's bytes move with it).
struct MessageHeader {
  std::vector<RawField> fields;
  std::size_t body_offset = 0;  // message.size() when there is no empty line
  bool has_body_separator = false;
};

// Splits at the first empty line (RFC 5322 §2.1). A line starting with WSP continues
// the field before it (RFC 5322 §2.2.3). Lines are CRLF-terminated; a bare LF also ends
// a line (kept as it is in `raw`).
MessageHeader split_header(std::string_view message);
// split_header, with a copy of the body.
MessageParts split_message(std::string_view message);

std::string canonicalize_header(std::string_view raw_field, DkimCanon canon);
// The same, appended to `out`: the header hash input is built in one string, without a
// string per field.
void append_canonical_header(std::string& out, std::string_view raw_field, DkimCanon canon);
std::string canonicalize_body(std::string_view body, DkimCanon canon);

// RFC 6376 §5.4.2: "If there are multiple instances of a header field, the Signer MUST
// use the last instance first ... each additional instance comes from the next
// previous". A name listed more often than it appears selects nothing the extra times
// ("oversigning", §8.15). Returns indices into `fields`, nullopt for those extras.
std::vector<std::optional<std::size_t>> select_signed_fields(const std::vector<RawField>& fields,
                                                             const std::vector<std::string>& h_names);

}  // namespace smtplab::mailauth
