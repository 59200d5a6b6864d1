// smtp/extensions.hpp — the EHLO keywords: what a server offers, and what a client reads
// from an EHLO reply.
//
// Standards: RFC 5321 §2.2 and §4.1.1.1 (EHLO and the keyword list: ehlo-line =
//            ehlo-keyword *( SP ehlo-param )), RFC 1870 (SIZE), RFC 6152 (8BITMIME),
//            RFC 2920 (PIPELINING), RFC 2034 (ENHANCEDSTATUSCODES), RFC 3207 (STARTTLS),
//            RFC 4954 (AUTH).
//
// API:
//   extension_table()          one row per keyword smtplab knows: keyword, RFC, summary,
//                              whether a ServerConfig offers it and with which parameter;
//   ehlo_keyword_lines(config) the lines after the first of our EHLO reply, in table
//                              order ("SIZE 10485760", "8BITMIME", ...);
//   parse_ehlo_reply(reply)    the client's view: domain, greeting, keywords + params.
//
// Adding an extension (DSN, SMTPUTF8 in later issues) is one row in the table in
// extensions.cpp plus the code that implements it.
//
// Not implemented: DSN, SMTPUTF8, CHUNKING (later issues).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/reply.hpp"
#include "smtp/server_session.hpp"

namespace smtplab::smtp {

enum class Extension { Size, EightBitMime, Pipelining, EnhancedStatusCodes, StartTls, Auth };
std::string_view to_string(Extension extension);  // the EHLO keyword: "SIZE", "8BITMIME", ...

struct ExtensionInfo {
  Extension id;
  std::string_view keyword;  // as advertised, upper case
  std::string_view rfc;      // "RFC 1870"
  std::string_view summary;  // one sentence for the visualizer
  // Whether the server offers it now: STARTTLS and AUTH depend on the session's TLS.
  bool (*offered)(const ServerConfig& config, const Session& session);
  std::string (*parameters)(const ServerConfig& config);  // "" when none
};

std::span<const ExtensionInfo> extension_table();
const ExtensionInfo& extension_info(Extension extension);

std::vector<std::string> ehlo_keyword_lines(const ServerConfig& config, const Session& session = Session{});

struct EhloKeyword {
  std::string keyword;              // upper-cased (RFC 5321 §2.4: not case sensitive)
  std::vector<std::string> params;  // as written
};

struct EhloReply {
  std::string domain;    // the server's name, first word of the first line
  std::string greeting;  // the rest of the first line
  std::vector<EhloKeyword> keywords;

  const EhloKeyword* find(std::string_view keyword) const;  // case-insensitive
  bool has(std::string_view keyword) const { return find(keyword) != nullptr; }
  // RFC 1870 §4: the SIZE parameter, when it is a number; 0 means "no fixed maximum".
  std::optional<std::size_t> size_max() const;
};

EhloReply parse_ehlo_reply(const Reply& reply);

}  // namespace smtplab::smtp
