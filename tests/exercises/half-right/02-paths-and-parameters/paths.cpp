// tests/exercises/half-right/02-paths-and-parameters/paths.cpp — a deliberately
// half-right answer to exercise 2: plain <user@domain> paths and <> work, parameters
// are split, but there is no <Postmaster>, no quoting, no source route, no length
// limit, and parameters are not checked. It must score between zero and full marks.
//
// Standards: RFC 5321 §4.1.2 (the part it gets right).
// API: exercises/02-paths-and-parameters/exercise.hpp.
// Not implemented (on purpose): most of RFC 5321 §4.1.2.
#include "exercise.hpp"

namespace smtplab::student {

namespace {

PathParse parse(std::string_view text, bool reverse) {
  PathParse result;
  result.error = reverse ? ReplyId::BadSenderSyntax : ReplyId::BadRecipientSyntax;
  const std::size_t close = text.find('>');
  if (text.empty() || text.front() != '<' || close == std::string_view::npos) {
    result.why = "not in angle brackets";
    return result;
  }
  const std::string_view inner = text.substr(1, close - 1);
  std::string_view rest = text.substr(close + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  result.parameters = std::string(rest);
  Path path;
  if (inner.empty() && reverse) {
    path.null = true;
    result.path = path;
    return result;
  }
  const MailboxParse mailbox = parse_mailbox(inner);
  if (!mailbox.mailbox) {
    result.why = mailbox.why;
    return result;
  }
  path.mailbox = *mailbox.mailbox;
  result.path = path;
  return result;
}

}  // namespace

PathParse parse_reverse_path(std::string_view text) { return parse(text, true); }
PathParse parse_forward_path(std::string_view text) { return parse(text, false); }

smtp::ParameterParse parse_esmtp_parameters(std::string_view text) {
  smtp::ParameterParse result;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    const std::string_view word = text.substr(pos, end - pos);
    const std::size_t eq = word.find('=');
    smtp::Parameter p;
    for (char c : word.substr(0, eq)) p.keyword += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    if (eq != std::string_view::npos) p.value = std::string(word.substr(eq + 1));
    if (!p.keyword.empty()) result.parameters.push_back(p);
    pos = end + 1;
  }
  return result;
}

}  // namespace smtplab::student
