// mailauth/dmarc.cpp — RFC 7489: record syntax, alignment, policy discovery, disposition.
#include "mailauth/dmarc.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "mailauth/tag_list.hpp"

namespace smtplab::mailauth {

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

std::optional<DmarcPolicy> policy_from(std::string_view text) {
  const std::string v = lowered(trim_fws(text));
  if (v == "none") return DmarcPolicy::None;
  if (v == "quarantine") return DmarcPolicy::Quarantine;
  if (v == "reject") return DmarcPolicy::Reject;
  return std::nullopt;
}

std::optional<DmarcAlignment> alignment_from(std::string_view text) {
  const std::string v = lowered(trim_fws(text));
  if (v == "r") return DmarcAlignment::Relaxed;
  if (v == "s") return DmarcAlignment::Strict;
  return std::nullopt;
}

std::vector<std::string> split_list(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find(sep, pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string item(trim_fws(text.substr(pos, end - pos)));
    if (!item.empty()) out.push_back(item);
    pos = end + 1;
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() + 0 && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// RFC 7489 §6.4: dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]
std::optional<DmarcReportUri> parse_uri(std::string_view text) {
  DmarcReportUri uri;
  std::string_view main = text;
  const std::size_t bang = text.rfind('!');
  if (bang != std::string_view::npos) {
    main = trim_fws(text.substr(0, bang));
    std::string size = strip_fws(text.substr(bang + 1));
    std::uint64_t multiplier = 1;
    if (!size.empty() && std::isalpha(static_cast<unsigned char>(size.back()))) {
      const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(size.back())));
      // RFC 7489 §6.4: "k" = kibibytes ... each a power of 1024.
      const std::string units = "kmgt";
      const std::size_t power = units.find(unit);
      if (power == std::string::npos) return std::nullopt;
      for (std::size_t i = 0; i <= power; ++i) multiplier *= 1024;
      size.pop_back();
    }
    if (size.empty() || size.size() > 12 || !std::all_of(size.begin(), size.end(), ::isdigit)) return std::nullopt;
    uri.max_size_bytes = std::stoull(size) * multiplier;
  }
  uri.uri = std::string(trim_fws(main));
  if (lowered(uri.uri).starts_with("mailto:")) {
    std::string address = percent_decode(uri.uri.substr(7));
    address.erase(std::remove_if(address.begin(), address.end(), [](char c) { return c == ' '; }), address.end());
    uri.address = address;
  } else if (uri.uri.find(':') == std::string::npos) {
    return std::nullopt;  // RFC 3986 §3: a URI starts with its scheme
  }
  return uri;
}

std::optional<std::vector<DmarcReportUri>> parse_uris(std::string_view text) {
  std::vector<DmarcReportUri> out;
  for (const auto& item : split_list(text, ',')) {
    auto uri = parse_uri(item);
    if (!uri) return std::nullopt;
    out.push_back(std::move(*uri));
  }
  return out;
}

bool parent_or_same(const std::string& a, const std::string& b) {
  return a == b || (a.size() > b.size() && a.ends_with("." + b)) || (b.size() > a.size() && b.ends_with("." + a));
}

}  // namespace

std::string_view to_string(DmarcPolicy policy) {
  switch (policy) {
    case DmarcPolicy::None: return "none";
    case DmarcPolicy::Quarantine: return "quarantine";
    case DmarcPolicy::Reject: return "reject";
  }
  return "?";
}

std::string_view to_string(DmarcAlignment alignment) {
  return alignment == DmarcAlignment::Strict ? "s" : "r";
}

std::string_view to_string(DmarcResult result) {
  switch (result) {
    case DmarcResult::None: return "none";
    case DmarcResult::Pass: return "pass";
    case DmarcResult::Fail: return "fail";
    case DmarcResult::TempError: return "temperror";
    case DmarcResult::PermError: return "permerror";
  }
  return "?";
}

bool is_dmarc_record(std::string_view txt) {
  // RFC 7489 §6.4: dmarc-version = "v" *WSP "=" *WSP %x44 %x4d %x41 %x52 %x43 %x31 —
  // the value is given as exact octets "DMARC1", so it is case-sensitive.
  const TagListParse parsed = parse_tag_list(txt);
  if (!parsed.tags || parsed.tags->empty()) return false;
  const Tag& first = parsed.tags->front();
  return lowered(first.name) == "v" && first.value == "DMARC1";
}

