// mailauth/dkim_sign.cpp — RFC 6376 §5: signing a message with rsa-sha256.
#include <algorithm>
#include <cctype>
#include <map>

#include "mailauth/dkim.hpp"

namespace smtplab::mailauth {

namespace {

// Our choice, the same as go-msgauth's: header lines of the signature are folded so that
// none passes 75 columns + CRLF (RFC 5322 §2.1.1 recommends at most 78).
constexpr std::size_t signature_line_max = 75;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// "DKIM-Signature: a=...; bh=...;\r\n c=...;" with b= as given (empty when hashing).
std::string format_signature(const std::map<std::string, std::string>& tags, const std::string& b) {
  std::string out = "DKIM-Signature:";
  std::string line;
  for (const auto& [name, value] : tags) {  // std::map: alphabetical order
    if (3 + line.size() + name.size() + value.size() > signature_line_max) {
      out += line + "\r\n";
      line.clear();
    }
    line += " " + name + "=" + value + ";";
  }
  out += line + "\r\n";
  const std::string b_tag = " b=" + b;
  for (std::size_t pos = 0; pos < b_tag.size(); pos += signature_line_max) {
    if (pos > 0) out += "\r\n ";
    out += b_tag.substr(pos, signature_line_max);
  }
  return out + "\r\n";
}

}  // namespace

std::vector<std::string> default_signed_headers() {
  return {"From",     "Reply-To",   "Subject",     "Date",         "To",           "Cc",
          "Resent-Date", "Resent-From", "Resent-To", "Resent-Cc", "In-Reply-To", "References",
          "List-Id",  "List-Help",  "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner",
          "List-Archive", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
}

DkimSignResult dkim_sign(std::string_view message, const RsaPrivateKey& key, const DkimSignOptions& options) {
  DkimSignResult out;
  auto event = [&](std::string step, std::string summary, std::string bytes, std::string rfc) {
    Event e;
    e.kind = EventKind::PolicyCheck;
    e.summary = std::move(summary);
    e.bytes = std::move(bytes);
    e.with("check", "dkim_sign").with("step", step);
    e.explain = "mailauth.dkim_sign." + step;
    e.rfc = std::move(rfc);
    out.events.push_back(std::move(e));
  };
  if (options.domain.empty() || options.selector.empty()) {
    out.why = "a signature needs a domain (d=) and a selector (s=) (RFC 6376 §3.5)";
    return out;
  }
  if (key.bits() < rsa_key_bits_min) {
    out.why = "RFC 8301 §3.2: \"Signers MUST use RSA keys of at least 1024 bits\"";
    return out;
  }
  const MessageParts parts = split_message(message);
  std::vector<std::string> headers = options.headers;
  if (headers.empty()) {
    for (const auto& name : default_signed_headers()) {
      const bool present = std::any_of(parts.fields.begin(), parts.fields.end(),
                                       [&](const RawField& f) { return iequals(f.name, name); });
      if (present) headers.push_back(name);
    }
  }
  // RFC 6376 §5.4: "The From header field MUST be signed".
  if (std::none_of(headers.begin(), headers.end(), [](const std::string& h) { return iequals(h, "From"); })) {
    out.why = "the message has no From field to sign (RFC 6376 §5.4: \"The From header field MUST be signed\")";
    return out;
  }

  const std::string body = canonicalize_body(parts.body, options.body_canon);
  const std::string body_hash = base64_encode(sha256(body));
  event("body_hash", "body (" + std::string(to_string(options.body_canon)) + "): bh=" + body_hash,
        body.substr(0, dkim_trace_bytes_max), "RFC 6376 §3.7");

  std::map<std::string, std::string> tags;
  tags["a"] = "rsa-sha256";
  tags["bh"] = body_hash;
  tags["c"] = std::string(to_string(options.header_canon)) + "/" + std::string(to_string(options.body_canon));
  tags["d"] = options.domain;
  std::string h;
  for (const auto& name : headers) h += (h.empty() ? "" : ":") + name;
  tags["h"] = h;
  if (!options.identity.empty()) tags["i"] = options.identity;
  tags["s"] = options.selector;
  if (options.timestamp_s) tags["t"] = std::to_string(*options.timestamp_s);
  tags["v"] = "1";
  if (options.expiration_s) tags["x"] = std::to_string(*options.expiration_s);

  // RFC 6376 §3.7: the hash covers the signed fields, then this field with b= empty
  // and without its final CRLF.
  std::string hashed;
  for (const auto& index : select_signed_fields(parts.fields, headers))
    if (index) hashed += canonicalize_header(parts.fields[*index].raw, options.header_canon);
  std::string own = canonicalize_header(format_signature(tags, ""), options.header_canon);
  if (own.ends_with("\r\n")) own.resize(own.size() - 2);
  hashed += own;
  const auto signature = key.sign(sha256(hashed));
  if (!signature) {
    out.why = "the RSA signing operation failed";
    return out;
  }
  event("header_hash", "header hash over " + h + " (" + std::string(to_string(options.header_canon)) + ")",
        hashed.substr(0, dkim_trace_bytes_max), "RFC 6376 §3.7");
  out.field = format_signature(tags, base64_encode(*signature));
  event("signature", "DKIM-Signature d=" + options.domain + " s=" + options.selector, *out.field, "RFC 6376 §5.6");
  return out;
}

std::string dkim_key_record(const RsaPrivateKey& key) {
  return "v=DKIM1; k=rsa; p=" + base64_encode(key.public_der());
}

}  // namespace smtplab::mailauth
