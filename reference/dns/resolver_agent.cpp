// dns/resolver_agent.cpp — StubResolver engines driven by a Host: datagrams, timers,
// trace events, and the RFC 5321 §5.1 MX procedure built from single lookups.
//
// Standards: RFC 5321 §5.1, RFC 7505, RFC 1035 §4.2.1 and §7.4, RFC 5452 §9.1,
//            RFC 6335 §6, RFC 2181 §5.2, RFC 2308 §5.
//
// Lifetime rule of this file: every callback handed to the Host holds only a weak
// pointer to State, so a datagram or timer arriving after the agent is gone does
// nothing. A finished lookup is removed from `pending` before its callback runs, and
// nothing touches State after a user callback returns (the callback may destroy us).
#include "dns/resolver_agent.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "dns/authoritative_server.hpp"

namespace smtplab::dns {

namespace {

std::string hex16(std::uint16_t value) {
  constexpr char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) out += digits[(value >> shift) & 0xF];
  return out;
}

}  // namespace

std::string_view to_string(MxResolution::Status status) {
  switch (status) {
    case MxResolution::Status::Ok: return "ok";
    case MxResolution::Status::NoDomain: return "no_domain";
    case MxResolution::Status::NoMail: return "no_mail";
    case MxResolution::Status::TempFail: return "temp_fail";
  }
  return "unknown";
}

struct ResolverAgent::State : std::enable_shared_from_this<ResolverAgent::State> {
  struct Pending {
    StubResolver engine;
    LookupCallback done;
    TimerId timer = 0;
  };

  State(Host& h, Endpoint s) : host(h), server(std::move(s)) {}

  // One cached answer: the result as it came, and when (virtual time) it stops being
  // true.
  struct Cached {
    LookupResult result;
    TimeMs stored_ms = 0;
    TimeMs expires_ms = 0;
  };
  using CacheKey = std::pair<std::string, RecordType>;  // (canonical name, type)

  Host& host;
  Endpoint server;
  bool cache_enabled = false;
  std::map<CacheKey, Cached> cache;  // ordered, so eviction is deterministic
  std::uint16_t port = 0;
  std::map<std::uint16_t, Pending> pending;  // by query ID
  OrderMxFn order_mx = &dns::order_mx;        // the seam of exercise 4

  void lookup(std::string name, RecordType type, LookupCallback done);
  void fail_later(std::string name, RecordType type, ResolveStatus status, std::string explanation,
                  LookupCallback done);
  void transmit(Pending& p);
  void arm(std::uint16_t id);
  void on_timer(std::uint16_t id);
  void on_datagram(const Endpoint& from, std::string_view bytes);
  void complete(std::uint16_t id, std::optional<std::uint32_t> negative_ttl_s = std::nullopt);
  bool answer_from_cache(const std::string& name, RecordType type, LookupCallback& done);
  void store(const LookupResult& result, std::optional<std::uint32_t> negative_ttl_s);
  void note(std::string summary, std::string explain, std::string rfc);
};

void ResolverAgent::State::note(std::string summary, std::string explain, std::string rfc) {
  Event e;
  e.kind = EventKind::Note;
  e.summary = std::move(summary);
  e.explain = std::move(explain);
  e.rfc = std::move(rfc);
  host.emit(std::move(e));
}

void ResolverAgent::State::fail_later(std::string name, RecordType type, ResolveStatus status,
                                      std::string explanation, LookupCallback done) {
  LookupResult r;
  r.status = status;
  r.name = std::move(name);
  r.type = type;
  r.canonical_name = r.name;
  r.explanation = std::move(explanation);
  // Later, not now: callbacks never run inside lookup(). An agent that is gone by
  // then calls nothing back.
  std::weak_ptr<State> weak = weak_from_this();
  host.schedule(0, [weak, done = std::move(done), r = std::move(r)]() {
    if (weak.lock()) done(r);
  });
}

