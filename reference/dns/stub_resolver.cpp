// dns/stub_resolver.cpp — matching responses to one query, reading what they say,
// and deciding about retransmission.
//
// Standards: RFC 1035 §4.1.1, §4.2.1, §7.3; RFC 1034 §3.6.2, §5.3.1; RFC 1536 §1;
//            RFC 5452 §9.1-§9.2; RFC 2308 §2; RFC 2181 §9.
#include "dns/stub_resolver.hpp"

#include <algorithm>

#include "dns/zone.hpp"

namespace smtplab::dns {

std::string_view to_string(ResolveStatus status) {
  switch (status) {
    case ResolveStatus::Answer: return "answer";
    case ResolveStatus::NoData: return "nodata";
    case ResolveStatus::NxDomain: return "nxdomain";
    case ResolveStatus::ServFail: return "servfail";
    case ResolveStatus::Refused: return "refused";
    case ResolveStatus::Truncated: return "truncated";
    case ResolveStatus::Malformed: return "malformed";
    case ResolveStatus::Timeout: return "timeout";
  }
  return "unknown";
}

std::string_view to_string(ResponseCheck check) {
  switch (check) {
    case ResponseCheck::Accepted: return "accepted";
    case ResponseCheck::Ignored: return "ignored";
    case ResponseCheck::Finished: return "finished";
  }
  return "unknown";
}

std::vector<std::string> LookupResult::data_texts() const {
  std::vector<std::string> out;
  for (const auto& rr : records) out.push_back(rr.data_text());
  return out;
}

StubResolver::StubResolver(std::string name, RecordType type, Random& random)
    // RFC 5452 §9.2: resolvers MUST "Use an unpredictable query ID for outgoing
    // queries, utilizing the full range available (0-65535)". It comes from the random
    // source, which the simulator seeds, so a run is still reproducible.
    : StubResolver(std::move(name), type, static_cast<std::uint16_t>(random.uniform(0x10000))) {}

StubResolver::StubResolver(std::string name, RecordType type, std::uint16_t id)
    : question_{std::move(name), type, class_in}, id_(id) {
  query_ = encode(make_query(id_, question_.name, question_.type));
}

const std::string& StubResolver::start() {
  if (attempts_ == 0) attempts_ = 1;
  return query_;
}

TimeMs StubResolver::next_timeout_ms() const {
  TimeMs wait = query_timeout_initial_ms;
  for (unsigned i = 1; i < attempts_; ++i) wait *= query_timeout_backoff_factor;
  return wait;
}

LookupResult StubResolver::base_result() const {
  LookupResult r;
  r.name = question_.name;
  r.type = question_.type;
  r.canonical_name = question_.name;
  r.attempts = attempts_;
  return r;
}

void StubResolver::finish(LookupResult result) { result_ = std::move(result); }

std::optional<std::string> StubResolver::on_timeout() {
  if (done()) return std::nullopt;
  if (attempts_ < query_tries_max) {
    ++attempts_;
    return query_;
  }
  LookupResult r = base_result();
  if (malformed_reason_) {
    r.status = ResolveStatus::Malformed;
    r.explanation = "only malformed responses came back: " + *malformed_reason_;
  } else {
    r.status = ResolveStatus::Timeout;
    r.explanation = "no answer after " + std::to_string(attempts_) +
                    " transmissions (RFC 1035 §4.2.1: \"Queries sent using UDP may be lost, and hence a retransmission "
                    "strategy is required\"); a mail sender treats this as a temporary failure";
  }
  finish(std::move(r));
  return std::nullopt;
}

ResponseCheck StubResolver::on_response(std::string_view bytes) {
  if (done()) return ResponseCheck::Finished;
  auto ignore = [&](std::string why) {
    last_ignored_reason_ = std::move(why);
    return ResponseCheck::Ignored;
  };
  if (++responses_examined_ > responses_examined_max)
    return ignore("more than " + std::to_string(responses_examined_max) + " responses for one query; no longer examined");

  const DecodeResult d = decode(bytes);
  // RFC 5452 §9.1: "DNS resolvers MUST match responses to all of the following
  // attributes of the query: ... query ID, query name, query class and type". The
  // owner checks the addresses and ports; we check the rest. Anything else is ignored,
  // not believed: it may be a spoofed answer, or a late one to somebody else.
  if (!d.id || *d.id != id_) return ignore("ID does not match the query's (RFC 5452 §9.1)");
  if (!d.message) {
    // Garbage with our ID: it could be an attacker's as easily as the server's, so we
    // do not let it end the lookup; we remember it in case nothing better comes.
    malformed_reason_ = d.error->reason;
    return ignore("malformed response: " + d.error->reason);
  }
  const Message& m = *d.message;
  if (!m.header.qr) return ignore("QR=0: a query, not a response (RFC 1035 §4.1.1)");
  if (m.header.opcode != Opcode::Query) return ignore("OPCODE is not QUERY");
  if (m.questions.size() != 1 || !names_equal(m.questions[0].name, question_.name) ||
      m.questions[0].type != question_.type || m.questions[0].klass != question_.klass)
    return ignore("the question section differs from the query's (RFC 5452 §9.1)");
  last_ignored_reason_.clear();

  LookupResult r = base_result();
  r.rcode = m.header.rcode;
  // Follow the CNAMEs the answer section holds (RFC 1034 §3.6.2: "CNAME chains should
  // be followed"): start at the question's name, collect the records of the type it
  // owns, or move to its alias target.
  std::string current = question_.name;
  std::vector<std::string> seen{canonical_name(current)};
  for (;;) {
    bool moved = false;
    for (const auto& rr : m.answers) {
      if (!names_equal(rr.name, current)) continue;
      if (rr.type == question_.type) {
        r.records.push_back(rr);
      } else if (rr.type == RecordType::Cname && r.records.empty() && !moved) {
        const std::string target = std::get_if<NameData>(&rr.data) ? std::get<NameData>(rr.data).name : "";
        const std::string key = canonical_name(target);
        if (r.cnames.size() >= cname_chain_max || std::find(seen.begin(), seen.end(), key) != seen.end()) break;
        r.cnames.push_back(rr);
        seen.push_back(key);
        current = target;
        moved = true;
      }
    }
    if (!moved || !r.records.empty()) break;
  }
  r.canonical_name = current;

  switch (m.header.rcode) {
    case Rcode::NoError:
      if (m.header.tc) {
        // RFC 2181 §9: "The TC bit should be set in responses only when an RRSet is
        // required as a part of the response, but could not be included in its
        // entirety." So the answer is incomplete; the remedy is to ask again over TCP
        // (RFC 7766), which the lab does not implement.
        r.status = ResolveStatus::Truncated;
        r.records.clear();
        r.explanation = "the response was truncated (TC=1): it did not fit in 512 octets (RFC 1035 §4.2.1) and this "
                        "resolver does not retry over TCP";
      } else if (!r.records.empty()) {
        r.status = ResolveStatus::Answer;
        r.explanation = std::to_string(r.records.size()) + " " + to_string(question_.type) + " record(s) for " +
                        absolute_name(current);
      } else {
        r.status = ResolveStatus::NoData;
        r.explanation = absolute_name(current) + " exists but has no " + to_string(question_.type) +
                        " record: NOERROR with an empty answer is NODATA (RFC 2308 §2.2)";
      }
      break;
    case Rcode::NxDomain:
      r.status = ResolveStatus::NxDomain;
      r.records.clear();
      r.explanation = absolute_name(current) + " does not exist: RCODE 3, NXDOMAIN (RFC 2308 §2.1)";
      break;
    case Rcode::Refused:
      r.status = ResolveStatus::Refused;
      r.explanation = "the server refused the query (RCODE 5, RFC 1035 §4.1.1): it is not authoritative for " +
                      absolute_name(question_.name) + " or will not answer us";
      break;
    default:
      r.status = ResolveStatus::ServFail;
      r.records.clear();
      r.explanation = "the server answered " + to_string(m.header.rcode) +
                      " (RFC 1035 §4.1.1); the name's status is unknown, so this is a temporary failure";
      break;
  }
  finish(std::move(r));
  return ResponseCheck::Accepted;
}

}  // namespace smtplab::dns
