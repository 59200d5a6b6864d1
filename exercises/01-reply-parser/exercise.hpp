// exercises/01-reply-parser/exercise.hpp — the function you write in reply_parser.cpp.
//
// Standards: RFC 5321 §4.2 (reply syntax), §4.2.1 (multi-line replies), §4.5.3.1.5
//            (reply line length), RFC 2034 §4 and RFC 3463 §2 (enhanced status codes).
//
// API:
//   smtplab::student::parse_reply_lines(lines) -> smtplab::smtp::ParsedReply
//     lines: the lines of ONE complete reply, without their CRLF, e.g.
//            {"250-mx.b.example", "250-PIPELINING", "250 2.0.0 SIZE 10240000"}
//     returns: ok = true and the Reply (code, enhanced status or empty, the text of
//            each line without code, separator and status), or ok = false and `why`,
//            a sentence saying what is wrong.
//   The engine calls it exactly where it calls smtplab::smtp::parse_reply_lines
//   (reference/smtp/reply_parser.hpp): smtp::Seams::parse_reply_lines.
//
// Not implemented: nothing here; this file is the contract, do not change it.
#pragma once

#include <string>
#include <vector>

#include "smtp/reply_parser.hpp"

namespace smtplab::student {

smtp::ParsedReply parse_reply_lines(const std::vector<std::string>& lines);

}  // namespace smtplab::student
