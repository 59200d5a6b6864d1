// smtp/extensions.cpp — the table of EHLO keywords and the parsing of an EHLO reply.
#include "smtp/extensions.hpp"

#include <stdexcept>

#include "smtp/auth.hpp"

namespace smtplab::smtp {

namespace {

bool always(const ServerConfig&, const Session&) { return true; }
std::string no_parameters(const ServerConfig&) { return {}; }

// RFC 1870 §4: "SIZE" [SP number], the largest message the server accepts in octets.
std::string size_parameter(const ServerConfig& config) { return std::to_string(config.message_size_max); }

// RFC 3207 §4.2: "A server MUST NOT return the STARTTLS extension in response to an EHLO
// command received after a TLS handshake has completed."
bool starttls_offered(const ServerConfig& config, const Session& session) {
  return config.tls.has_value() && !session.tls;
}

// AUTH is offered when mechanisms are configured and the session is encrypted (or the
// insecure auth_before_tls lesson setting is on): a client that sees AUTH on a plaintext
// session may send its password at once, in an initial response, before we could refuse.
bool auth_offered(const ServerConfig& config, const Session& session) {
  return !config.auth_mechanisms.empty() && (session.tls || config.auth_before_tls);
}

// RFC 4954 §3: "AUTH" SP mechanism *(SP mechanism).
std::string auth_parameters(const ServerConfig& config) {
  std::string out;
  // SCRAM-SHA-256 (RFC 7677) only when it can run (a random source, smtp/auth.hpp).
  for (AuthMechanism m : config.auth_mechanisms)
    if (auth_mechanism_usable(config, m)) out += (out.empty() ? "" : " ") + std::string(to_string(m));
  return out;
}

constexpr ExtensionInfo table[] = {
    {Extension::Size, "SIZE", "RFC 1870",
     "The server announces the largest message it accepts; the client declares the size "
     "with MAIL FROM:<...> SIZE=n so a message that is too big is refused before it is sent.",
     always, size_parameter},
    {Extension::EightBitMime, "8BITMIME", "RFC 6152",
     "The server accepts message bodies with 8-bit bytes when MAIL carries BODY=8BITMIME.",
     [](const ServerConfig& c, const Session&) { return c.advertise_8bitmime; }, no_parameters},
    {Extension::Pipelining, "PIPELINING", "RFC 2920",
     "The client may send MAIL, RCPT and RSET without waiting for each reply; the server "
     "answers them in order.",
     [](const ServerConfig& c, const Session&) { return c.advertise_pipelining; }, no_parameters},
    {Extension::EnhancedStatusCodes, "ENHANCEDSTATUSCODES", "RFC 2034",
     "Every later reply carries an RFC 3463 status such as 5.1.1 after its code.",
     [](const ServerConfig& c, const Session&) { return c.advertise_enhanced_status_codes; }, no_parameters},
    {Extension::StartTls, "STARTTLS", "RFC 3207",
     "The client may turn this connection into a TLS connection: after STARTTLS and the "
     "220 reply both sides run a TLS handshake, then start the SMTP dialogue again.",
     starttls_offered, no_parameters},
    {Extension::Auth, "AUTH", "RFC 4954",
     "The client may log in with one of the listed SASL mechanisms; a submission server "
     "relays mail only for authenticated users.",
     auth_offered, auth_parameters},
};

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = upper(c);
  return out;
}

std::vector<std::string> split_spaces(std::string_view text) {
  std::vector<std::string> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] != ' ') ++pos;
    if (pos > start) words.emplace_back(text.substr(start, pos - start));
  }
  return words;
}

}  // namespace

std::string_view to_string(Extension extension) { return extension_info(extension).keyword; }

std::span<const ExtensionInfo> extension_table() { return table; }

const ExtensionInfo& extension_info(Extension extension) {
  for (const auto& row : table)
    if (row.id == extension) return row;
  throw std::logic_error("extension missing from the table");  // our bug
}

std::vector<std::string> ehlo_keyword_lines(const ServerConfig& config, const Session& session) {
  std::vector<std::string> lines;
  for (const auto& row : table) {
    if (!row.offered(config, session)) continue;
    std::string line(row.keyword);
    if (const std::string params = row.parameters(config); !params.empty()) line += " " + params;
    lines.push_back(std::move(line));
  }
  return lines;
}

const EhloKeyword* EhloReply::find(std::string_view keyword) const {
  const std::string wanted = to_upper(keyword);
  for (const auto& k : keywords)
    if (k.keyword == wanted) return &k;
  return nullptr;
}

std::optional<std::size_t> EhloReply::size_max() const {
  const EhloKeyword* size = find("SIZE");
  if (size == nullptr) return std::nullopt;
  if (size->params.empty()) return std::size_t{0};  // RFC 1870 §4: no number, no fixed maximum
  const std::string& digits = size->params.front();
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::size_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

EhloReply parse_ehlo_reply(const Reply& reply) {
  // RFC 5321 §4.1.1.1: ehlo-ok-rsp = "250-" Domain [ SP ehlo-greet ] CRLF
  //                                  *( "250-" ehlo-line CRLF ) "250" SP ehlo-line CRLF
  EhloReply result;
  if (reply.lines.empty()) return result;
  const std::string& first = reply.lines.front();
  const std::size_t space = first.find(' ');
  result.domain = first.substr(0, space);
  if (space != std::string::npos) result.greeting = first.substr(space + 1);
  for (std::size_t i = 1; i < reply.lines.size(); ++i) {
    std::vector<std::string> words = split_spaces(reply.lines[i]);
    if (words.empty()) continue;
    EhloKeyword keyword;
    keyword.keyword = to_upper(words.front());
    keyword.params.assign(words.begin() + 1, words.end());
    result.keywords.push_back(std::move(keyword));
  }
  return result;
}

}  // namespace smtplab::smtp
