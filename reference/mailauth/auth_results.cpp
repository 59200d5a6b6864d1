// mailauth/auth_results.cpp — RFC 8601 Authentication-Results, as a pure function.
#include "mailauth/auth_results.hpp"

namespace smtplab::mailauth {

namespace {

// RFC 8601 §2.2: pvalue = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS];
// value is a token or a quoted-string (RFC 2045 §5.1). Quote anything that is not a
// plain address or token.
std::string pvalue(const std::string& text) {
  bool plain = !text.empty();
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || std::string_view("()<>,;:\\\"[]?=").find(c) != std::string_view::npos) plain = false;
  }
  if (plain) return text;
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A comment (RFC 5322 §3.2.2) may not hold unbalanced parentheses: they are dropped.
std::string comment(const std::string& text) {
  std::string out;
  for (const char c : text)
    if (c != '(' && c != ')' && c != '\\' && c != '\r' && c != '\n') out += c;
  return "(" + out + ")";
}

}  // namespace

std::string authentication_results_value(const AuthResults& r) {
  std::vector<std::string> clauses;
  if (r.spf) {
    const bool helo = r.spf_identity == SpfIdentity::Helo;
    clauses.push_back("spf=" + std::string(to_string(r.spf->result)) + " " +
                      comment(r.spf->mechanism.empty() ? std::string(to_string(r.spf->result)) : r.spf->mechanism) +
                      (helo ? " smtp.helo=" + pvalue(r.spf->domain) : " smtp.mailfrom=" + pvalue(r.spf->sender)));
  }
  if (r.dkim_checked && r.dkim.empty()) clauses.push_back("dkim=none");
  for (const auto& d : r.dkim) {
    std::string clause = "dkim=" + std::string(to_string(d.result));
    if (d.unsupported) clause += " " + comment("unsupported algorithm " + d.algorithm);
    if (!d.domain.empty()) clause += " header.d=" + pvalue(d.domain);
    if (!d.selector.empty()) clause += " header.s=" + pvalue(d.selector);
    if (!d.signature_prefix.empty()) clause += " header.b=" + pvalue(d.signature_prefix);
    clauses.push_back(clause);
  }
  if (r.dmarc) {
    std::string clause = "dmarc=" + std::string(to_string(r.dmarc->result));
    if (r.dmarc->record) {
      clause += " " + comment("p=" + std::string(to_string(r.dmarc->policy)) +
                              " dis=" + std::string(to_string(r.dmarc->disposition)));
    }
    if (!r.dmarc->from_domain.empty()) clause += " header.from=" + pvalue(r.dmarc->from_domain);
    clauses.push_back(clause);
  }
  std::string out = r.authserv_id.empty() ? "unknown" : r.authserv_id;
  // RFC 8601 §2.2: "If no authentication methods were applied, the value "none"".
  if (clauses.empty()) return out + "; none";
  for (const auto& c : clauses) out += "; " + c;
  return out;
}

std::string authentication_results_field(const AuthResults& r) {
  // Fold before each clause (RFC 5322 §2.2.3: CRLF then WSP), one clause a line.
  const std::string value = authentication_results_value(r);
  std::string out = "Authentication-Results: ";
  std::size_t pos = 0;
  while (pos < value.size()) {
    const std::size_t semi = value.find("; ", pos);
    if (semi == std::string::npos) {
      out += value.substr(pos);
      break;
    }
    out += value.substr(pos, semi - pos) + ";\r\n\t";
    pos = semi + 2;
  }
  return out + "\r\n";
}

}  // namespace smtplab::mailauth
