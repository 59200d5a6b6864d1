// exercises/01-reply-parser/reply_parser.cpp — YOUR parser of SMTP replies.
//
// Standards: RFC 5321 §4.2, §4.2.1, §4.5.3.1.5; RFC 2034 §4; RFC 3463 §2.
//
// API: see exercise.hpp. Grade it with
//   smtplab grade exercises/01-reply-parser
// and watch it work inside the real client with
//   smtplab run lessons/02-mua-mta-mda --student exercises/01-reply-parser
//
// Not implemented: everything, until you write it. The stub below throws, so every
// test fails with a clear message instead of crashing.
#include "exercise.hpp"

#include <stdexcept>

namespace smtplab::student {

smtp::ParsedReply parse_reply_lines(const std::vector<std::string>& lines) {
  // Hints (README.md has more):
  //  1. Every line starts with the same three-digit code: RFC 5321 §4.2 says
  //     Reply-code = %x32-35 %x30-35 %x30-39.
  //  2. Every line but the last has '-' after the code; the last has ' ' or nothing.
  //  3. With ENHANCEDSTATUSCODES the text starts with "x.y.z " (RFC 2034 §4), whose
  //     class x must match the code's first digit (RFC 3463 §2).
  //  4. EnhancedStatus::parse("5.7.1") (reference/core/reply.hpp) may help.
  (void)lines;
  throw std::logic_error("exercise 01: parse_reply_lines is not written yet");
}

}  // namespace smtplab::student
