// exercises/02-paths-and-parameters/solution/paths.cpp — the model solution: the
// reference parsers themselves (reference/core/address.cpp, parse_path, and
// reference/smtp/commands.cpp, parse_esmtp_parameters), read them for the commented code.
//
// Standards: RFC 5321 §4.1.1.2-3, §4.1.2, §3.3, §4.5.3.1.3, §4.5.5.
// API: see ../exercise.hpp.
// Not implemented: nothing.
#include "exercise.hpp"

namespace smtplab::student {

PathParse parse_reverse_path(std::string_view text) { return smtplab::parse_reverse_path(text); }
PathParse parse_forward_path(std::string_view text) { return smtplab::parse_forward_path(text); }
smtp::ParameterParse parse_esmtp_parameters(std::string_view text) { return smtp::parse_esmtp_parameters(text); }

}  // namespace smtplab::student
