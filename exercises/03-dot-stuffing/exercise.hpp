// exercises/03-dot-stuffing/exercise.hpp — the functions you write in dot_stuffing.cpp.
//
// Standards: RFC 5321 §4.5.2 (transparency: dot-stuffing), §4.1.1.4 (the end of mail
//            data is "<CRLF>.<CRLF>"), §2.3.8 (bare CR and LF are not line endings);
//            SMTP smuggling, CVE-2023-51764/51765/51766 (the sequences are listed in
//            ../shared/conformance/smtp/smtp-smuggling-sequences.md).
//
// API (the engines call them where they call the reference: smtp::Seams):
//   std::string student::dot_stuff(content)       the client's side: the bytes to send
//       after 354, without the final ".\r\n": every line ending made CRLF (a bare CR
//       or LF counts as a line ending and becomes CRLF), a '.' doubled at the start of
//       every line, and a final CRLF guaranteed.
//   smtp::DataScan student::scan_data(received)   the server's side: `received` is
//       every byte that arrived after the 354 so far (maybe not all of the message).
//       complete = the end-of-data line has arrived; then consumed = the bytes up to
//       and including it, content = the message unstuffed, with CRLF line endings,
//       without the final ".\r\n". bare_cr / bare_lf = a CR without LF, or an LF
//       without CR, was seen: the server then refuses the message (550 5.6.0).
//
// Not implemented: nothing here; this file is the contract, do not change it.
#pragma once

#include <string>
#include <string_view>

#include "smtp/dot_stuffing.hpp"

namespace smtplab::student {

std::string dot_stuff(std::string_view content);
smtp::DataScan scan_data(std::string_view received);

}  // namespace smtplab::student
