// mailauth/dkim_signature.cpp — reading DKIM-Signature fields and key records.
#include "mailauth/dkim_signature.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "mailauth/tag_list.hpp"

namespace smtplab::mailauth {

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    std::size_t end = s.find(sep, pos);
    if (end == std::string_view::npos) end = s.size();
    out.emplace_back(trim_fws(s.substr(pos, end - pos)));
    pos = end + 1;
  }
  return out;
}

template <class T>
std::optional<T> parse_number(std::string_view s) {
  // RFC 6376 §3.5: l=, t= and x= are 1*76DIGIT; we take what fits in 64 bits.
  s = trim_fws(s);
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  T value{};
  std::from_chars(s.data(), s.data() + s.size(), value);
  return value;
}

}  // namespace

std::string_view to_string(DkimAlgorithm algorithm) {
  switch (algorithm) {
    case DkimAlgorithm::RsaSha256: return "rsa-sha256";
    case DkimAlgorithm::RsaSha1: return "rsa-sha1";
    case DkimAlgorithm::Ed25519Sha256: return "ed25519-sha256";
    case DkimAlgorithm::Unknown: return "unknown";
  }
  return "?";
}

DkimSignatureParse parse_dkim_signature(std::string_view raw_value) {
  DkimSignatureParse out;
  const TagListParse parsed = parse_tag_list(raw_value);
  if (!parsed.tags) {
    out.why = parsed.why;
    return out;
  }
  const auto& tags = *parsed.tags;
  if (const auto* d = find_tag(tags, "d")) out.domain = lowered(*d);
  if (const auto* s = find_tag(tags, "s")) out.selector = *s;
  // RFC 6376 §6.1.1: "If any tag listed as "required" in Section 3.5 is omitted from the
  // DKIM-Signature header field, the Verifier MUST ignore the DKIM-Signature header field
  // and return PERMFAIL (signature missing required tag)."
  for (const char* required : {"v", "a", "b", "bh", "d", "h", "s"}) {
    if (!find_tag(tags, required)) {
      out.why = std::string("the required tag ") + required + "= is missing (RFC 6376 §6.1.1)";
      return out;
    }
  }
  // RFC 6376 §3.5: "v= Version (plain-text; REQUIRED). This tag defines the version of
  // this specification that applies to the signature record. It MUST have the value "1""
  if (*find_tag(tags, "v") != "1") {
    out.why = "v=" + *find_tag(tags, "v") + " is not version 1 (RFC 6376 §3.5)";
    return out;
  }
  DkimSignature sig;
  sig.algorithm_text = lowered(*find_tag(tags, "a"));
  if (sig.algorithm_text == "rsa-sha256") sig.algorithm = DkimAlgorithm::RsaSha256;
  else if (sig.algorithm_text == "rsa-sha1") sig.algorithm = DkimAlgorithm::RsaSha1;
  else if (sig.algorithm_text == "ed25519-sha256") sig.algorithm = DkimAlgorithm::Ed25519Sha256;
  else sig.algorithm = DkimAlgorithm::Unknown;
  out.algorithm = sig.algorithm;

  const auto b = base64_decode(*find_tag(tags, "b"));
  const auto bh = base64_decode(*find_tag(tags, "bh"));
  if (!b || b->empty()) {
    out.why = "b= is not valid base64 (RFC 6376 §3.5)";
    return out;
  }
  if (!bh || bh->empty()) {
    out.why = "bh= is not valid base64 (RFC 6376 §3.5)";
    return out;
  }
  sig.signature = std::move(*b);
  sig.body_hash = std::move(*bh);
  sig.body_hash_text = strip_fws(*find_tag(tags, "bh"));

  if (const auto* c = find_tag(tags, "c")) {
    // RFC 6376 §3.5 c=: "header/body"; "If only one algorithm is named, that algorithm
    // is used for the header and "simple" is used for the body."
    const auto parts = split(lowered(*c), '/');
    if (parts.size() > 2) {
      out.why = "c=" + *c + " is not header/body (RFC 6376 §3.5)";
      return out;
    }
    auto canon = [](const std::string& s) -> std::optional<DkimCanon> {
      if (s == "simple") return DkimCanon::Simple;
      if (s == "relaxed") return DkimCanon::Relaxed;
      return std::nullopt;
    };
    const auto header = canon(parts[0]);
    const auto body = parts.size() == 2 ? canon(parts[1]) : std::optional<DkimCanon>(DkimCanon::Simple);
    if (!header || !body) {
      out.why = "c=" + *c + ": unknown canonicalization (RFC 6376 §3.4: simple or relaxed)";
      return out;
    }
    sig.header_canon = *header;
    sig.body_canon = *body;
  }
  sig.domain = out.domain;
  sig.selector = out.selector;
  if (sig.domain.empty() || sig.selector.empty()) {
    out.why = "d= or s= is empty (RFC 6376 §3.5)";
    return out;
  }
  for (auto& name : split(*find_tag(tags, "h"), ':'))
    if (!name.empty()) sig.headers.push_back(std::move(name));
  // RFC 6376 §5.4: "The From header field MUST be signed (that is, included in the "h="
  // tag of the resulting DKIM-Signature header field)." §6.1.1: a verifier "MUST ignore"
  // a signature whose h= lacks From.
  if (std::none_of(sig.headers.begin(), sig.headers.end(), [](const std::string& h) { return lowered(h) == "from"; })) {
    out.why = "h= does not include From (RFC 6376 §5.4, §6.1.1)";
    return out;
  }
  sig.identity = "@" + sig.domain;
  if (const auto* i = find_tag(tags, "i")) {
    // RFC 6376 §6.1.1: "Verifiers MUST confirm that the domain specified in the "d=" tag
    // is the same as or a parent domain of the domain part of the "i=" tag."
    const std::size_t at = i->rfind('@');
    const std::string i_domain = lowered(at == std::string::npos ? "" : i->substr(at + 1));
    if (at == std::string::npos ||
        !(i_domain == sig.domain || (i_domain.size() > sig.domain.size() && i_domain.ends_with("." + sig.domain)))) {
      out.why = "i=" + *i + " is not within d=" + sig.domain + " (RFC 6376 §6.1.1)";
      return out;
    }
    sig.identity = *i;
  }
  if (const auto* l = find_tag(tags, "l")) {
    sig.body_length = parse_number<std::uint64_t>(*l);
    if (!sig.body_length) {
      out.why = "l=" + *l + " is not a number (RFC 6376 §3.5)";
      return out;
    }
  }
  if (const auto* t = find_tag(tags, "t")) {
    sig.timestamp_s = parse_number<std::int64_t>(*t);
    if (!sig.timestamp_s) {
      out.why = "t=" + *t + " is not a number (RFC 6376 §3.5)";
      return out;
    }
  }
  if (const auto* x = find_tag(tags, "x")) {
    sig.expiration_s = parse_number<std::int64_t>(*x);
    // RFC 6376 §3.5 x=: "the value of the "x=" tag MUST be greater than the value of the
    // "t=" tag if both are present."
    if (!sig.expiration_s || (sig.timestamp_s && *sig.expiration_s < *sig.timestamp_s)) {
      out.why = "x=" + *x + " is not a number after t= (RFC 6376 §3.5)";
      return out;
    }
  }
  if (const auto* q = find_tag(tags, "q")) {
    // RFC 6376 §3.5 q=: "dns/txt" is the only method defined.
    bool dns_txt = false;
    for (const auto& method : split(lowered(*q), ':')) dns_txt = dns_txt || method == "dns/txt" || method == "dns";
    if (!dns_txt) {
      out.why = "q=" + *q + " names no query method we know (RFC 6376 §3.5: dns/txt)";
      return out;
    }
  }
  if (sig.algorithm == DkimAlgorithm::RsaSha1) {
    out.why = "rsa-sha1 signatures are not valid (RFC 8301 §3.1: \"Verifiers MUST NOT consider signatures using "
              "the rsa-sha1 algorithm valid\")";
    return out;
  }
  if (sig.algorithm == DkimAlgorithm::Ed25519Sha256) {
    out.unsupported = true;
    out.why = "ed25519-sha256 (RFC 8463) is not supported by smtplab (mbedTLS 2.28 has no Ed25519)";
    return out;
  }
  if (sig.algorithm == DkimAlgorithm::Unknown) {
    out.why = "a=" + sig.algorithm_text + " is not an algorithm we know (RFC 6376 §3.3, §6.1.1)";
    return out;
  }
  out.signature = std::move(sig);
  return out;
}