DmarcRecordParse parse_dmarc_record(std::string_view txt, DmarcParseMode mode) {
  DmarcRecordParse out;
  const bool strict = mode == DmarcParseMode::Strict;
  const TagListParse parsed = parse_tag_list(txt);
  if (!parsed.tags) {
    out.why = parsed.why;
    return out;
  }
  std::vector<Tag> tags = *parsed.tags;
  for (Tag& t : tags) t.name = lowered(t.name);  // tag names are matched without case
  if (tags.empty() || tags.front().name != "v" || tags.front().value != "DMARC1") {
    out.why = "the record does not start with v=DMARC1 (RFC 7489 §6.4: \"v\" must be the first tag)";
    return out;
  }
  DmarcRecord record;
  bool rua_valid = false;
  if (const auto* rua = find_tag(tags, "rua")) {
    auto uris = parse_uris(*rua);
    if (uris && !uris->empty()) {
      record.aggregate_uris = std::move(*uris);
      rua_valid = true;
    } else if (strict) {
      out.why = "rua=" + *rua + " is not a list of URIs (RFC 7489 §6.4)";
      return out;
    }
  }
  if (const auto* ruf = find_tag(tags, "ruf")) {
    auto uris = parse_uris(*ruf);
    if (uris) record.failure_uris = std::move(*uris);
    else if (strict) {
      out.why = "ruf=" + *ruf + " is not a list of URIs (RFC 7489 §6.4)";
      return out;
    }
  }
  // RFC 7489 §6.6.3 step 6: "If a retrieved policy record does not contain a valid "p"
  // tag, or contains an "sp" tag that is not valid, then: 1. if a "rua" tag is present
  // and contains at least one syntactically valid reporting URI, the Mail Receiver
  // SHOULD act as if a record containing a valid "v" tag and "p=none" was retrieved".
  const auto* p = find_tag(tags, "p");
  const auto* sp = find_tag(tags, "sp");
  const auto policy = p ? policy_from(*p) : std::nullopt;
  const auto subdomain_policy = sp ? policy_from(*sp) : std::nullopt;
  const bool p_ok = policy.has_value();
  const bool sp_ok = !sp || subdomain_policy.has_value() || !strict;
  if (!p_ok || !sp_ok) {
    if (!rua_valid) {
      out.why = !p_ok ? (p ? "p=" + *p + " is not none, quarantine or reject (RFC 7489 §6.3)"
                           : "the record has no p= and no rua= to fall back on (RFC 7489 §6.6.3)")
                      : "sp=" + *sp + " is not none, quarantine or reject (RFC 7489 §6.3)";
      return out;
    }
    record.policy = DmarcPolicy::None;
    record.policy_from_rua = true;
  } else {
    record.policy = *policy;
    record.subdomain_policy = subdomain_policy;
  }
  auto alignment = [&](const char* name, DmarcAlignment& slot) -> bool {
    const auto* v = find_tag(tags, name);
    if (!v) return true;
    const auto a = alignment_from(*v);
    if (a) slot = *a;
    else if (strict) {
      out.why = std::string(name) + "=" + *v + " is not r or s (RFC 7489 §6.3)";
      return false;
    }
    return true;
  };
  if (!alignment("adkim", record.dkim_alignment) || !alignment("aspf", record.spf_alignment)) return out;
  if (const auto* pct = find_tag(tags, "pct")) {
    const std::string v(trim_fws(*pct));
    const bool numeric = !v.empty() && v.size() <= 3 && std::all_of(v.begin(), v.end(), ::isdigit);
    if (numeric && std::stoi(v) <= 100) record.percent = static_cast<unsigned>(std::stoi(v));
    else if (strict) {
      out.why = "pct=" + *pct + " is not 0-100 (RFC 7489 §6.3)";
      return out;
    }
  }
  if (const auto* fo = find_tag(tags, "fo")) {
    std::vector<std::string> options;
    bool ok = true;
    for (auto& o : split_list(*fo, ':')) {
      const std::string l = lowered(o);
      ok = ok && (l == "0" || l == "1" || l == "d" || l == "s");
      options.push_back(l);
    }
    if (ok && !options.empty()) record.failure_options = options;
    else if (strict) {
      out.why = "fo=" + *fo + " is not a list of 0, 1, d, s (RFC 7489 §6.3)";
      return out;
    }
  }
  if (const auto* rf = find_tag(tags, "rf")) {
    std::vector<std::string> formats;
    for (auto& f : split_list(*rf, ',')) formats.push_back(lowered(f));
    if (!formats.empty()) record.report_formats = formats;
  }
  if (const auto* ri = find_tag(tags, "ri")) {
    const std::string v(trim_fws(*ri));
    if (!v.empty() && v.size() <= 9 && std::all_of(v.begin(), v.end(), ::isdigit))
      record.report_interval_s = static_cast<std::uint32_t>(std::stoul(v));
    else if (strict) {
      out.why = "ri=" + *ri + " is not a number of seconds (RFC 7489 §6.3)";
      return out;
    }
  }
  out.record = std::move(record);
  return out;
}

