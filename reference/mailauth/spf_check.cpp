// mailauth/spf_check.cpp — check_host() (RFC 7208 §4-§6), written as the RFC tells it.
//
// Rules of this file: a run of check_host() never blocks. lookup() either returns an
// answer already received or ends the run (the Suspend signal below) after recording
// which question is missing. Temporary and permanent errors end the whole evaluation
// wherever they happen (RFC 7208 §4.6.4, §5.2 "include": temperror and permerror pass
// upwards unchanged), so they are raised as Terminal and caught once, at the top.
#include "mailauth/spf_check.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

namespace smtplab::mailauth {

namespace {

// Ends a run: an answer is missing (SpfCheck::pending_ says which).
struct Suspend {};
// Ends the evaluation with temperror or permerror.
struct Terminal {
  SpfResult result;
  std::string reason;
  std::string mechanism;
};

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string strip_dot(std::string name) {
  while (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

bool ascii_printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u <= 0x7E;
  });
}

SpfResult result_of(SpfQualifier qualifier) {
  switch (qualifier) {
    case SpfQualifier::Pass: return SpfResult::Pass;
    case SpfQualifier::Fail: return SpfResult::Fail;
    case SpfQualifier::SoftFail: return SpfResult::SoftFail;
    case SpfQualifier::Neutral: return SpfResult::Neutral;
  }
  return SpfResult::Neutral;
}

std::string mechanism_text(const SpfMechanism& m) {
  return m.text.empty() ? std::string(to_string(m.kind)) : m.text;
}

}  // namespace

std::string_view to_string(SpfResult result) {
  switch (result) {
    case SpfResult::None: return "none";
    case SpfResult::Neutral: return "neutral";
    case SpfResult::Pass: return "pass";
    case SpfResult::Fail: return "fail";
    case SpfResult::SoftFail: return "softfail";
    case SpfResult::TempError: return "temperror";
    case SpfResult::PermError: return "permerror";
  }
  return "?";
}

std::string_view to_string(SpfIdentity identity) {
  return identity == SpfIdentity::Helo ? "helo" : "mailfrom";
}

// One evaluation from the start, against the answers received so far.
class SpfRun {
 public:
  explicit SpfRun(SpfCheck& check) : check_(check) {}

  // The verdict, or nullopt when an answer is missing (check_.pending_ is set).
  std::optional<SpfVerdict> run();

 private:
  struct HostResult {
    SpfResult result = SpfResult::Neutral;
    std::string mechanism;
    std::string reason;
    std::string explanation;
  };
  enum class Match { Yes, No };

  HostResult check_host(const std::string& domain, unsigned depth, bool want_explanation);
  Match evaluate(const SpfMechanism& m, const std::string& domain, unsigned depth);
  Match match_addresses(const std::string& name, const SpfMechanism& m, unsigned depth, bool is_mx_host);
  std::string validated_domain(const std::string& domain, unsigned depth);
  std::string explanation(const std::string& exp_spec, const std::string& domain, unsigned depth);
  std::optional<std::string> target(const std::string& spec, const std::string& domain, unsigned depth,
                                    const std::string& term);
  void count_dns_mechanism(const std::string& term);
  void count_void(const DnsAnswer& answer, const std::string& term);
  const DnsAnswer& lookup(const std::string& name, dns::RecordType type, unsigned depth);
  MacroContext macros(const std::string& domain, unsigned depth);
  dns::RecordType address_type() const { return ip_.v6 ? dns::RecordType::Aaaa : dns::RecordType::A; }
  void emit(Event event, unsigned depth);

  SpfCheck& check_;
  IpAddress ip_;
  std::string sender_, local_part_, sender_domain_;
  unsigned dns_mechanisms_ = 0;
  unsigned void_lookups_ = 0;
  std::size_t events_emitted_ = 0;
};

void SpfRun::emit(Event event, unsigned depth) {
  event.kind = EventKind::PolicyCheck;
  event.fields.insert(event.fields.begin(), {"check", "spf"});
  event.with("depth", std::to_string(depth));
  // Earlier runs already produced the events up to events_generated_: the runs are
  // deterministic, so the first events of this run are those same events again.
  if (events_emitted_++ >= check_.events_reported_) check_.events_.push_back(std::move(event));
}

