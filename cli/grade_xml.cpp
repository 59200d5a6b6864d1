// cli/grade_xml.cpp — see grade_xml.hpp.
//
// Standards: XML 1.0 §2.4, §4.1, §4.6.
// API: parse_xml, xml_escape.
// Not implemented: see grade_xml.hpp. Depth is bounded (xml_depth_max) so a hostile
// report cannot exhaust the stack.
#include "grade_xml.hpp"

#include <cstdint>

namespace smtplab::cli::grade {

namespace {

// Our choice: Catch2 nests TestCase > Section > Section ... > Expression; 64 levels is
// far more than any test file uses.
constexpr std::size_t xml_depth_max = 64;

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// XML 1.0 §4.6 and §4.1: &lt; &gt; &amp; &apos; &quot; and &#NN; / &#xNN;.
std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::size_t semi = text.find(';', i);
    if (semi == std::string_view::npos || semi - i > 12) {
      out += '&';
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "lt") out += '<';
    else if (entity == "gt") out += '>';
    else if (entity == "amp") out += '&';
    else if (entity == "apos") out += '\'';
    else if (entity == "quot") out += '"';
    else if (!entity.empty() && entity[0] == '#') {
      std::uint32_t cp = 0;
      const bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      for (char c : entity.substr(hex ? 2 : 1)) {
        const int digit = (c >= '0' && c <= '9') ? c - '0'
                          : hex && (c >= 'a' && c <= 'f') ? c - 'a' + 10
                          : hex && (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (digit < 0 || cp > 0x10FFFF) { cp = 0xFFFD; break; }
        cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit);
      }
      append_utf8(out, cp > 0x10FFFF ? 0xFFFD : cp);
    } else {
      out.append(text.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

struct Reader {
  std::string_view text;
  std::size_t pos = 0;
  std::string error;

  bool at(std::string_view s) const { return text.substr(pos, s.size()) == s; }
  void skip_space() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\r' || text[pos] == '\t')) ++pos;
  }
  bool skip_past(std::string_view end) {
    const std::size_t found = text.find(end, pos);
    if (found == std::string_view::npos) { pos = text.size(); return false; }
    pos = found + end.size();
    return true;
  }
  std::string read_name() {
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] != ' ' && text[pos] != '>' && text[pos] != '/' && text[pos] != '=' &&
           text[pos] != '\n' && text[pos] != '\r' && text[pos] != '\t')
      ++pos;
    return std::string(text.substr(start, pos - start));
  }

  // Reads one element whose '<' is at pos; false (with error) when the text ends first.
  bool element(XmlNode& node, std::size_t depth) {
    if (depth > xml_depth_max) { error = "the XML nests too deeply"; return false; }
    ++pos;  // '<'
    node.name = read_name();
    while (true) {
      skip_space();
      if (pos >= text.size()) { error = "the XML ends inside <" + node.name + ">"; return false; }
      if (at("/>")) { pos += 2; return true; }
      if (text[pos] == '>') { ++pos; break; }
      std::string key = read_name();
      skip_space();
      if (pos >= text.size() || text[pos] != '=') { error = "an attribute without a value in <" + node.name + ">"; return false; }
      ++pos;
      skip_space();
      if (pos >= text.size() || (text[pos] != '"' && text[pos] != '\'')) { error = "an unquoted attribute"; return false; }
      const char quote = text[pos++];
      const std::size_t end = text.find(quote, pos);
      if (end == std::string_view::npos) { error = "the XML ends inside an attribute"; return false; }
      node.attributes.emplace_back(std::move(key), unescape(text.substr(pos, end - pos)));
      pos = end + 1;
    }
    while (pos < text.size()) {
      if (at("</")) {
        pos += 2;
        const std::string closing = read_name();
        skip_past(">");
        if (closing != node.name) { error = "</" + closing + "> closes <" + node.name + ">"; return false; }
        return true;
      }
      if (at("<!--")) { skip_past("-->"); continue; }
      if (at("<?")) { skip_past("?>"); continue; }
      if (text[pos] == '<') {
        node.children.emplace_back();
        if (!element(node.children.back(), depth + 1)) return false;
        continue;
      }
      const std::size_t next = text.find('<', pos);
      const std::size_t end = next == std::string_view::npos ? text.size() : next;
      node.text += unescape(text.substr(pos, end - pos));
      pos = end;
    }
    error = "the XML ends inside <" + node.name + ">";
    return false;
  }
};

}  // namespace

std::string XmlNode::attribute(std::string_view key) const {
  for (const auto& [k, v] : attributes)
    if (k == key) return v;
  return {};
}

const XmlNode* XmlNode::child(std::string_view child_name) const {
  for (const XmlNode& c : children)
    if (c.name == child_name) return &c;
  return nullptr;
}

XmlNode parse_xml(std::string_view text, std::string& error) {
  Reader reader;
  reader.text = text;
  XmlNode root;
  while (reader.pos < text.size()) {
    reader.skip_space();
    if (reader.at("<?")) { reader.skip_past("?>"); continue; }
    if (reader.at("<!--")) { reader.skip_past("-->"); continue; }
    if (reader.at("<!")) { reader.skip_past(">"); continue; }
    if (reader.pos < text.size() && text[reader.pos] == '<') {
      reader.element(root, 0);
      break;
    }
    if (reader.pos < text.size()) { reader.error = "text before the root element"; break; }
  }
  if (root.name.empty() && reader.error.empty()) reader.error = "no root element";
  error = reader.error;
  return root;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 §2.2: Char = #x9 | #xA | #xD | [#x20-#xD7FF] | ...: other control
        // bytes cannot appear at all, not even as references.
        if (byte < 0x20 && c != '\t' && c != '\n' && c != '\r') out += '?';
        else out += c;
    }
  }
  return out;
}

}  // namespace smtplab::cli::grade
