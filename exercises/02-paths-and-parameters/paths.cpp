// exercises/02-paths-and-parameters/paths.cpp — YOUR parsers for the arguments of
// MAIL FROM and RCPT TO.
//
// Standards: RFC 5321 §4.1.1.2-3, §4.1.2, §3.3, §4.5.3.1.3, §4.5.5.
//
// API: see exercise.hpp. Grade it with
//   smtplab grade exercises/02-paths-and-parameters
// and see the server use it with
//   smtplab run lessons/02-mua-mta-mda --student exercises/02-paths-and-parameters
//
// Not implemented: everything, until you write it. The stubs throw, so every test
// fails with a clear message.
#include "exercise.hpp"

#include <stdexcept>

namespace smtplab::student {

// Hints (README.md has more):
//  - Path = "<" [ A-d-l ":" ] Mailbox ">"; Reverse-path = Path / "<>".
//  - "RCPT TO:<Postmaster>" has no domain and is still valid (RFC 5321 §4.1.1.3).
//  - After '>' comes nothing, or SP and the parameters.
//  - A quoted local part may hold '>' ("\"a>b\"@c.example").
//  - parse_mailbox("alice@a.example") checks the mailbox for you.

PathParse parse_reverse_path(std::string_view text) {
  (void)text;
  throw std::logic_error("exercise 02: parse_reverse_path is not written yet");
}

PathParse parse_forward_path(std::string_view text) {
  (void)text;
  throw std::logic_error("exercise 02: parse_forward_path is not written yet");
}

smtp::ParameterParse parse_esmtp_parameters(std::string_view text) {
  // esmtp-param = esmtp-keyword ["=" esmtp-value]     (RFC 5321 §4.1.2)
  // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
  // esmtp-value = 1*(%d33-60 / %d62-126)
  (void)text;
  throw std::logic_error("exercise 02: parse_esmtp_parameters is not written yet");
}

}  // namespace smtplab::student