bool dmarc_aligned(std::string_view from_domain, std::string_view auth_domain, DmarcAlignment mode,
                   const PublicSuffixList* psl) {
  const std::string from = lowered(from_domain);
  const std::string auth = lowered(auth_domain);
  if (from.empty() || auth.empty()) return false;
  // RFC 7489 §3.1.1: "In strict mode, only an exact match between both of the Fully
  // Qualified Domain Names (FQDNs) is considered to produce Identifier Alignment."
  if (mode == DmarcAlignment::Strict) return from == auth;
  // RFC 7489 §3.1.1: "In relaxed mode, the Organizational Domains of both the [DKIM]-
  // authenticated signing domain (taken from the value of the "d=" tag in the
  // signature) and that of the RFC5322.From domain must be equal".
  if (psl) return psl->organizational_domain(from) == psl->organizational_domain(auth);
  return parent_or_same(from, auth);
}

DmarcCheck::DmarcCheck(DmarcInputs inputs, const PublicSuffixList* psl) : inputs_(std::move(inputs)), psl_(psl) {
  inputs_.from_domain = lowered(inputs_.from_domain);
  org_domain_ = psl_ ? psl_->organizational_domain(inputs_.from_domain) : inputs_.from_domain;
  if (!inputs_.from_domain.empty()) {
    // RFC 7489 §6.6.3 step 1: "Mail Receivers MUST query the DNS for a DMARC TXT record
    // at the DNS domain matching the one found in the RFC5322.From domain".
    questions_.push_back(DnsQuestion{"_dmarc." + inputs_.from_domain, dns::RecordType::Txt});
  }
}

void DmarcCheck::emit(Event event) {
  event.kind = EventKind::PolicyCheck;
  event.fields.insert(event.fields.begin(), {"check", "dmarc"});
  if (event.explain.empty()) event.explain = "mailauth.dmarc." + std::string(event.field("step"));
  events_.push_back(std::move(event));
}

void DmarcCheck::finish_none(std::string reason) {
  DmarcVerdict v;
  v.result = DmarcResult::None;
  v.from_domain = inputs_.from_domain;
  v.organizational_domain = org_domain_;
  v.reason = std::move(reason);
  Event event;
  event.summary = "DMARC: none - " + v.reason;
  event.with("step", "result").with("result", "none").with("reason", v.reason);
  event.rfc = "RFC 7489 §6.6.3";
  emit(std::move(event));
  verdict_ = std::move(v);
}