void ResolverAgent::State::lookup(std::string name, RecordType type, LookupCallback done) {
  // A name that cannot be put in a query (an empty label, a label over 63 octets) names
  // nothing that could exist: the answer is known without asking (RFC 1035 §2.3.4).
  std::string why;
  if (!name_labels(name, &why))
    return fail_later(std::move(name), type, ResolveStatus::NxDomain, "not a valid domain name: " + why,
                      std::move(done));
  if (cache_enabled && answer_from_cache(name, type, done)) return;
  if (pending.size() >= lookups_pending_max)
    return fail_later(std::move(name), type, ResolveStatus::ServFail,
                      "too many DNS lookups in flight (" + std::to_string(lookups_pending_max) + "); try again later",
                      std::move(done));
  // A fresh unpredictable ID (RFC 5452 §9.2) that no lookup in flight uses, so every
  // response maps to at most one lookup. At most 256 are in use, so this ends quickly.
  std::uint16_t id = 0;
  do id = static_cast<std::uint16_t>(host.random().uniform(0x10000));
  while (pending.contains(id));
  auto [it, inserted] = pending.emplace(id, Pending{StubResolver(std::move(name), type, id), std::move(done), 0});
  it->second.engine.start();
  transmit(it->second);
}

void ResolverAgent::State::transmit(Pending& p) {
  const StubResolver& engine = p.engine;
  const Question& q = engine.question();
  Event e;
  e.kind = EventKind::DnsQuery;
  e.summary = query_summary(q);
  if (engine.attempts() > 1) e.summary += " (retransmission " + std::to_string(engine.attempts() - 1) + ")";
  e.bytes = engine.query();
  e.with("id", hex16(engine.id()))
      .with("qname", q.name)
      .with("qtype", to_string(q.type))
      .with("attempt", std::to_string(engine.attempts()))
      .with("server", server.to_string());
  e.explain = "dns.query";
  e.rfc = "RFC 1035 §4.1";
  host.emit(std::move(e), server.address);
  host.send_datagram(port, server, engine.query());
  arm(engine.id());
}

void ResolverAgent::State::arm(std::uint16_t id) {
  Pending& p = pending.at(id);
  std::weak_ptr<State> weak = weak_from_this();
  p.timer = host.schedule(p.engine.next_timeout_ms(), [weak, id]() {
    if (auto self = weak.lock()) self->on_timer(id);
  });
}

void ResolverAgent::State::on_timer(std::uint16_t id) {
  const auto it = pending.find(id);
  if (it == pending.end()) return;
  Pending& p = it->second;
  if (p.engine.on_timeout()) {
    transmit(p);  // the same bytes again; the engine counted the attempt
    return;
  }
  note("DNS timeout: " + query_summary(p.engine.question()) + " — " + p.engine.result()->explanation,
       p.engine.result()->status == ResolveStatus::Malformed ? "dns.malformed" : "dns.timeout", "RFC 1035 §4.2.1");
  complete(id);
}

void ResolverAgent::State::on_datagram(const Endpoint& from, std::string_view bytes) {
  // RFC 5452 §9.1: the response must come from the address and port we sent to.
  if (from.address != server.address || from.port != server.port) {
    note("ignored a DNS datagram from " + from.to_string() + ": we asked " + server.to_string(),
         "dns.response_ignored", "RFC 5452 §9.1");
    return;
  }
  if (bytes.size() < 2) {
    note("ignored a DNS datagram too short to hold an ID", "dns.response_ignored", "RFC 1035 §4.1.1");
    return;
  }
  const auto id = static_cast<std::uint16_t>((static_cast<std::uint8_t>(bytes[0]) << 8) |
                                             static_cast<std::uint8_t>(bytes[1]));
  const auto it = pending.find(id);
  if (it == pending.end()) {
    note("ignored a DNS response with ID " + hex16(id) + ": no query in flight has it", "dns.response_ignored",
         "RFC 5452 §9.1");
    return;
  }
  const ResponseCheck check = it->second.engine.on_response(bytes);
  if (check == ResponseCheck::Ignored) {
    note("ignored a DNS response: " + it->second.engine.last_ignored_reason(), "dns.response_ignored",
         "RFC 5452 §9.1");
    return;
  }
  if (check != ResponseCheck::Accepted) return;
  // RFC 2308 §5: "Like normal answers negative answers have a time to live (TTL). As
  // there is no record in the answer section to which this TTL can be applied, the TTL
  // must be carried by another method. This is done by including the SOA record from
  // the zone in the authority section of the reply." That TTL is the smaller of the
  // SOA record's own TTL and its MINIMUM field (RFC 2308 §3). The engine's result does
  // not carry the authority section, so we read it here, only for negative answers we
  // mean to cache.
  std::optional<std::uint32_t> negative_ttl_s;
  const ResolveStatus status = it->second.engine.result()->status;
  if (cache_enabled && (status == ResolveStatus::NxDomain || status == ResolveStatus::NoData)) {
    const DecodeResult decoded = decode(bytes);
    if (decoded.message)
      for (const auto& rr : decoded.message->authorities)
        if (const auto* soa = std::get_if<SoaData>(&rr.data)) negative_ttl_s = std::min(rr.ttl_s, soa->minimum_s);
  }
  complete(id, negative_ttl_s);
}

