// exercises/03-dot-stuffing/solution/dot_stuffing.cpp — the model solution: the
// reference functions (reference/smtp/dot_stuffing.cpp: dot_stuff, and scan_data,
// which runs the incremental DataReader over the bytes). Read them for the code.
//
// Standards: RFC 5321 §4.5.2, §4.1.1.4, §2.3.8.
// API: see ../exercise.hpp.
// Not implemented: nothing.
#include "exercise.hpp"

namespace smtplab::student {

std::string dot_stuff(std::string_view content) { return smtp::dot_stuff(content); }
smtp::DataScan scan_data(std::string_view received) { return smtp::scan_data(received); }

}  // namespace smtplab::student
