// core/line_reader.hpp — CRLF line framing with a length limit that never buffers
// without bound.
//
// Standards: RFC 5321 §2.3.8 (lines end with CRLF), §4.5.3.1.4 and §4.5.3.1.6 (line
// length limits: see core/limits.hpp).
//
// API (in the style of picohttpparser: consumed / partial / error):
//   LineReader reader(limits::command_line_length_max);
//   std::string_view input = bytes;  Line line;
//   while (true) switch (reader.next(input, line)) {
//     case LineStatus::Complete: ... line.text, line.crlf ...; continue;
//     case LineStatus::TooLong:  ... reply 500 5.5.6, the line is gone ...; continue;
//     case LineStatus::NeedMore: ... wait for more bytes ...; break;
//   }
//
// `next` consumes from the front of `input`. At most `line_length_max` bytes of one
// line are kept; the rest of an overlong line is discarded as it arrives, and TooLong
// is reported once, when its line ending finally comes, so that the reply lines up
// with the command it answers and the session stays usable.
//
// A line ends at LF. `crlf` says whether the LF was preceded by CR: a bare LF is
// reported (crlf = false) and the caller decides (commands tolerate it; message
// content rejects it: the SMTP smuggling defence in smtp/data_reader).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace smtplab {

struct Line {
  std::string text;   // without the line ending
  bool crlf = true;   // ended with CRLF (true) or a bare LF (false)
};

enum class LineStatus { Complete, NeedMore, TooLong };

class LineReader {
 public:
  // `line_length_max` counts the line ending, as RFC 5321's limits do.
  explicit LineReader(std::size_t line_length_max) : line_length_max_(line_length_max) {}

  LineStatus next(std::string_view& input, Line& out);

  void set_line_length_max(std::size_t max) { line_length_max_ = max; }
  std::size_t line_length_max() const { return line_length_max_; }
  std::size_t buffered() const { return partial_.size(); }  // never above the limit
  void reset() { partial_.clear(); overflow_ = false; }

 private:
  std::size_t line_length_max_;
  std::string partial_;    // the current incomplete line
  bool overflow_ = false;  // the current line is over the limit and being discarded
};

}  // namespace smtplab
