// tests/exercises/half-right/03-dot-stuffing/dot_stuffing.cpp — a deliberately
// half-right answer to exercise 3: it stuffs dots and finds "\r\n.\r\n", but it also
// takes "\n.\n" as the end (the SMTP smuggling bug) and never normalises bare line
// endings. It must score between zero and full marks.
//
// Standards: RFC 5321 §4.5.2 (the part it gets right).
// API: exercises/03-dot-stuffing/exercise.hpp.
// Not implemented (on purpose): RFC 5321 §2.3.8.
#include "exercise.hpp"

namespace smtplab::student {

std::string dot_stuff(std::string_view content) {
  std::string out;
  bool line_start = true;
  for (char c : content) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  if (!out.empty() && (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0)) out += "\r\n";
  return out;
}

smtp::DataScan scan_data(std::string_view received) {
  smtp::DataScan scan;
  std::size_t end = std::string_view::npos;
  std::size_t marker = 0;
  if (received.substr(0, 3) == ".\r\n") {
    end = 0;
    marker = 3;
  } else {
    const std::size_t crlf = received.find("\r\n.\r\n");
    const std::size_t lf = received.find("\n.\n");  // the bug
    if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf < lf)) {
      end = crlf + 2;
      marker = 3;
    } else if (lf != std::string_view::npos) {
      end = lf + 1;
      marker = 2;
    }
  }
  if (end == std::string_view::npos) return scan;
  scan.complete = true;
  scan.consumed = end + marker;
  std::string_view body = received.substr(0, end);
  bool line_start = true;
  for (char c : body) {
    if (line_start && c == '.') {
      line_start = false;
      continue;
    }
    scan.content += c;
    line_start = c == '\n';
  }
  return scan;
}

}  // namespace smtplab::student