// RFC 1035 §7.4 (using the cache): a resolver keeps the answers it gets for as long as
// their TTLs allow. RFC 2181 §5.2: the records of one RRset should share a TTL, and a
// client that sees different ones treats them all as having the lowest; we take the
// lowest over the CNAMEs followed too, since the answer is only true while they are.
// RFC 1035 §3.2.1 says a TTL of zero means "the RR can only be used for the transaction
// in progress, and should not be cached". Errors and timeouts are not cached.
void ResolverAgent::State::store(const LookupResult& result, std::optional<std::uint32_t> negative_ttl_s) {
  std::optional<std::uint32_t> ttl_s;
  if (result.status == ResolveStatus::Answer && !result.records.empty()) {
    std::uint32_t smallest = cache_ttl_max_s;
    for (const auto* list : {&result.records, &result.cnames})
      for (const auto& rr : *list) smallest = std::min(smallest, rr.ttl_s);
    ttl_s = smallest;
  } else if (result.status == ResolveStatus::NxDomain || result.status == ResolveStatus::NoData) {
    // RFC 2308 §5: "Negative responses without SOA records SHOULD NOT be cached".
    if (negative_ttl_s) ttl_s = std::min(*negative_ttl_s, cache_negative_ttl_max_s);
  }
  if (!ttl_s || *ttl_s == 0) return;
  const TimeMs now_ms = host.clock().now_ms();
  if (cache.size() >= cache_entries_max) {
    std::erase_if(cache, [now_ms](const auto& entry) { return entry.second.expires_ms <= now_ms; });
    if (cache.size() >= cache_entries_max)
      cache.erase(std::min_element(cache.begin(), cache.end(), [](const auto& a, const auto& b) {
        return a.second.expires_ms < b.second.expires_ms;
      }));
  }
  Cached entry{result, now_ms, now_ms + static_cast<TimeMs>(*ttl_s) * 1000};
  entry.result.attempts = 0;  // a later hit made no transmission
  cache.insert_or_assign(CacheKey{canonical_name(result.name), result.type}, std::move(entry));
}

// A hit answers without a query. Like a caching resolver, we hand out cached records
// with the time they have left (RFC 1035 §3.2.1: the TTL is how long a record "may be
// cached before it should be discarded"), not the TTL they arrived with. The callback
// still runs later, never from inside lookup().
bool ResolverAgent::State::answer_from_cache(const std::string& name, RecordType type, LookupCallback& done) {
  const auto it = cache.find(CacheKey{canonical_name(name), type});
  if (it == cache.end()) return false;
  const TimeMs now_ms = host.clock().now_ms();
  if (it->second.expires_ms <= now_ms) {
    cache.erase(it);  // RFC 1035 §7.4: an expired answer is discarded, and we ask again
    return false;
  }
  // Whole seconds, rounded so that the TTL shown never outlives the entry: the time
  // left rounds down, the time elapsed rounds up (for the smallest TTL they agree).
  const auto left_s = static_cast<std::uint32_t>((it->second.expires_ms - now_ms) / 1000);
  const auto elapsed_s = static_cast<std::uint32_t>((now_ms - it->second.stored_ms + 999) / 1000);
  LookupResult result = it->second.result;
  result.name = name;
  for (auto* list : {&result.records, &result.cnames})
    for (auto& rr : *list) rr.ttl_s = rr.ttl_s > elapsed_s ? rr.ttl_s - elapsed_s : 0;
  const Question question{name, type};
  Event e;
  e.kind = EventKind::Note;
  e.summary = "answered from cache: " + query_summary(question) + " → " + std::string(to_string(result.status)) +
              ", TTL left " + std::to_string(left_s) + " s";
  e.explain = "dns.cache_hit";
  e.rfc = "RFC 1035 §7.4";
  e.with("qname", name)
      .with("qtype", to_string(type))
      .with("status", std::string(to_string(result.status)))
      .with("ttl_left_s", std::to_string(left_s));
  host.emit(std::move(e));
  std::weak_ptr<State> weak = weak_from_this();
  host.schedule(0, [weak, done = std::move(done), result = std::move(result)]() {
    if (weak.lock()) done(result);
  });
  return true;
}

