// tests/exercises/half-right/01-reply-parser/reply_parser.cpp — a deliberately
// half-right answer to exercise 1, for the grader's own tests: codes and multi-line
// framing are right, but the enhanced status is never read and line limits are not
// checked. It must score between zero and full marks.
//
// Standards: RFC 5321 §4.2.1 (the part it gets right).
// API: exercises/01-reply-parser/exercise.hpp.
// Not implemented (on purpose): RFC 2034 statuses, RFC 5321 §4.5.3.1.5, textstring.
#include "exercise.hpp"

namespace smtplab::student {

smtp::ParsedReply parse_reply_lines(const std::vector<std::string>& lines) {
  smtp::ParsedReply result;
  if (lines.empty()) {
    result.why = "no lines";
    return result;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const bool ok_code = line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' && line[1] <= '5' &&
                         line[2] >= '0' && line[2] <= '9';
    if (!ok_code || line.compare(0, 3, lines[0], 0, 3) != 0) {
      result.why = "bad code";
      return result;
    }
    const char separator = line.size() > 3 ? line[3] : ' ';
    if ((i + 1 < lines.size()) != (separator == '-') || (separator != '-' && separator != ' ')) {
      result.why = "bad separator";
      return result;
    }
    result.reply.lines.push_back(line.size() > 4 ? line.substr(4) : std::string());
  }
  result.reply.code = std::stoi(lines[0].substr(0, 3));
  result.ok = true;
  return result;
}

}  // namespace smtplab::student
