// trace/json.hpp — the trace as JSON: the saved form that the visualizer opens, the
// golden files compare and other tools read.
//
// Standards: RFC 8259 (JSON), RFC 3629 (UTF-8: what a JSON string may hold), RFC 4648
// §4 (base64, for bytes that are not UTF-8). The format itself is smtplab's own and is
// specified, field by field, in docs/trace-format.md (format "smtplab-trace",
// version 1).
//
// API:
//   to_json(doc)          the document as text; the same document always gives the same
//                         string, byte for byte (keys in a fixed order, one event per
//                         line), so traces can be diffed and kept as goldens;
//   from_json(text)       a ParseResult: the document, or a message saying what is wrong
//                         ("event 12: unknown event kind \"smtp_frobnicate\"");
//   trace_format_name, trace_format_version   what to_json writes and from_json reads.
//
// Not implemented: streaming (the whole trace is one string), reading other versions
// (a version 2 reader would convert here), JSON Lines.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "trace/document.hpp"

namespace smtplab::trace {

inline constexpr std::string_view trace_format_name = "smtplab-trace";
// Raise when a change would make an old reader misread a new file (a renamed or
// re-typed field). Adding an optional field does not need a new version.
inline constexpr int trace_format_version = 1;

// Our choice (STYLE §18): the largest JSON text from_json accepts. A trace at
// limits::trace_events_max events of ~200 bytes each is ~400 MB; a saved trace bigger
// than 512 MiB is not something a student opens by mistake.
inline constexpr std::size_t trace_json_size_max = 512u * 1024u * 1024u;

struct ParseResult {
  std::optional<TraceDocument> document;
  std::string error;  // empty when document is set

  bool ok() const { return document.has_value(); }
};

std::string to_json(const TraceDocument& document);
// One event as one line of compact JSON, the same fields as an element of "events" in
// to_json (a JSON-lines stream of a live trace: `smtplab serve --trace-jsonl`).
std::string event_to_json_line(const TraceEvent& event);
ParseResult from_json(std::string_view text);

// Helpers shared with the views (the inspector shows the same validity decision).
// RFC 3629 §4: well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool is_valid_utf8(std::string_view bytes);
// RFC 4648 §4: the standard alphabet with '=' padding.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace smtplab::trace
