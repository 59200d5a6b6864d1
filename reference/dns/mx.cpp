// dns/mx.cpp — RFC 5321 §5.1 ordering of mail exchangers, the implicit MX and the
// RFC 7505 null MX.
//
// Standards: RFC 5321 §5.1, RFC 7505 §3-§4, RFC 4343 §3.
#include "dns/mx.hpp"

#include <algorithm>

namespace smtplab::dns {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (out.size() > 1 && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

std::string_view to_string(MxPlanKind kind) {
  switch (kind) {
    case MxPlanKind::Listed: return "listed";
    case MxPlanKind::Implicit: return "implicit";
    case MxPlanKind::NullMx: return "null_mx";
  }
  return "unknown";
}

std::vector<MxTarget> order_mx(std::vector<MxRecord> records, Random& random) {
  // First a total order that does not depend on the order DNS returned the records in:
  // preference, then name. Only the random source may change the result, so the same
  // seed always gives the same order.
  std::sort(records.begin(), records.end(), [](const MxRecord& a, const MxRecord& b) {
    if (a.preference != b.preference) return a.preference < b.preference;
    return lower(a.exchange) < lower(b.exchange);
  });
  // A host listed twice is one destination; keep its most preferred (first) entry.
  std::vector<MxTarget> targets;
  std::vector<std::string> seen;
  for (const MxRecord& r : records) {
    const std::string key = lower(r.exchange);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    targets.push_back(MxTarget{r.exchange, r.preference, {}});
  }
  // RFC 5321 §5.1: "If there are multiple destinations with the same preference and
  // there is no clear reason to favor one (e.g., by recognition of an easily reached
  // address), then the sender-SMTP MUST randomize them to spread the load across
  // multiple mail exchangers for a specific organization." A Fisher-Yates shuffle of
  // each run of equal preference.
  for (std::size_t begin = 0; begin < targets.size();) {
    std::size_t end = begin;
    while (end < targets.size() && targets[end].preference == targets[begin].preference) ++end;
    for (std::size_t i = end - begin; i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(random.uniform(i));
      std::swap(targets[begin + i - 1], targets[begin + j]);
    }
    begin = end;
  }
  return targets;
}

MxPlan plan_mx(std::string_view domain, std::vector<MxRecord> records, Random& random, OrderMxFn order) {
  MxPlan plan;
  // RFC 7505 §3: "The null MX RR is an ordinary MX record with an RDATA section
  // consisting of preference number 0 and a zero-length label, written in master
  // files as ".", as the exchange domain". §3 also says "A domain that advertises a
  // null MX MUST NOT advertise any other MX RR"; if one does anyway, the root is no
  // host we could connect to, so we drop it and use the others.
  const bool had_records = !records.empty();
  std::size_t null_count = 0;
  std::erase_if(records, [&](const MxRecord& r) {
    const bool root = r.exchange.empty() || r.exchange == ".";
    null_count += root ? 1 : 0;
    return root;
  });
  if (had_records && records.empty()) {
    plan.kind = MxPlanKind::NullMx;
    plan.explanation = std::string(domain) +
                       " publishes a null MX (\"0 .\"): it accepts no mail, so a sender does not try to deliver "
                       "and returns the message at once (RFC 7505 §4.1)";
    return plan;
  }
  if (records.empty()) {
    // RFC 5321 §5.1: "If an empty list of MXs is returned, the address is treated as if
    // it was associated with an implicit MX RR, with a preference of 0, pointing to
    // that host."
    plan.kind = MxPlanKind::Implicit;
    plan.targets.push_back(MxTarget{std::string(domain), 0, {}});
    plan.explanation = std::string(domain) +
                       " has no MX records, so the domain itself is the mail host: an implicit MX with preference 0 "
                       "(RFC 5321 §5.1)";
    return plan;
  }
  plan.kind = MxPlanKind::Listed;
  plan.targets = order(std::move(records), random);
  // RFC 5321 §5.1: "MX records contain a preference indication that MUST be used in
  // sorting if more than one such record appears ... Lower numbers are more preferred
  // than higher ones."
  plan.explanation = std::string(domain) + " has " + std::to_string(plan.targets.size()) +
                     " mail exchanger(s), tried in order of preference, lowest first, equal preferences in random "
                     "order (RFC 5321 §5.1)";
  if (null_count > 0)
    plan.explanation += "; a null MX listed beside other MX records was ignored (RFC 7505 §3 forbids the mix)";
  return plan;
}

}  // namespace smtplab::dns
