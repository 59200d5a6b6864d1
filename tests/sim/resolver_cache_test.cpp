// Tests of the answer cache of dns::ResolverAgent (RFC 1035 §7.4, RFC 2181 §5.2,
// RFC 2308 §5), on the simulator: virtual time is what makes TTLs expire.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/trace.hpp"
#include "dns/resolver_agent.hpp"
#include "dns/server_agent.hpp"
#include "dns/zone.hpp"
#include "sim/simulator.hpp"

using namespace smtplab;
using namespace smtplab::dns;

namespace {

std::shared_ptr<Zones> lab_zones() {
  auto z = std::make_shared<Zones>();
  z->add_zone("example");
  for (const char* line : {"b.example MX 10 mx.b.example", "mx.b.example A 198.51.100.25"})
    if (auto error = z->add_line(line)) FAIL(*error);
  return z;
}

// A DNS server with b.example (MX 10 mx.b.example, A only: AAAA is NODATA) and an MTA
// host that asks it. Records get the zone's default TTL (record_ttl_default_s).
struct CacheWorld {
  Trace trace;
  sim::Simulator sim{7, trace};
  sim::SimHost& ns = sim.add_host("ns", "203.0.113.53");
  sim::SimHost& mta = sim.add_host("mx.a.example", "192.0.2.25");
  std::shared_ptr<Zones> zones = lab_zones();
  DnsServerAgent server{ns, zones};
  ResolverAgent resolver{mta, Endpoint{"203.0.113.53", dns_port}};

  // Resolves at virtual time `at_ms` (after the epoch) and runs until quiet.
  MxResolution resolve_at(TimeMs at_ms, const std::string& domain) {
    std::optional<MxResolution> got;
    sim.at(sim::epoch_ms + at_ms, [&] { resolver.resolve_mx(domain, [&](const MxResolution& m) { got = m; }); });
    sim.run();
    REQUIRE(got.has_value());
    return *got;
  }
  LookupResult lookup_at(TimeMs at_ms, const std::string& name, RecordType type) {
    std::optional<LookupResult> got;
    sim.at(sim::epoch_ms + at_ms, [&] { resolver.lookup(name, type, [&](const LookupResult& r) { got = r; }); });
    sim.run();
    REQUIRE(got.has_value());
    return *got;
  }
  std::size_t count(EventKind kind, std::size_t from = 0) const {
    std::size_t n = 0;
    for (std::size_t i = from; i < trace.events().size(); ++i) n += trace.events()[i].kind == kind ? 1 : 0;
    return n;
  }
  std::vector<const TraceEvent*> hits(std::size_t from = 0) const {
    std::vector<const TraceEvent*> out;
    for (std::size_t i = from; i < trace.events().size(); ++i)
      if (trace.events()[i].explain == "dns.cache_hit") out.push_back(&trace.events()[i]);
    return out;
  }
};

}  // namespace

TEST_CASE("without enable_cache every resolution goes to the server", "[sim][dns][cache]") {
  CacheWorld w;
  w.resolve_at(0, "b.example");
  w.resolve_at(1000, "b.example");
  CHECK(w.count(EventKind::DnsQuery) == 6);  // MX, A, AAAA twice
  CHECK(w.hits().empty());
  CHECK(w.resolver.cache_size() == 0);
}

