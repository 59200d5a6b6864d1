// tests/exercises/broken/crashes/reply_parser.cpp — a student file that dereferences
// a null pointer: every test crashes, and the grader must give zero with the signal
// named, and finish.
//
// Standards: none. API: exercises/01-reply-parser/exercise.hpp.
// Not implemented: anything that works, on purpose.
#include "exercise.hpp"

namespace smtplab::student {

smtp::ParsedReply parse_reply_lines(const std::vector<std::string>& lines) {
  volatile int* nowhere = nullptr;
  smtp::ParsedReply result;
  result.reply.code = *nowhere + static_cast<int>(lines.size());
  return result;
}

}  // namespace smtplab::student
