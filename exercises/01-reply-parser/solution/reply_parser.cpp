// exercises/01-reply-parser/solution/reply_parser.cpp — the model solution: the
// reference parser itself (reference/smtp/reply_parser.cpp, parse_reply_lines), so
// the exercise and the engine can never disagree about what is right.
//
// Standards: RFC 5321 §4.2, §4.2.1, §4.5.3.1.5; RFC 2034 §4; RFC 3463 §2.
// API: see ../exercise.hpp.
// Not implemented: nothing; read reference/smtp/reply_parser.cpp for the commented code.
#include "exercise.hpp"

namespace smtplab::student {

smtp::ParsedReply parse_reply_lines(const std::vector<std::string>& lines) {
  return smtp::parse_reply_lines(lines);
}

}  // namespace smtplab::student
