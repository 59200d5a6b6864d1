// mailauth/public_suffix.hpp — the Public Suffix List, and from it the Organizational
// Domain DMARC aligns on.
//
// Standards: RFC 7489 §3.2 (Organizational Domain: "the Organizational Domain is the
//            domain that is one label longer than the public suffix" found with the
//            PSL, the longest matching rule), the PSL format
//            (publicsuffix.org/list: "*." wildcards, "!" exceptions, the implicit "*"
//            rule when nothing matches).
//
// API:
//   PublicSuffixList psl = PublicSuffixList::parse(text);   // e.g. Debian's file
//   psl.public_suffix("mail.example.co.uk")  -> "co.uk"
//   psl.organizational_domain("mail.example.co.uk") -> "example.co.uk"
//   default_public_suffix_list_path   /usr/share/publicsuffix/public_suffix_list.dat
//
// Not implemented: IDNA (U-labels in the list are kept as written; smtplab's names are
// ASCII), the list's private-domains section is used like the ICANN section (as
// RFC 7489 implementations commonly do).
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace smtplab::mailauth {

// Debian package "publicsuffix".
inline constexpr std::string_view default_public_suffix_list_path = "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  static PublicSuffixList parse(std::string_view text);
  std::string public_suffix(std::string_view domain) const;
  std::string organizational_domain(std::string_view domain) const;
  std::size_t rules() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

 private:
  std::set<std::string> rules_;       // "co.uk"
  std::set<std::string> wildcards_;   // "*.ck" stored as "ck"
  std::set<std::string> exceptions_;  // "!www.ck" stored as "www.ck"
};

}  // namespace smtplab::mailauth