TEST_CASE("a second resolution within the TTL is answered from the cache (RFC 1035 §7.4)", "[sim][dns][cache]") {
  CacheWorld w;
  w.resolver.enable_cache();
  const MxResolution first = w.resolve_at(0, "b.example");
  REQUIRE(first.status == MxResolution::Status::Ok);
  CHECK(w.count(EventKind::DnsQuery) == 3);
  // MX and A positive, AAAA negative (NODATA with the zone's SOA): all three cached.
  CHECK(w.resolver.cache_size() == 3);

  const std::size_t mark = w.trace.events().size();
  const MxResolution second = w.resolve_at(100'000, "B.EXAMPLE");  // names compare case-insensitively
  CHECK(second.status == MxResolution::Status::Ok);
  CHECK(second.targets == first.targets);
  CHECK(w.count(EventKind::DnsQuery, mark) == 0);
  CHECK(w.count(EventKind::DnsAnswer, mark) == 0);
  const auto hits = w.hits(mark);
  REQUIRE(hits.size() == 3);
  CHECK(hits[0]->field("qtype") == "MX");
  CHECK(hits[0]->rfc == "RFC 1035 §7.4");
  // 300 s TTL, asked 100 s later (plus the first lookup's few ms): 200 s left.
  CHECK(hits[0]->field("ttl_left_s") == "200");
  CHECK(hits[0]->summary.find("answered from cache: MX? B.EXAMPLE") == 0);
  CHECK(hits[2]->field("qtype") == "AAAA");
  CHECK(hits[2]->field("status") == "nodata");
}

TEST_CASE("cached records are handed out with the TTL they have left", "[sim][dns][cache]") {
  CacheWorld w;
  w.resolver.enable_cache();
  const LookupResult fresh = w.lookup_at(0, "mx.b.example", RecordType::A);
  REQUIRE(fresh.status == ResolveStatus::Answer);
  REQUIRE(fresh.records.size() == 1);
  CHECK(fresh.records[0].ttl_s == record_ttl_default_s);
  const LookupResult cached = w.lookup_at(120'000, "mx.b.example", RecordType::A);
  REQUIRE(cached.records.size() == 1);
  CHECK(cached.records[0].ttl_s == record_ttl_default_s - 120);
  CHECK(cached.attempts == 0);  // nothing was sent
}

TEST_CASE("an expired answer is asked for again", "[sim][dns][cache]") {
  CacheWorld w;
  w.resolver.enable_cache();
  w.lookup_at(0, "mx.b.example", RecordType::A);
  w.lookup_at((record_ttl_default_s + 1) * 1000, "mx.b.example", RecordType::A);
  CHECK(w.count(EventKind::DnsQuery) == 2);
  CHECK(w.hits().empty());
}

TEST_CASE("NXDOMAIN is cached for the SOA's negative TTL (RFC 2308 §5)", "[sim][dns][cache]") {
  CacheWorld w;
  w.resolver.enable_cache();
  CHECK(w.lookup_at(0, "nobody.example", RecordType::Mx).status == ResolveStatus::NxDomain);
  CHECK(w.lookup_at(10'000, "nobody.example", RecordType::Mx).status == ResolveStatus::NxDomain);
  CHECK(w.count(EventKind::DnsQuery) == 1);
  REQUIRE(w.hits().size() == 1);
  CHECK(w.hits()[0]->field("status") == "nxdomain");
  // Past the negative TTL (the synthesized SOA's, negative_ttl_default_s) we ask again.
  w.lookup_at((negative_ttl_default_s + 11) * 1000, "nobody.example", RecordType::Mx);
  CHECK(w.count(EventKind::DnsQuery) == 2);
}

TEST_CASE("a timeout is not cached", "[sim][dns][cache]") {
  Trace trace;
  sim::Simulator sim{7, trace};
  sim::SimHost& mta = sim.add_host("mx.a.example", "192.0.2.25");
  ResolverAgent resolver{mta, Endpoint{"203.0.113.99", dns_port}};  // nobody there
  resolver.enable_cache();
  int timeouts = 0;
  for (int i = 0; i < 2; ++i) {
    resolver.lookup("b.example", RecordType::Mx, [&](const LookupResult& r) {
      timeouts += r.status == ResolveStatus::Timeout ? 1 : 0;
    });
    sim.run();
  }
  CHECK(timeouts == 2);
  CHECK(resolver.cache_size() == 0);
}

TEST_CASE("the cache holds at most cache_entries_max answers", "[sim][dns][cache]") {
  CacheWorld w;
  w.resolver.enable_cache();
  const std::size_t names = cache_entries_max + 50;
  std::size_t answered = 0;
  for (std::size_t i = 0; i < names; ++i) {
    if (i % 200 == 0) w.sim.run();  // keep fewer than lookups_pending_max in flight
    w.resolver.lookup("n" + std::to_string(i) + ".example", RecordType::A, [&](const LookupResult&) { ++answered; });
  }
  w.sim.run();
  CHECK(answered == names);
  CHECK(w.resolver.cache_size() == cache_entries_max);
}
