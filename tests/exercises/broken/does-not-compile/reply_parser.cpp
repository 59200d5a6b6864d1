// tests/exercises/broken/does-not-compile/reply_parser.cpp — a student file with a
// syntax error: the grader must give zero with the compiler's message, and finish.
//
// Standards: none. API: exercises/01-reply-parser/exercise.hpp.
// Not implemented: compiling, on purpose.
#include "exercise.hpp"

namespace smtplab::student {

smtp::ParsedReply parse_reply_lines(const std::vector<std::string>& lines) {
  smtp::ParsedReply result
  return result;  // the missing ';' above is the point of this file
}

}  // namespace smtplab::student