std::optional<DnsQuestion> DmarcCheck::next_query() {
  if (verdict_) return std::nullopt;
  if (inputs_.from_domain.empty()) {
    finish_none("the message has no usable From domain (RFC 7489 §6.6.1)");
    return std::nullopt;
  }
  for (std::size_t i = 0; i < questions_.size(); ++i) {
    const DnsQuestion& q = questions_[i];
    const auto found = answers_.find(q);
    if (found == answers_.end()) return q;
    const DnsAnswer& answer = found->second;
    const bool at_org = i > 0;
    if (answer.status == DnsStatus::TempFail) {
      DmarcVerdict v;
      v.result = DmarcResult::TempError;
      v.from_domain = inputs_.from_domain;
      v.organizational_domain = org_domain_;
      v.reason = "the lookup " + q.to_string() + " failed (" + answer.why + "); try again later (RFC 7489 §6.6.3)";
      Event event;
      event.summary = "DMARC: temperror - " + v.reason;
      event.with("step", "result").with("result", "temperror");
      event.rfc = "RFC 7489 §6.6.3";
      emit(std::move(event));
      verdict_ = std::move(v);
      return std::nullopt;
    }
    // RFC 7489 §6.6.3 step 2: "Records that do not start with a "v=" tag that identifies
    // the current version of DMARC are discarded." Step 3: "If the set is now empty ...
    // or contains multiple records, policy discovery terminates and DMARC processing is
    // not applied to this message" (several: none; empty: try the org domain).
    std::vector<std::string> records;
    for (auto& txt : txt_strings(answer))
      if (is_dmarc_record(txt)) records.push_back(txt);
    {
      Event event;
      event.summary = q.to_string() + " -> " + (records.empty() ? "no DMARC record" : records.front());
      event.with("step", "discovery").with("name", q.name).with("records", std::to_string(records.size()));
      event.rfc = "RFC 7489 §6.6.3";
      emit(std::move(event));
    }
    if (records.size() > 1) {
      finish_none(q.name + " has " + std::to_string(records.size()) + " DMARC records (RFC 7489 §6.6.3: no policy)");
      return std::nullopt;
    }
    if (records.size() == 1) {
      const DmarcRecordParse parsed = parse_dmarc_record(records.front(), DmarcParseMode::Lenient);
      if (!parsed.record) {
        // §6.6.3 step 6.2: "otherwise, the Mail Receiver applies no DMARC processing".
        finish_none("the record at " + q.name + " is not usable: " + parsed.why);
        return std::nullopt;
      }
      evaluate(*parsed.record, q.name, at_org);
      return std::nullopt;
    }
    // Step 3: "If the set is now empty, the Mail Receiver MUST query the DNS for a DMARC
    // TXT record at the DNS domain matching the Organizational Domain in place of the
    // RFC5322.From domain in the message (if different)."
    if (!at_org && org_domain_ != inputs_.from_domain && questions_.size() == 1) {
      questions_.push_back(DnsQuestion{"_dmarc." + org_domain_, dns::RecordType::Txt});
    }
  }
  finish_none("neither " + inputs_.from_domain + " nor its Organizational Domain " + org_domain_ +
              " publishes a DMARC record");
  return std::nullopt;
}

void DmarcCheck::on_answer(const DnsQuestion& question, DnsAnswer answer) {
  if (std::find(questions_.begin(), questions_.end(), question) != questions_.end())
    answers_[question] = std::move(answer);
}