const DnsAnswer& SpfRun::lookup(const std::string& name, dns::RecordType type, unsigned depth) {
  const DnsQuestion question{lowered(strip_dot(name)), type};
  const auto found = check_.answers_.find(question);
  if (found == check_.answers_.end()) {
    if (check_.answers_.size() >= spf_queries_max) {
      throw Terminal{SpfResult::TempError, "more than " + std::to_string(spf_queries_max) +
                                               " DNS questions in one check (smtplab's safety limit)", ""};
    }
    check_.pending_ = question;
    throw Suspend{};
  }
  const DnsAnswer& answer = found->second;
  std::string data;
  if (answer.status == DnsStatus::Answer) {
    const auto texts = type == dns::RecordType::Txt ? txt_strings(answer)
                       : (type == dns::RecordType::A || type == dns::RecordType::Aaaa) ? addresses(answer)
                                                                                       : names(answer);
    for (const auto& t : texts) data += (data.empty() ? "" : " | ") + t;
  }
  Event event;
  event.summary = question.to_string() + " -> " +
                  (answer.status == DnsStatus::Answer ? data : std::string(to_string(answer.status)));
  event.with("step", "dns").with("question", question.to_string()).with("status", std::string(to_string(answer.status)));
  if (!data.empty()) event.with("data", data);
  event.explain = "mailauth.spf.dns";
  event.rfc = "RFC 7208 §4.4";
  emit(std::move(event), depth);
  return answer;
}

MacroContext SpfRun::macros(const std::string& domain, unsigned depth) {
  MacroContext context;
  context.sender = sender_;
  context.local_part = local_part_;
  context.sender_domain = sender_domain_;
  context.domain = domain;
  context.ip = ip_;
  context.helo = check_.inputs_.helo;
  context.receiver = check_.inputs_.receiver;
  context.timestamp_s = check_.inputs_.timestamp_s;
  context.validated_domain = [this, domain, depth] { return validated_domain(domain, depth); };
  return context;
}

void SpfRun::count_dns_mechanism(const std::string& term) {
  // RFC 7208 §4.6.4: "If this limit is exceeded, the implementation MUST return
  // "permerror"." The count is of terms evaluated, so a record may list more than ten
  // if evaluation stops (matches) before the eleventh.
  if (++dns_mechanisms_ > spf_dns_mechanisms_max) {
    throw Terminal{SpfResult::PermError,
                   "more than 10 DNS-querying mechanisms and redirects (RFC 7208 §4.6.4)", term};
  }
}

void SpfRun::count_void(const DnsAnswer& answer, const std::string& term) {
  if (answer.status != DnsStatus::NoData && answer.status != DnsStatus::NxDomain) return;
  // RFC 7208 §4.6.4: void lookups are "DNS queries that either return a positive answer
  // (RCODE 0) with an answer count of 0, or return a "no such domain" (RCODE 3)".
  if (++void_lookups_ > spf_void_lookups_max) {
    throw Terminal{SpfResult::PermError, "more than 2 void DNS lookups (RFC 7208 §4.6.4)", term};
  }
}

std::optional<std::string> SpfRun::target(const std::string& spec, const std::string& domain, unsigned depth,
                                          const std::string& term) {
  if (spec.empty()) return domain;  // RFC 7208 §4.8: "If the <domain-spec> is omitted, <domain> is used"
  const MacroExpansion expansion = expand_macros(spec, macros(domain, depth), MacroKind::DomainSpec);
  if (!expansion.text) throw Terminal{SpfResult::PermError, expansion.why + " (RFC 7208 §7)", term};
  // RFC 7208 §7.3: long names are truncated from the left.
  std::string name = truncate_domain(*expansion.text);
  std::string why;
  if (!valid_domain_name(name, &why, false)) {
    Event event;
    event.summary = term + ": target \"" + *expansion.text + "\" is not a usable domain name";
    event.with("step", "target").with("term", term).with("why", why);
    event.explain = "mailauth.spf.term";
    event.rfc = "RFC 7208 §4.8";
    emit(std::move(event), depth);
    return std::nullopt;
  }
  return name;
}

