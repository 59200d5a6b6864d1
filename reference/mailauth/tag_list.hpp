// mailauth/tag_list.hpp — "tag=value; tag=value" lists, the syntax DKIM signatures, DKIM
// key records and DMARC records share.
//
// Standards: RFC 6376 §3.2 (tag-list syntax: "tag-spec = [FWS] tag-name [FWS] "=" [FWS]
//            tag-value [FWS]"; "Tags with duplicate names MUST NOT occur within a single
//            tag-list; if a tag name does occur more than once, the entire tag-list is
//            invalid."), RFC 7489 §6.4 (DMARC uses the same form).
//
// API:
//   parse_tag_list("v=1; a=rsa-sha256; ...") -> TagListParse {tags | why}
//   find_tag(tags, "bh")                     -> value or nullptr
//
// Not implemented: nothing of §3.2; values keep their inner whitespace (the caller
// removes it where a tag's definition says so, e.g. base64 in b= and p=).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtplab::mailauth {

struct Tag {
  std::string name;   // as written (tag names are case-sensitive, RFC 6376 §3.2)
  std::string value;  // with leading and trailing whitespace removed
};

struct TagListParse {
  std::optional<std::vector<Tag>> tags;
  std::string why;  // empty on success
};

TagListParse parse_tag_list(std::string_view text);
const std::string* find_tag(const std::vector<Tag>& tags, std::string_view name);

// Whitespace as RFC 6376 §2.8 FWS and §2.3 WSP know it: SP, HTAB, CR, LF.
bool is_fws(char c);
std::string strip_fws(std::string_view text);  // removes every FWS character
std::string_view trim_fws(std::string_view text);

}  // namespace smtplab::mailauth
