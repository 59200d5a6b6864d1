// tests/exercises/broken/loops-forever/reply_parser.cpp — a student file that never
// returns: every test runs into the time limit, and the grader must give zero, say
// so, and finish.
//
// Standards: none. API: exercises/01-reply-parser/exercise.hpp.
// Not implemented: termination, on purpose.
#include "exercise.hpp"

namespace smtplab::student {

smtp::ParsedReply parse_reply_lines(const std::vector<std::string>& lines) {
  volatile std::size_t spins = lines.size();
  while (spins != static_cast<std::size_t>(-1) || true) spins = spins + 1;
  return {};
}

}  // namespace smtplab::student