void ResolverAgent::State::complete(std::uint16_t id, std::optional<std::uint32_t> negative_ttl_s) {
  auto node = pending.extract(id);
  if (node.empty()) return;
  Pending& p = node.mapped();
  host.cancel(p.timer);
  const LookupResult result = *p.engine.result();
  if (cache_enabled) store(result, negative_ttl_s);
  LookupCallback done = std::move(p.done);
  done(result);  // last: it may destroy this agent
}

// ---------------------------------------------------------------------------------
// RFC 5321 §5.1 as a chain of lookups: MX, then A and AAAA for each target.
// ---------------------------------------------------------------------------------
namespace {

struct MxJob : std::enable_shared_from_this<MxJob> {
  ResolverAgent::State* state = nullptr;  // alive whenever one of our callbacks runs
  std::string domain;
  ResolverAgent::MxCallback done;
  MxPlan plan;
  std::size_t target = 0;
  bool temp_failure = false;
  std::string failures;  // what went wrong with address lookups, for the explanation

  void start() {
    auto self = shared_from_this();
    state->lookup(domain, RecordType::Mx, [self](const LookupResult& r) { self->on_mx(r); });
  }

  void finish(MxResolution::Status status, std::string explanation) {
    MxResolution m;
    m.status = status;
    m.domain = domain;
    m.kind = plan.kind;
    for (auto& t : plan.targets)
      if (!t.addresses.empty()) m.targets.push_back(t);
    m.explanation = std::move(explanation);
    std::string summary = "MX selection for " + domain + ": " + std::string(to_string(status));
    for (const auto& t : m.targets) {
      summary += (&t == &m.targets.front()) ? " → " : ", ";
      summary += t.host + " (" + std::to_string(t.preference) + ")";
    }
    Event e;
    e.kind = EventKind::Note;
    e.summary = std::move(summary);
    e.explain = "dns.mx_selection";
    e.rfc = "RFC 5321 §5.1";
    e.with("domain", domain).with("status", std::string(to_string(status))).with("explanation", m.explanation);
    state->host.emit(std::move(e));
    const auto callback = std::move(done);
    callback(m);  // last: it may destroy the agent
  }

  void on_mx(const LookupResult& r) {
    switch (r.status) {
      case ResolveStatus::NxDomain:
        return finish(MxResolution::Status::NoDomain, r.explanation + "; mail to " + domain + " cannot be delivered");
      case ResolveStatus::ServFail:
      case ResolveStatus::Refused:
      case ResolveStatus::Truncated:
      case ResolveStatus::Malformed:
      case ResolveStatus::Timeout:
        return finish(MxResolution::Status::TempFail, "the MX lookup failed: " + r.explanation +
                                                          "; RFC 5321 §4.5.4.1 keeps the message queued for a retry");
      case ResolveStatus::Answer:
      case ResolveStatus::NoData: break;
    }
    std::vector<MxRecord> records;
    for (const auto& rr : r.records)
      if (const auto* mx = std::get_if<MxData>(&rr.data)) records.push_back(MxRecord{mx->preference, mx->exchange});
    // RFC 5321 §5.1: "If a CNAME record is found, the resulting name is processed as if
    // it were the initial name." So the implicit MX is the canonical name.
    plan = plan_mx(r.canonical_name, std::move(records), state->host.random(), state->order_mx);
    if (plan.kind == MxPlanKind::NullMx) return finish(MxResolution::Status::NoMail, plan.explanation);
    next_address(RecordType::A);
  }

