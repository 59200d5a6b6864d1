// smtp/dot_stuffing.hpp — message content on the wire: dot-stuffing for sending, and the
// DataReader that finds the end of data, unstuffs, and defends against SMTP smuggling.
//
// Standards: RFC 5321 §4.5.2 (transparency), §4.1.1.4 (DATA: the end of mail data is
//            "<CRLF>.<CRLF>"), §2.3.8 (lines end with CRLF; bare CR and LF), §4.5.3.1.6
//            (text line length), RFC 1870 §4-6 (message size).
//            SMTP smuggling: CVE-2023-51764/51765/51766 (see
//            ../shared/conformance/smtp/smtp-smuggling-sequences.md).
//
// API:
//   dot_stuff(content)        the bytes to send after 354, without the final ".\r\n":
//                             line endings normalised to CRLF, leading dots doubled,
//                             and a final CRLF guaranteed.
//   message_size(content)     the size RFC 1870 means: octets after normalising line
//                             endings, counting CRLFs, not counting stuffed dots.
//   DataReader r(size_max);   r.feed(input) consumes bytes up to and including the end
//                             of data and says Complete or NeedMore; then content(),
//                             bare_line_ending(), too_big(), line_too_long(), wire().
//   scan_data(received)       the same rules as one function over every byte received
//                             since the 354: the model solution of exercise 3 and the
//                             shape of its seam (DataScan, ScanDataFn).
//   r.use_scanner(fn)         a seam (smtp/seams.hpp): end of data is found by `fn`
//                             (a student's scan_data) instead of the incremental reader.
//
// Rule: the end of data is found ONLY at <CRLF>.<CRLF> (or "." CRLF as the very first
// line, because the 354 reply counts as the preceding CRLF). A bare CR or LF is never
// a line ending here: it stays inside the line as content and flags the message, which
// the server then refuses with 550 5.6.0 after its real end.
//
// Not implemented: BDAT/CHUNKING (RFC 3030), 8-bit to 7-bit conversion (RFC 6152 §3).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/limits.hpp"

namespace smtplab::smtp {

std::string dot_stuff(std::string_view content);
std::size_t message_size(std::string_view content);

// What a scan of the bytes received after the 354 found (exercise 3's interface).
struct DataScan {
  bool complete = false;     // the end-of-data line has arrived
  std::size_t consumed = 0;  // when complete: bytes up to and including ".\r\n"
  std::string content;       // when complete: unstuffed, CRLF line endings, no ".\r\n"
  bool bare_cr = false;      // a CR not followed by LF was seen (RFC 5321 §2.3.8)
  bool bare_lf = false;      // an LF not preceded by CR was seen
};
using ScanDataFn = DataScan (*)(std::string_view received);

// The DataReader's rules applied to everything received since the 354 at once.
DataScan scan_data(std::string_view received);

enum class DataStatus { NeedMore, Complete };
std::string_view to_string(DataStatus status);

class DataReader {
 public:
  // `wire_keep_max` bounds the copy of the raw bytes kept for the trace; by default the
  // size limit plus one text line (our choice: enough to show every byte of any
  // message we accept).
  explicit DataReader(std::size_t message_size_max,
                      std::size_t line_length_max = limits::text_line_length_max);

  // Consumes from the front of `input`: everything up to and including the end-of-data
  // line, or all of it when the end has not come yet.
  DataStatus feed(std::string_view& input);

  bool complete() const { return complete_; }
  // The unstuffed content with CRLF line endings, without the final ".\r\n". Never
  // longer than message_size_max: once the message outgrows it, the rest is counted
  // but not kept.
  const std::string& content() const { return content_; }
  std::string take_content() { return std::move(content_); }

  std::size_t size() const { return size_; }              // unstuffed octets seen
  std::size_t wire_size() const { return wire_size_; }    // octets consumed from the wire
  const std::string& wire() const { return wire_; }       // the raw bytes (bounded)
  bool wire_truncated() const { return wire_truncated_; }

  bool bare_cr() const { return bare_cr_; }
  bool bare_lf() const { return bare_lf_; }
  bool bare_line_ending() const { return bare_cr_ || bare_lf_; }
  bool too_big() const { return size_ > message_size_max_; }
  bool line_too_long() const { return line_too_long_; }

  void reset();

  // A seam (smtp/seams.hpp): with a scanner, the reader keeps the raw bytes (up to its
  // bound) and asks `scan` after every feed whether the end of data has come. nullptr
  // restores the incremental reader. Line lengths are then not checked.
  void use_scanner(ScanDataFn scan) { scan_ = scan; }

 private:
  void end_line();  // a CRLF arrived: the line in line_ is complete
  DataStatus feed_scanned(std::string_view& input);

  std::size_t message_size_max_;
  std::size_t line_length_max_;
  std::size_t wire_keep_max_;
  std::string content_;
  std::string line_;              // the current line (bounded by line_length_max_)
  bool line_overflow_ = false;    // the current line is over the limit; its text is dropped
  std::size_t line_size_ = 0;     // octets of the current line, counted even when dropped
  bool pending_cr_ = false;       // the last byte was CR; is the next one LF?
  bool complete_ = false;
  std::size_t size_ = 0;
  std::size_t wire_size_ = 0;
  std::string wire_;
  bool wire_truncated_ = false;
  bool bare_cr_ = false;
  bool bare_lf_ = false;
  bool line_too_long_ = false;
  ScanDataFn scan_ = nullptr;
  std::string overflow_tail_;     // scanner mode past the bound: the last bytes seen
};

}  // namespace smtplab::smtp