void DmarcCheck::evaluate(const DmarcRecord& record, const std::string& record_name, bool at_org_domain) {
  DmarcVerdict v;
  v.from_domain = inputs_.from_domain;
  v.organizational_domain = org_domain_;
  v.record_domain = record_name;
  v.record = record;
  // RFC 7489 §6.3 sp=: "Indicates the policy to be enacted by the Receiver at the request
  // of the Domain Owner. It applies only to subdomains of the domain queried and not to
  // the domain itself."
  v.policy = at_org_domain ? record.effective_subdomain_policy() : record.policy;

  // RFC 7489 §4.2: "A message satisfies the DMARC checks if at least one of the supported
  // authentication mechanisms: 1. produces a "pass" result, and 2. produces that result
  // based on an identifier that is in alignment".
  if (inputs_.spf) {
    const bool aligned = dmarc_aligned(inputs_.from_domain, inputs_.spf->domain, record.spf_alignment, psl_);
    v.spf_aligned = inputs_.spf->result == SpfResult::Pass && aligned;
    Event event;
    event.summary = "SPF  " + inputs_.spf->domain + " (" + std::string(to_string(inputs_.spf->result)) + ") vs From " +
                    inputs_.from_domain + ": " + (aligned ? "aligned" : "not aligned") + " (aspf=" +
                    std::string(to_string(record.spf_alignment)) + ")" +
                    (v.spf_aligned ? " -> counts" : " -> does not count");
    event.with("step", "alignment").with("mechanism", "spf").with("from_domain", inputs_.from_domain)
        .with("auth_domain", inputs_.spf->domain).with("result", std::string(to_string(inputs_.spf->result)))
        .with("mode", std::string(to_string(record.spf_alignment))).with("aligned", aligned ? "yes" : "no");
    event.rfc = "RFC 7489 §3.1.2";
    emit(std::move(event));
  }
  for (const auto& d : inputs_.dkim) {
    const bool aligned = dmarc_aligned(inputs_.from_domain, d.domain, record.dkim_alignment, psl_);
    const bool counts = d.result == DkimResult::Pass && aligned;
    if (counts && !v.dkim_aligned) v.aligned_dkim_domain = d.domain;
    v.dkim_aligned = v.dkim_aligned || counts;
    Event event;
    event.summary = "DKIM d=" + d.domain + " (" + std::string(to_string(d.result)) + ") vs From " +
                    inputs_.from_domain + ": " + (aligned ? "aligned" : "not aligned") + " (adkim=" +
                    std::string(to_string(record.dkim_alignment)) + ")" + (counts ? " -> counts" : " -> does not count");
    event.with("step", "alignment").with("mechanism", "dkim").with("from_domain", inputs_.from_domain)
        .with("auth_domain", d.domain).with("result", std::string(to_string(d.result)))
        .with("mode", std::string(to_string(record.dkim_alignment))).with("aligned", aligned ? "yes" : "no");
    event.rfc = "RFC 7489 §3.1.1";
    emit(std::move(event));
  }
  v.result = v.spf_aligned || v.dkim_aligned ? DmarcResult::Pass : DmarcResult::Fail;
  if (v.result == DmarcResult::Pass) {
    v.disposition = DmarcPolicy::None;
    v.reason = std::string(v.dkim_aligned ? "DKIM" : "SPF") + " passed for a domain aligned with From " +
               inputs_.from_domain + " (RFC 7489 §4.2)";
  } else {
    v.disposition = v.policy;
    // RFC 7489 §6.6.4: "If the "pct" tag is present ... the Mail Receiver applies the
    // policy to that percentage of messages ... For messages not selected, the next
    // policy lower in strength is applied: "quarantine" becomes "none", "reject" becomes
    // "quarantine"."
    if (record.percent < 100 && inputs_.sample_roll >= record.percent && v.policy != DmarcPolicy::None) {
      v.sampled_out = true;
      v.disposition = v.policy == DmarcPolicy::Reject ? DmarcPolicy::Quarantine : DmarcPolicy::None;
    }
    v.reason = "neither SPF nor DKIM passed for a domain aligned with From " + inputs_.from_domain + "; " +
               (at_org_domain ? "sp=" : "p=") + std::string(to_string(v.policy)) + " applies" +
               (v.sampled_out ? " at a lower strength (pct=" + std::to_string(record.percent) + ")" : "") +
               " (RFC 7489 §6.6.4, §6.7)";
  }
  Event event;
  event.summary = "DMARC: " + std::string(to_string(v.result)) + ", disposition " +
                  std::string(to_string(v.disposition)) + " - " + v.reason;
  event.with("step", "result").with("result", std::string(to_string(v.result)))
      .with("policy", std::string(to_string(v.policy))).with("disposition", std::string(to_string(v.disposition)))
      .with("spf_aligned", v.spf_aligned ? "yes" : "no").with("dkim_aligned", v.dkim_aligned ? "yes" : "no");
  event.rfc = "RFC 7489 §6.6.4";
  emit(std::move(event));
  verdict_ = std::move(v);
}

const DmarcVerdict& DmarcCheck::verdict() const {
  static const DmarcVerdict unfinished{DmarcResult::TempError, "", "", "", std::nullopt, DmarcPolicy::None,
                                       DmarcPolicy::None, false, false, "", false, "the check has not finished"};
  return verdict_ ? *verdict_ : unfinished;
}

std::vector<Event> DmarcCheck::take_events() { return std::exchange(events_, {}); }

}  // namespace smtplab::mailauth
