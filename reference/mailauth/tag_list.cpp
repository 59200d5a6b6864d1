// mailauth/tag_list.cpp — RFC 6376 §3.2 tag lists.
#include "mailauth/tag_list.hpp"

#include <algorithm>

namespace smtplab::mailauth {

bool is_fws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string strip_fws(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text)
    if (!is_fws(c)) out += c;
  return out;
}

std::string_view trim_fws(std::string_view text) {
  while (!text.empty() && is_fws(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_fws(text.back())) text.remove_suffix(1);
  return text;
}

TagListParse parse_tag_list(std::string_view text) {
  TagListParse out;
  // One slot per ";"-separated spec, reserved at once (a DKIM-Signature has about ten);
  // find() looks for ";" with memchr, several octets at a time.
  std::size_t specs = 1;
  for (std::size_t at = text.find(';'); at != std::string_view::npos; at = text.find(';', at + 1)) ++specs;
  std::vector<Tag> tags;
  tags.reserve(specs);
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view spec = trim_fws(text.substr(pos, end - pos));
    pos = end + 1;
    // RFC 6376 §3.2: tag-list = tag-spec *( ";" tag-spec ) [ ";" ] — a trailing ";" is
    // allowed; we also let an empty tag-spec between two ";" pass, as DMARC records in
    // the wild (and RFC 7489's examples' parsers) do.
    if (spec.empty()) continue;
    const std::size_t eq = spec.find('=');
    if (eq == std::string_view::npos) {
      out.why = "\"" + std::string(spec) + "\" is not tag=value (RFC 6376 §3.2)";
      return out;
    }
    const std::string_view name = trim_fws(spec.substr(0, eq));
    // RFC 6376 §3.2: tag-name = ALPHA *ALNUMPUNC; ALNUMPUNC = ALPHA / DIGIT / "_"
    const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (name.empty() || !alpha(name[0]) ||
        !std::all_of(name.begin(), name.end(),
                     [&](char c) { return alpha(c) || (c >= '0' && c <= '9') || c == '_'; })) {
      out.why = "\"" + std::string(name) + "\" is not a tag name (RFC 6376 §3.2: ALPHA *( ALPHA / DIGIT / \"_\" ))";
      return out;
    }
    for (const Tag& t : tags) {
      if (t.name == name) {
        out.why = "the tag \"" + std::string(name) +
                  "\" appears twice; RFC 6376 §3.2: \"the entire tag-list is invalid\"";
        return out;
      }
    }
    tags.push_back(Tag{std::string(name), std::string(trim_fws(spec.substr(eq + 1)))});
  }
  out.tags = std::move(tags);
  return out;
}

const std::string* find_tag(const std::vector<Tag>& tags, std::string_view name) {
  for (const Tag& t : tags)
    if (t.name == name) return &t.value;
  return nullptr;
}

}  // namespace smtplab::mailauth