SpfRun::Match SpfRun::match_addresses(const std::string& name, const SpfMechanism& m, unsigned depth,
                                      bool is_mx_host) {
  const DnsAnswer& answer = lookup(name, address_type(), depth);
  if (answer.status == DnsStatus::TempFail) {
    throw Terminal{SpfResult::TempError, "the address lookup for " + name + " failed: " + answer.why + " (RFC 7208 §5)",
                   m.text};
  }
  // RFC 7208 §5.4 counts the void lookups of the "mx" query itself, not of its hosts.
  if (!is_mx_host) count_void(answer, m.text);
  const unsigned bits = ip_.v6 ? m.cidr6_bits : m.cidr4_bits;
  for (const auto& text : addresses(answer)) {
    const auto address = parse_ip(text);
    if (address && ip_.in_network(*address, bits)) return Match::Yes;
  }
  return Match::No;
}

std::string SpfRun::validated_domain(const std::string& domain, unsigned depth) {
  // RFC 7208 §7.3 "p": "the validated domain name of <ip> ... If the <domain> is
  // present in the list of validated domains, it SHOULD be used. Otherwise, if a
  // subdomain of the <domain> is present, it SHOULD be used. Otherwise, any name from
  // the list can be used. If there are no validated domain names or if a DNS error
  // occurs, the string "unknown" is used."
  const DnsAnswer& ptr = lookup(ip_.reverse_name(), dns::RecordType::Ptr, depth);
  if (ptr.status != DnsStatus::Answer) return "unknown";
  std::vector<std::string> candidates;
  for (auto& n : names(ptr)) {
    if (candidates.size() >= spf_ptr_names_max) break;
    candidates.push_back(strip_dot(n));
  }
  const std::string d = lowered(domain);
  auto rank = [&](const std::string& n) {
    const std::string l = lowered(n);
    if (l == d) return 0;
    if (l.size() > d.size() && l.ends_with("." + d)) return 1;
    return 2;
  };
  std::stable_sort(candidates.begin(), candidates.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  for (const auto& name : candidates) {
    const DnsAnswer& a = lookup(name, address_type(), depth);
    if (a.status != DnsStatus::Answer) continue;
    for (const auto& text : addresses(a)) {
      const auto address = parse_ip(text);
      if (address && *address == ip_) return name;
    }
  }
  return "unknown";
}

SpfRun::Match SpfRun::evaluate(const SpfMechanism& m, const std::string& domain, unsigned depth) {
  switch (m.kind) {
    case SpfMechanismKind::All:
      // RFC 7208 §5.1: "The "all" mechanism is a test that always matches."
      return Match::Yes;
    case SpfMechanismKind::Ip4:
    case SpfMechanismKind::Ip6: {
      // RFC 7208 §5.6: "the <ip> is compared to the given network ... If the <ip> is not
      // of the same family as the network, it does not match."
      if (m.kind == SpfMechanismKind::Ip4) return !ip_.v6 && ip_.in_network(m.network, m.cidr4_bits) ? Match::Yes : Match::No;
      if (ip_.v6) return ip_.in_network(m.network, m.cidr6_bits) ? Match::Yes : Match::No;
      // Our interpretation: the client's IPv4-mapped address is evaluated as IPv4 (see
      // client_ip()), so an ip6 network inside ::ffff:0:0/96 with a prefix of 96 or more
      // is the IPv4 network it maps, and matches IPv4 clients the same way.
      if (const auto mapped = client_ip(m.network.to_string()); mapped && !mapped->v6 && m.cidr6_bits >= 96)
        return ip_.in_network(*mapped, m.cidr6_bits - 96) ? Match::Yes : Match::No;
      return Match::No;
    }
    case SpfMechanismKind::Include: {
      count_dns_mechanism(m.text);
      const auto name = target(m.domain_spec, domain, depth, m.text);
      // RFC 7208 §5.2: a recursive check_host() of "none" makes include "permerror".
      if (!name) throw Terminal{SpfResult::PermError, "include: of an unusable domain name (RFC 7208 §5.2)", m.text};
      const HostResult inner = check_host(*name, depth + 1, false);
      // RFC 7208 §5.2 table: pass -> match; fail, softfail, neutral -> not match;
      // temperror, permerror -> return them (raised as Terminal inside); none -> permerror.
      if (inner.result == SpfResult::None) {
        throw Terminal{SpfResult::PermError,
                       "include:" + *name + " has no SPF record; RFC 7208 §5.2 makes that a permerror", m.text};
      }
      return inner.result == SpfResult::Pass ? Match::Yes : Match::No;
    }
    case SpfMechanismKind::A: {
      count_dns_mechanism(m.text);
      const auto name = target(m.domain_spec, domain, depth, m.text);
      if (!name) return Match::No;
      // RFC 7208 §5.3: "An address lookup is done on the <target-name> using the type of
      // lookup (A or AAAA) appropriate for the connection type (IPv4 or IPv6)."
      return match_addresses(*name, m, depth, false);
    }
    case SpfMechanismKind::Mx: {
      count_dns_mechanism(m.text);
      const auto name = target(m.domain_spec, domain, depth, m.text);
      if (!name) return Match::No;
      // RFC 7208 §5.4: "performs an MX lookup on the <target-name>. Then it performs an
      // address lookup on each MX name returned."
      const DnsAnswer& mx = lookup(*name, dns::RecordType::Mx, depth);
      if (mx.status == DnsStatus::TempFail) {
        throw Terminal{SpfResult::TempError, "the MX lookup for " + *name + " failed: " + mx.why, m.text};
      }
      count_void(mx, m.text);
      const auto exchanges = names(mx);
      std::size_t looked_up = 0;
      for (const auto& exchange : exchanges) {
        // RFC 7505 §3: a null MX ("0 .") names no host; there is nothing to look up.
        if (strip_dot(exchange).empty()) continue;
        // RFC 7208 §4.6.4: "the evaluation of each "MX" record MUST NOT result in
        // querying more than 10 address records ... If this limit is exceeded, the
        // "mx" mechanism MUST produce a "permerror" result." The limit is on queries
        // made, so a match among the first ten ends the search before it is reached.
        if (++looked_up > spf_mx_names_max) {
          throw Terminal{SpfResult::PermError,
                         *name + " has more than 10 MX hosts to look up (RFC 7208 §4.6.4: \"MUST produce a "
                                 "permerror\")",
                         m.text};
        }
        if (match_addresses(strip_dot(exchange), m, depth, true) == Match::Yes) return Match::Yes;
      }
      return Match::No;
    }
    case SpfMechanismKind::Ptr: {
      count_dns_mechanism(m.text);
      const auto name = target(m.domain_spec, domain, depth, m.text);
      if (!name) return Match::No;
      const DnsAnswer& ptr = lookup(ip_.reverse_name(), dns::RecordType::Ptr, depth);
      // RFC 7208 §5.5: "If a DNS error occurs while doing the PTR RR lookup, then this
      // mechanism fails to match."
      if (ptr.status == DnsStatus::TempFail) return Match::No;
      count_void(ptr, m.text);
      const std::string wanted = lowered(*name);
      std::size_t examined = 0;
      for (const auto& raw : names(ptr)) {
        // RFC 7208 §4.6.4: at most 10 PTR names are looked at.
        if (examined++ >= spf_ptr_names_max) break;
        const std::string candidate = strip_dot(raw);
        const std::string l = lowered(candidate);
        // RFC 7208 §5.5 allows checking the name before validating it ("an
        // implementation can ... first check that the name ends in <target-name>").
        if (l != wanted && !(l.size() > wanted.size() && l.ends_with("." + wanted))) continue;
        const DnsAnswer& a = lookup(candidate, address_type(), depth);
        // RFC 7208 §5.5: "If a DNS error occurs while doing an A RR lookup, then that
        // domain name is skipped and the search continues."
        if (a.status != DnsStatus::Answer) continue;
        for (const auto& text : addresses(a)) {
          const auto address = parse_ip(text);
          if (address && *address == ip_) return Match::Yes;
        }
      }
      return Match::No;
    }
    case SpfMechanismKind::Exists: {
      count_dns_mechanism(m.text);
      const auto name = target(m.domain_spec, domain, depth, m.text);
      if (!name) return Match::No;
      // RFC 7208 §5.7: "The lookup type is A even when the connection type is IPv6."
      const DnsAnswer& a = lookup(*name, dns::RecordType::A, depth);
      if (a.status == DnsStatus::TempFail) {
        throw Terminal{SpfResult::TempError, "the exists: lookup for " + *name + " failed: " + a.why, m.text};
      }
      count_void(a, m.text);
      return a.status == DnsStatus::Answer && !a.records.empty() ? Match::Yes : Match::No;
    }
  }
  return Match::No;
}

std::string SpfRun::explanation(const std::string& exp_spec, const std::string& domain, unsigned depth) {
  // RFC 7208 §6.2: "If there are any DNS processing errors (any RCODE other than 0), or
  // if no records are returned, or if more than one record is returned, or if there are
  // syntax errors in the explanation string, then proceed as if no "exp" modifier was
  // given." Its lookup does not count against the limits (§4.6.4).
  const MacroExpansion name = expand_macros(exp_spec, macros(domain, depth), MacroKind::DomainSpec);
  if (!name.text) return {};
  const std::string exp_domain = truncate_domain(*name.text);
  if (!valid_domain_name(exp_domain, nullptr, false)) return {};
  const DnsAnswer& answer = lookup(exp_domain, dns::RecordType::Txt, depth);
  if (answer.status != DnsStatus::Answer) return {};
  const auto texts = txt_strings(answer);
  if (texts.size() != 1 || !ascii_printable(texts[0])) return {};
  const MacroExpansion text = expand_macros(texts[0], macros(domain, depth), MacroKind::Explanation);
  if (!text.text) return {};
  std::string out = *text.text;
  if (out.size() > spf_explanation_length_max) out.resize(spf_explanation_length_max);
  return out;
}

SpfRun::HostResult SpfRun::check_host(const std::string& domain_in, unsigned depth, bool want_explanation) {
  const std::string domain = strip_dot(domain_in);
  HostResult out;
  {
    Event event;
    event.summary = "check_host(" + ip_.to_string() + ", " + domain + ", " + sender_ + ")";
    event.with("step", "check_host").with("ip", ip_.to_string()).with("domain", domain).with("sender", sender_);
    event.explain = "mailauth.spf.check_host";
    event.rfc = "RFC 7208 §4";
    emit(std::move(event), depth);
  }
  auto finish = [&](HostResult r, const std::string& rfc) {
    Event event;
    event.summary = "SPF " + domain + ": " + std::string(to_string(r.result)) +
                    (r.mechanism.empty() ? "" : " (" + r.mechanism + ")") + " - " + r.reason;
    event.with("step", "result").with("domain", domain).with("result", std::string(to_string(r.result)));
    if (!r.mechanism.empty()) event.with("mechanism", r.mechanism);
    event.with("reason", r.reason);
    if (!r.explanation.empty()) event.with("explanation", r.explanation);
    event.explain = "mailauth.spf.result." + std::string(to_string(r.result));
    event.rfc = rfc;
    emit(std::move(event), depth);
    return r;
  };

  // RFC 7208 §4.3: "If the <domain> is malformed (e.g., label longer than 63 characters,
  // zero-length label not at the end, etc.) or is not a multi-label domain name, or if
  // the DNS lookup returns "Name Error" (RCODE 3, also known as "NXDOMAIN" [RFC2308]),
  // check_host() immediately returns the result "none"."
  std::string why;
  if (!valid_domain_name(domain, &why)) {
    out.result = SpfResult::None;
    out.reason = why + ", so there is no SPF record to ask for (RFC 7208 §4.3)";
    return finish(out, "RFC 7208 §4.3");
  }
  const DnsAnswer& answer = lookup(domain, dns::RecordType::Txt, depth);
  if (answer.status == DnsStatus::TempFail) {
    // RFC 7208 §4.4: "If the DNS lookup returns a server failure (RCODE 2) or some other
    // error (RCODE other than 0 or 3), or if the lookup times out, then check_host()
    // terminates immediately with the result "temperror"."
    throw Terminal{SpfResult::TempError, "the TXT lookup for " + domain + " failed: " + answer.why + " (RFC 7208 §4.4)",
                   ""};
  }
  std::vector<std::string> records;
  for (auto& txt : txt_strings(answer))
    if (is_spf_record(txt)) records.push_back(txt);
  if (records.empty()) {
    out.result = SpfResult::None;
    out.reason = domain + " publishes no \"v=spf1\" TXT record (RFC 7208 §4.5)";
    return finish(out, "RFC 7208 §4.5");
  }
  if (records.size() > 1) {
    // RFC 7208 §4.5: "If the resultant record set includes more than one record,
    // check_host() produces the "permerror" result."
    throw Terminal{SpfResult::PermError, domain + " publishes " + std::to_string(records.size()) +
                                             " SPF records; exactly one is allowed (RFC 7208 §4.5)",
                   ""};
  }
  const std::string& text = records.front();
  {
    Event event;
    event.summary = domain + ": \"" + text + "\"";
    event.with("step", "record").with("domain", domain).with("record", text);
    event.explain = "mailauth.spf.record";
    event.rfc = "RFC 7208 §4.5";
    emit(std::move(event), depth);
  }
  // RFC 7208 §4.6.1 (terms are VCHAR and SP) and §3: the record is 7-bit text.
  if (!ascii_printable(text)) {
    throw Terminal{SpfResult::PermError, "the record holds a character that is not printable ASCII (RFC 7208 §4.6.1)",
                   ""};
  }
  const SpfRecordParse parsed = parse_spf_record(text);
  if (!parsed.record) {
    // RFC 7208 §4.6: "If there are any syntax errors anywhere in the record,
    // check_host() returns immediately with the result "permerror"".
    throw Terminal{SpfResult::PermError, parsed.why, ""};
  }
  const SpfRecord& record = *parsed.record;

  // RFC 7208 §4.6.2: "each mechanism is evaluated in turn from left to right ... When a
  // mechanism is evaluated, one of three things can happen: it can match, not match,
  // or return an exception. If it matches, processing ends and the qualifier value is
  // returned as the result of that record."
  for (const SpfMechanism& m : record.mechanisms) {
    const Match match = evaluate(m, domain, depth);
    Event event;
    event.summary = "  " + mechanism_text(m) + " -> " + (match == Match::Yes ? "match" : "no match");
    event.with("step", "term").with("domain", domain).with("term", mechanism_text(m))
        .with("qualifier", std::string(to_string(m.qualifier)))
        .with("match", match == Match::Yes ? "yes" : "no");
    event.explain = "mailauth.spf.term." + std::string(to_string(m.kind));
    event.rfc = "RFC 7208 §5." + std::to_string(static_cast<int>(m.kind) + 1);
    emit(std::move(event), depth);
    if (match == Match::No) continue;
    out.result = result_of(m.qualifier);
    out.mechanism = mechanism_text(m);
    out.reason = "\"" + out.mechanism + "\" matched " + ip_.to_string() + "; its qualifier '" +
                 std::string(1, qualifier_char(m.qualifier)) + "' gives " + std::string(to_string(out.result)) +
                 " (RFC 7208 §4.6.2)";
    // RFC 7208 §6.2: the explanation is fetched only for a "fail" of this record
    // (and §5.2: "exp" of an included record is not used).
    if (out.result == SpfResult::Fail && want_explanation && record.exp) {
      out.explanation = explanation(*record.exp, domain, depth);
    }
    return finish(out, "RFC 7208 §4.6.2");
  }

  // RFC 7208 §6.1: "If all mechanisms fail to match, and a "redirect" modifier is
  // present, then processing proceeds as follows: The <domain-spec> portion of the
  // redirect section is expanded ... check_host() is then evaluated with the resulting
  // string as the <domain>." and "if no SPF record is found ... the "redirect" ... results
  // in "permerror"".
  if (record.redirect) {
    count_dns_mechanism("redirect=" + *record.redirect);
    const auto name = target(*record.redirect, domain, depth, "redirect=" + *record.redirect);
    if (!name) throw Terminal{SpfResult::PermError, "redirect= to an unusable domain name (RFC 7208 §6.1)", ""};
    HostResult inner = check_host(*name, depth + 1, want_explanation);
    if (inner.result == SpfResult::None) {
      throw Terminal{SpfResult::PermError, "redirect=" + *name + " has no SPF record (RFC 7208 §6.1)",
                     "redirect=" + *record.redirect};
    }
    inner.reason = "via redirect=" + *name + ": " + inner.reason;
    return finish(inner, "RFC 7208 §6.1");
  }
  // RFC 7208 §4.7: "If none of the mechanisms match and there is no "redirect"
  // modifier, then the check_host() returns a result of "neutral", just as if "?all"
  // were specified as the last directive."
  out.result = SpfResult::Neutral;
  out.reason = "no mechanism matched and there is no redirect= (RFC 7208 §4.7)";
  return finish(out, "RFC 7208 §4.7");
}

std::optional<SpfVerdict> SpfRun::run() {
  const SpfInputs& in = check_.inputs_;
  SpfVerdict verdict;
  // RFC 7208 §2.4: "When the reverse-path is null, this document defines the
  // "MAIL FROM" identity to be the mailbox composed of the local-part "postmaster" and
  // the "HELO" identity". §4.3: "If the <sender> has no local-part, substitute the
  // string "postmaster" for the local-part."
  std::string domain;
  if (in.identity == SpfIdentity::Helo || in.mail_from.empty()) {
    local_part_ = "postmaster";
    domain = in.helo;
  } else {
    const std::size_t at = in.mail_from.rfind('@');
    local_part_ = at == std::string::npos ? "" : in.mail_from.substr(0, at);
    domain = at == std::string::npos ? in.mail_from : in.mail_from.substr(at + 1);
    if (local_part_.empty()) local_part_ = "postmaster";
  }
  sender_domain_ = domain;
  sender_ = local_part_ + "@" + domain;
  verdict.domain = domain;
  verdict.sender = sender_;

  const auto ip = client_ip(in.ip);
  if (!ip) {
    verdict.result = SpfResult::None;
    verdict.reason = "\"" + in.ip + "\" is not an IP address; SPF has nothing to check";
    return verdict;
  }
  ip_ = *ip;
  try {
    const HostResult r = check_host(domain, 0, true);
    verdict.result = r.result;
    verdict.mechanism = r.mechanism;
    verdict.reason = r.reason;
    verdict.explanation = r.explanation;
  } catch (const Suspend&) {
    check_.events_reported_ = std::max(check_.events_reported_, events_emitted_);
    return std::nullopt;
  } catch (const Terminal& t) {
    verdict.result = t.result;
    verdict.mechanism = t.mechanism;
    verdict.reason = t.reason;
    Event event;
    event.summary = "SPF: " + std::string(to_string(t.result)) + " - " + t.reason;
    event.with("step", "result").with("domain", domain).with("result", std::string(to_string(t.result)))
        .with("reason", t.reason);
    event.explain = "mailauth.spf.result." + std::string(to_string(t.result));
    event.rfc = t.result == SpfResult::TempError ? "RFC 7208 §2.6.6" : "RFC 7208 §2.6.7";
    emit(std::move(event), 0);
  }
  verdict.dns_mechanisms = dns_mechanisms_;
  verdict.void_lookups = void_lookups_;
  check_.events_reported_ = std::max(check_.events_reported_, events_emitted_);
  return verdict;
}

SpfCheck::SpfCheck(SpfInputs inputs) : inputs_(std::move(inputs)) {}

std::optional<DnsQuestion> SpfCheck::next_query() {
  if (verdict_) return std::nullopt;
  if (pending_) return pending_;  // still waiting for this one
  SpfRun run(*this);
  auto verdict = run.run();
  if (verdict) {
    verdict_ = std::move(verdict);
    pending_.reset();
    return std::nullopt;
  }
  return pending_;
}

void SpfCheck::on_answer(const DnsQuestion& question, DnsAnswer answer) {
  if (!pending_ || !(*pending_ == question)) return;
  answers_[question] = std::move(answer);
  pending_.reset();
}

const SpfVerdict& SpfCheck::verdict() const {
  static const SpfVerdict unfinished{SpfResult::TempError, "", "", "", "the check has not finished", "", 0, 0};
  return verdict_ ? *verdict_ : unfinished;
}

std::vector<Event> SpfCheck::take_events() { return std::exchange(events_, {}); }

SpfVerdict check_spf(const SpfInputs& inputs, const std::function<DnsAnswer(const DnsQuestion&)>& answer_for,
                     std::vector<Event>* events) {
  SpfCheck check(inputs);
  drive(check, answer_for);
  if (events) {
    auto produced = check.take_events();
    events->insert(events->end(), produced.begin(), produced.end());
  }
  return check.verdict();
}

}  // namespace smtplab::mailauth