bool DkimKey::testing() const { return std::find(flags.begin(), flags.end(), "y") != flags.end(); }
bool DkimKey::strict() const { return std::find(flags.begin(), flags.end(), "s") != flags.end(); }

DkimKeyParse parse_dkim_key(std::string_view txt) {
  DkimKeyParse out;
  const TagListParse parsed = parse_tag_list(txt);
  if (!parsed.tags) {
    out.why = "the key record: " + parsed.why;
    return out;
  }
  const auto& tags = *parsed.tags;
  // RFC 6376 §3.6.1 v=: "If specified, this tag MUST be set to "DKIM1" (without the
  // quotes). This tag MUST be the first tag in the record. Records beginning with a "v="
  // tag with any other value MUST be discarded."
  if (const auto* v = find_tag(tags, "v")) {
    if (*v != "DKIM1" || tags.front().name != "v") {
      out.why = "the key record's v=" + *v + " is not DKIM1 in first place (RFC 6376 §3.6.1)";
      return out;
    }
  }
  DkimKey key;
  if (const auto* h = find_tag(tags, "h")) {
    for (auto& alg : split(lowered(*h), ':'))
      if (!alg.empty()) key.hash_algorithms.push_back(alg);
    // RFC 6376 §3.6.1 h=: the signature's hash must be among those listed.
    if (std::find(key.hash_algorithms.begin(), key.hash_algorithms.end(), "sha256") == key.hash_algorithms.end()) {
      out.why = "the key record's h=" + *h + " does not allow sha256 (RFC 6376 §3.6.1, §6.1.2)";
      return out;
    }
  }
  if (const auto* s = find_tag(tags, "s")) {
    // RFC 6376 §3.6.1 s=: "*" or "email"; a key for another service is not ours to use.
    bool email = false;
    for (auto& service : split(lowered(*s), ':')) email = email || service == "*" || service == "email";
    if (!email) {
      out.why = "the key record's s=" + *s + " is not for email (RFC 6376 §3.6.1)";
      return out;
    }
  }
  if (const auto* t = find_tag(tags, "t")) {
    for (auto& flag : split(lowered(*t), ':'))
      if (!flag.empty()) key.flags.push_back(flag);
  }
  const auto* p = find_tag(tags, "p");
  if (!p) {
    out.why = "the key record has no p= (RFC 6376 §3.6.1: REQUIRED)";
    return out;
  }
  if (strip_fws(*p).empty()) {
    out.revoked = true;
    out.why = "the key has been revoked: p= is empty (RFC 6376 §3.6.1)";
    return out;
  }
  // RFC 6376 §3.6.1 k=: "rsa" is the default; RFC 8463 adds "ed25519".
  const std::string k = find_tag(tags, "k") ? lowered(*find_tag(tags, "k")) : "rsa";
  if (k == "ed25519") {
    out.unsupported = true;
    out.why = "an ed25519 key (RFC 8463), which smtplab cannot use";
    return out;
  }
  if (k != "rsa") {
    out.why = "the key record's k=" + k + " is not a key type we know (RFC 6376 §3.6.1, §6.1.2)";
    return out;
  }
  const auto der = base64_decode(*p);
  if (!der || der->empty()) {
    out.why = "the key record's p= is not valid base64 (RFC 6376 §3.6.1)";
    return out;
  }
  std::string why;
  key.rsa = RsaPublicKey::from_der(*der, &why);
  if (!key.rsa) {
    out.why = "the key record's p=: " + why;
    return out;
  }
  out.key = std::move(key);
  return out;
}

std::string remove_b_value(std::string_view raw_field) {
  // Walk the tag-list after the colon; empty the value of the tag named exactly "b".
  const std::size_t colon = raw_field.find(':');
  if (colon == std::string_view::npos) return std::string(raw_field);
  std::string out;
  out.reserve(raw_field.size());  // the result is never longer than the field
  out += raw_field.substr(0, colon + 1);
  std::size_t pos = colon + 1;
  while (pos <= raw_field.size()) {
    std::size_t end = raw_field.find(';', pos);
    const bool last = end == std::string_view::npos;
    if (last) end = raw_field.size();
    const std::string_view spec = raw_field.substr(pos, end - pos);
    const std::size_t eq = spec.find('=');
    if (eq != std::string_view::npos && trim_fws(spec.substr(0, eq)) == "b") {
      out += spec.substr(0, eq + 1);
      // The trailing CRLF of the field is not part of the value: keep it.
      if (last && spec.ends_with("\r\n")) out += "\r\n";
    } else {
      out += spec;
    }
    if (!last) out += ';';
    pos = end + 1;
  }
  return out;
}

}  // namespace smtplab::mailauth