  // Looks up `type` for the current target; A first, then AAAA, then the next target.
  void next_address(RecordType type) {
    if (target >= plan.targets.size()) return conclude();
    auto self = shared_from_this();
    state->lookup(plan.targets[target].host, type, [self, type](const LookupResult& r) { self->on_address(r, type); });
  }

  void on_address(const LookupResult& r, RecordType type) {
    MxTarget& t = plan.targets[target];
    if (r.status == ResolveStatus::Answer) {
      for (const auto& rr : r.records) {
        if (const auto* a = std::get_if<AddressV4>(&rr.data)) t.addresses.push_back(a->address);
        if (const auto* a = std::get_if<AddressV6>(&rr.data)) t.addresses.push_back(a->address);
      }
    } else if (r.status != ResolveStatus::NxDomain && r.status != ResolveStatus::NoData) {
      temp_failure = true;
      failures += "; " + to_string(type) + " " + t.host + ": " + r.explanation;
    }
    if (type == RecordType::A) return next_address(RecordType::Aaaa);
    ++target;
    next_address(RecordType::A);
  }

  void conclude() {
    std::size_t usable = 0;
    for (const auto& t : plan.targets) usable += t.addresses.empty() ? 0 : 1;
    if (usable > 0)
      return finish(MxResolution::Status::Ok, plan.explanation + "; " + std::to_string(usable) + " of " +
                                                  std::to_string(plan.targets.size()) + " have addresses" + failures);
    if (temp_failure)
      return finish(MxResolution::Status::TempFail,
                    "no mail host address could be found, and some lookups failed temporarily" + failures);
    // RFC 5321 §5.1: "If MX records are present, but none of them are usable, or the
    // implicit MX is unusable, this situation MUST be reported as an error."
    const std::string what = plan.kind == MxPlanKind::Implicit
                                 ? domain + " has no MX records and no A or AAAA records"
                                 : "none of the mail exchangers of " + domain + " has an A or AAAA record";
    finish(MxResolution::Status::NoDomain, what + ": RFC 5321 §5.1 says this \"MUST be reported as an error\"");
  }
};

}  // namespace

ResolverAgent::ResolverAgent(Host& host, Endpoint server)
    : state_(std::make_shared<State>(host, std::move(server))) {
  // The source port comes from the host's random source (RFC 5452 §9.2 asks for an
  // unpredictable one), within the ephemeral range.
  state_->port = static_cast<std::uint16_t>(
      ephemeral_port_min + host.random().uniform(static_cast<std::uint64_t>(ephemeral_port_max - ephemeral_port_min) + 1));
  std::weak_ptr<State> weak = state_;
  host.bind_datagram(state_->port, [weak](const Endpoint& from, std::string_view bytes) {
    if (auto self = weak.lock()) self->on_datagram(from, bytes);
  });
}

ResolverAgent::~ResolverAgent() {
  for (auto& [id, p] : state_->pending) state_->host.cancel(p.timer);
}

void ResolverAgent::lookup(std::string name, RecordType type, LookupCallback done) {
  state_->lookup(std::move(name), type, std::move(done));
}

void ResolverAgent::resolve_mx(std::string domain, MxCallback done) {
  auto job = std::make_shared<MxJob>();
  job->state = state_.get();
  job->domain = std::move(domain);
  job->done = std::move(done);
  job->start();
}

void ResolverAgent::enable_cache() { state_->cache_enabled = true; }
std::size_t ResolverAgent::cache_size() const { return state_->cache.size(); }

void ResolverAgent::set_order_mx(OrderMxFn order) { state_->order_mx = order != nullptr ? order : &order_mx; }

const Endpoint& ResolverAgent::server() const { return state_->server; }
std::uint16_t ResolverAgent::local_port() const { return state_->port; }
std::size_t ResolverAgent::pending() const { return state_->pending.size(); }

}  // namespace smtplab::dns
