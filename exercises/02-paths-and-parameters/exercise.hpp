// exercises/02-paths-and-parameters/exercise.hpp — the functions you write in paths.cpp.
//
// Standards: RFC 5321 §4.1.1.2 (MAIL), §4.1.1.3 (RCPT, <Postmaster>), §4.1.2 (Path,
//            Reverse-path, Forward-path, Mail-parameters, esmtp-param), §3.3 (no space
//            around the colon), §4.5.3.1.3 (a path is at most 256 octets), §4.5.5 (<>).
//
// API (the engine calls them where it calls the reference functions: smtp::Seams):
//   PathParse student::parse_reverse_path(text)   text after "MAIL FROM:"
//   PathParse student::parse_forward_path(text)   text after "RCPT TO:"
//     ok: path set, parameters = the text after "> " (e.g. "SIZE=100 BODY=8BITMIME"),
//         why empty; refused: path empty, why a sentence, error = BadSenderSyntax
//         (501 5.1.7) for MAIL or BadRecipientSyntax (501 5.1.3) for RCPT.
//   ParameterParse student::parse_esmtp_parameters(text)
//     ok: one Parameter per "KEYWORD[=value]", keyword upper-cased; refused: why set.
//   You may call smtplab::parse_mailbox (reference/core/address.hpp) for the
//   "local-part@domain" inside the brackets: this exercise is about the path.
//
// Not implemented: nothing here; this file is the contract, do not change it.
#pragma once

#include <string_view>

#include "core/address.hpp"
#include "smtp/commands.hpp"

namespace smtplab::student {

PathParse parse_reverse_path(std::string_view text);
PathParse parse_forward_path(std::string_view text);
smtp::ParameterParse parse_esmtp_parameters(std::string_view text);

}  // namespace smtplab::student
