// exercises/03-dot-stuffing/dot_stuffing.cpp — YOUR dot-stuffing (client) and YOUR
// end-of-data detection (server).
//
// Standards: RFC 5321 §4.5.2, §4.1.1.4, §2.3.8; SMTP smuggling (CVE-2023-51764).
//
// API: see exercise.hpp. Grade it with
//   smtplab grade exercises/03-dot-stuffing
// and see both sides of a delivery use it with
//   smtplab run lessons/02-mua-mta-mda --student exercises/03-dot-stuffing
//
// Not implemented: everything, until you write it. The stubs throw, so every test
// fails with a clear message.
#include "exercise.hpp"

#include <stdexcept>

namespace smtplab::student {

// Hints (README.md has more):
//  - RFC 5321 §4.5.2: "Before sending a line of mail text, the SMTP client checks the
//    first character of the line. If it is a period, one additional period is
//    inserted at the beginning of the line."
//  - The data ends ONLY at CR LF '.' CR LF — or at '.' CR LF as the very first line,
//    because the 354 reply counts as the CRLF before it.
//  - "\n.\n", "\r\n.\n", "\n.\r\n"... are NOT the end: servers that thought so let an
//    attacker smuggle a second message inside the first.

std::string dot_stuff(std::string_view content) {
  (void)content;
  throw std::logic_error("exercise 03: dot_stuff is not written yet");
}

smtp::DataScan scan_data(std::string_view received) {
  (void)received;
  throw std::logic_error("exercise 03: scan_data is not written yet");
}

}  // namespace smtplab::student
