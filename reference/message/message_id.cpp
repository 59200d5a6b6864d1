// message/message_id.cpp — RFC 5322 §3.6.4 msg-id from a Random&.
#include "message/message_id.hpp"

#include <cstdio>

namespace smtplab::message {

namespace {
// RFC 5322 §3.2.3: atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" /
// "+" / "-" / "/" / "=" / "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"
bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  for (char s : std::string_view("!#$%&'*+-/=?^_`{|}~"))
    if (c == s) return true;
  return false;
}
}  // namespace

bool is_dot_atom_text(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.') {
      if (text[i + 1] == '.') return false;  // safe: the last char is not '.'
    } else if (!is_atext(text[i])) {
      return false;
    }
  }
  return true;
}

std::string make_message_id(Random& random, std::string_view domain) {
  const std::uint64_t high = random.next_u64();
  const std::uint64_t low = random.next_u64();
  char left[33];
  std::snprintf(left, sizeof left, "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low));
  const std::string_view right = is_dot_atom_text(domain) ? domain : std::string_view("invalid");
  return "<" + std::string(left) + "@" + std::string(right) + ">";
}

}  // namespace smtplab::message
