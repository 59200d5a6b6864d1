// visualizer/model/event_explanation.hpp — everything the inspector explains about one
// event, looked up in the explanation table (core/explain.hpp), never written here.
//
// Standards: RFC 5321 §4.2 (reply code, then text), RFC 2034 §4 and RFC 3463 §2 (the
// enhanced status after the code), RFC 5321 §4.1.1.1 (EHLO reply lines: one keyword
// per line after the first), RFC 1035 §3.2.2 (record types).
//
// API:
//   explain_event(event)     the explanations, most specific first: the event's own key,
//                            then its reply code, enhanced status, EHLO keywords, command
//                            verb, DNS type or rcode, and the event kind
//   visible_bytes(bytes)     text with CR, LF, TAB and other control bytes made visible
//   hex_rows(bytes, width)   "32 35 30 20 ..." rows with their text column
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/explain.hpp"
#include "core/trace.hpp"

namespace smtplab::visualizer {

struct ExplanationLine {
  std::string label;               // what is explained: "250", "2.1.5", "PIPELINING"
  const Explanation* explanation;  // never null
};

std::vector<ExplanationLine> explain_event(const TraceEvent& event);

// The enhanced status of a reply, parsed from its first line (RFC 2034 §4: it follows
// the code and a space). Empty when absent.
EnhancedStatus reply_status_of(const TraceEvent& event);

std::string visible_bytes(std::string_view bytes, std::size_t length_max);

struct HexRow {
  std::size_t offset = 0;
  std::string hex;
  std::string text;
};
std::vector<HexRow> hex_rows(std::string_view bytes, std::size_t width, std::size_t rows_max);

}  // namespace smtplab::visualizer
