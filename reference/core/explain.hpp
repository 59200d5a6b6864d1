// core/explain.hpp — the explanations shown to students, as data.
//
// Standards: RFC 5321 §4.2.2-4.2.3 (reply codes), RFC 3463 and RFC 5248 (enhanced
// status codes), the EHLO keyword registry (RFC 5321 §2.2.2 and each extension's RFC),
// and smtplab's own trace vocabulary.
//
// API:
//   explain(key)                 -> Explanation or nullptr, the most specific entry
//                                   (dropping trailing ".part"s); keys look like
//                                   "reply.503", "status.5.7.1", "ehlo.PIPELINING",
//                                   "kind.dns_query", "state.smtp_server.need_mail",
//                                   "command.RCPT", "dns.MX"
//   explain_reply_code(code)     most specific entry for a code: "reply.550", else
//                                   by first digit "reply.5xx"
//   explain_status(status)       "status.5.7.1", else "status.X.7.1" (subject+detail),
//                                   else "status.X.7" (subject), else the class
//   all_explanations()           the whole table (for docs and tests)
//
// Rule (STYLE, DESIGN principle 4): views never write explanations of their own; they
// look them up here, and every entry names its RFC section.
#pragma once

#include <span>
#include <string_view>

#include "core/reply.hpp"

namespace smtplab {

struct Explanation {
  std::string_view key;
  std::string_view title;  // a few words: "Bad sequence of commands"
  std::string_view text;   // one to four sentences for a student
  std::string_view rfc;    // "RFC 5321 §4.1.4"
};

const Explanation* explain(std::string_view key);
const Explanation* explain_reply_code(int code);
const Explanation* explain_status(const EnhancedStatus& status);
std::span<const Explanation> all_explanations();

}  // namespace smtplab
