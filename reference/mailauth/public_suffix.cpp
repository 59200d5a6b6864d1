// mailauth/public_suffix.cpp — the PSL algorithm (publicsuffix.org/list "Algorithm").
#include "mailauth/public_suffix.hpp"

#include <cctype>
#include <vector>

namespace smtplab::mailauth {

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::vector<std::string> labels_of(const std::string& domain) {
  std::vector<std::string> labels;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = domain.find('.', start);
    labels.push_back(domain.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return labels;
}

std::string join_from(const std::vector<std::string>& labels, std::size_t first) {
  std::string out;
  for (std::size_t i = first; i < labels.size(); ++i) out += (i > first ? "." : "") + labels[i];
  return out;
}

}  // namespace

PublicSuffixList PublicSuffixList::parse(std::string_view text) {
  PublicSuffixList psl;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    // "Each line is only read up to the first whitespace"; "//" starts a comment.
    const std::size_t ws = line.find_first_of(" \t\r");
    if (ws != std::string_view::npos) line = line.substr(0, ws);
    if (line.empty() || line.starts_with("//")) continue;
    if (line.starts_with("!")) psl.exceptions_.insert(lowered(line.substr(1)));
    else if (line.starts_with("*.")) psl.wildcards_.insert(lowered(line.substr(2)));
    else psl.rules_.insert(lowered(line));
  }
  return psl;
}

std::string PublicSuffixList::public_suffix(std::string_view domain_in) const {
  const std::string domain = lowered(domain_in);
  const auto labels = labels_of(domain);
  // The longest matching rule wins; an exception rule wins over all, and its suffix is
  // the rule minus its leftmost label. With no match, the rule is "*" (the last label).
  std::size_t best = labels.size() - 1;  // index of the first label of the suffix
  bool matched = false;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string candidate = join_from(labels, i);
    if (exceptions_.contains(candidate)) return join_from(labels, i + 1);
    if (!matched && rules_.contains(candidate)) {
      best = i;
      matched = true;
    }
    if (!matched && i > 0 && wildcards_.contains(candidate)) {
      best = i - 1;
      matched = true;
    }
  }
  return join_from(labels, best);
}

std::string PublicSuffixList::organizational_domain(std::string_view domain_in) const {
  const std::string domain = lowered(domain_in);
  const std::string suffix = public_suffix(domain);
  // RFC 7489 §3.2 step 4: "the Organizational Domain is the domain that is one label
  // longer than the public suffix" — or the domain itself when it has no such label.
  if (domain.size() <= suffix.size()) return domain;
  const std::string rest = domain.substr(0, domain.size() - suffix.size() - 1);
  const std::size_t dot = rest.rfind('.');
  return (dot == std::string::npos ? rest : rest.substr(dot + 1)) + "." + suffix;
}

}  // namespace smtplab::mailauth
