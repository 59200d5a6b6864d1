// cli/grade_xml.hpp — just enough XML for the grader: read the reports of Catch2 v2's
// XML reporter, and escape text for the JUnit XML we write.
//
// Standards: XML 1.0 (W3C) §2.4 (character data), §2.8 (the prolog is skipped), §4.6
//            (the five predefined entities) and §4.1 (character references).
//
// API:
//   XmlNode root = parse_xml(text, error);   elements, attributes, text; comments,
//                                             processing instructions and DOCTYPE are
//                                             skipped
//   node.attribute("name"), node.children, node.text (concatenated character data)
//   xml_escape(text)                          for attributes and character data; bytes
//                                             XML 1.0 forbids become "?"
//
// Not implemented: namespaces, CDATA sections, DTDs and entities beyond the five
// predefined ones (Catch2's reporter writes none of them).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smtplab::cli::grade {

struct XmlNode {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<XmlNode> children;
  std::string text;

  std::string attribute(std::string_view key) const;
  const XmlNode* child(std::string_view child_name) const;  // the first one
};

// A truncated document (a crashed test program) gives the elements read so far, with
// `error` saying where it stopped.
XmlNode parse_xml(std::string_view text, std::string& error);
std::string xml_escape(std::string_view text);

}  // namespace smtplab::cli::grade
