// Tests of dns/resolver_agent and dns/server_agent on a tiny fake network: hosts that
// hand datagrams to each other through one event queue ordered by (time, sequence).
// It stands in for the simulator (reference/sim), which these tests must not need.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/host.hpp"
#include "dns/resolver_agent.hpp"
#include "dns/server_agent.hpp"

using namespace smtplab;
using namespace smtplab::dns;

namespace {

class FakeHost;

// The event queue and the wires between hosts. Every datagram takes link_delay_ms.
struct FakeNet : Clock {
  static constexpr TimeMs link_delay_ms = 10;
  struct Item {
    TimeMs at;
    std::uint64_t seq;
    std::function<void()> run;
  };
  TimeMs now = 0;
  std::uint64_t next_seq = 1;
  std::map<std::pair<TimeMs, std::uint64_t>, std::function<void()>> queue;
  std::set<std::uint64_t> cancelled;
  std::map<std::string, FakeHost*> by_address;
  Trace trace;
  // Return true to lose the datagram.
  std::function<bool(const Endpoint& from, const Endpoint& to, std::string_view bytes)> lose;

  TimeMs now_ms() const override { return now; }

  std::uint64_t post(TimeMs delay_ms, std::function<void()> fn) {
    const std::uint64_t seq = next_seq++;
    queue.emplace(std::make_pair(now + delay_ms, seq), std::move(fn));
    return seq;
  }
  void deliver(const Endpoint& from, const Endpoint& to, std::string bytes);
  // Runs until the queue is empty (bounded, so a bug cannot hang the test).
  void run() {
    for (int steps = 0; !queue.empty() && steps < 100000; ++steps) {
      auto node = queue.extract(queue.begin());
      if (cancelled.erase(node.key().second) > 0) continue;  // a cancelled timer does not move time
      now = node.key().first;
      node.mapped()();
    }
  }
};

class FakeHost final : public Host {
 public:
  FakeHost(FakeNet& net, std::string name, std::string address, std::uint64_t seed)
      : net_(net), name_(std::move(name)), address_(std::move(address)), random_(seed) {
    net_.by_address[address_] = this;
  }
  const std::string& name() const override { return name_; }
  const std::string& address() const override { return address_; }
  void listen(std::uint16_t, StreamHandlerFactory) override {}
  void connect(const Endpoint&, std::unique_ptr<StreamHandler>) override {}
  void bind_datagram(std::uint16_t port, DatagramHandler handler) override { handlers_[port] = std::move(handler); }
  void send_datagram(std::uint16_t local_port, const Endpoint& remote, std::string_view bytes) override {
    net_.deliver(Endpoint{address_, local_port}, remote, std::string(bytes));
  }
  TimerId schedule(TimeMs delay_ms, std::function<void()> callback) override {
    return net_.post(delay_ms, std::move(callback));
  }
  void cancel(TimerId timer) override { net_.cancelled.insert(timer); }
  const Clock& clock() const override { return net_; }
  Random& random() override { return random_; }
  void emit(Event event, std::string_view dst, std::uint64_t conn, std::string_view src) override {
    TraceEvent t;
    static_cast<Event&>(t) = std::move(event);
    t.time_ms = net_.now;
    t.src = src.empty() ? name_ : std::string(src);
    t.dst = dst.empty() ? name_ : std::string(dst);
    t.conn = conn;
    net_.trace.record(std::move(t));
  }
  void receive(const Endpoint& from, std::uint16_t port, std::string_view bytes) {
    if (const auto it = handlers_.find(port); it != handlers_.end()) it->second(from, bytes);
  }

 private:
  FakeNet& net_;
  std::string name_, address_;
  SeededRandom random_;
  std::map<std::uint16_t, DatagramHandler> handlers_;
};

void FakeNet::deliver(const Endpoint& from, const Endpoint& to, std::string bytes) {
  if (lose && lose(from, to, bytes)) return;
  post(link_delay_ms, [this, from, to, bytes = std::move(bytes)]() {
    if (const auto it = by_address.find(to.address); it != by_address.end()) it->second->receive(from, to.port, bytes);
  });
}

std::shared_ptr<Zones> lab_zones() {
  auto z = std::make_shared<Zones>();
  for (const char* line : {
           "b.example MX 10 mx.b.example", "b.example MX 20 backup.b.example", "mx.b.example A 198.51.100.25",
           "backup.b.example A 198.51.100.26", "backup.b.example AAAA 2001:db8::26", "c.example A 192.0.2.30",
           "nomail.example MX 0 .", "broken.example MX 10 noaddress.broken.example",
           "noaddress.broken.example TXT no address here", "onlytxt.example v=spf1 -all"})
    REQUIRE_FALSE(z->add_line(line));
  return z;
}

// One world: a DNS server and an MTA host that asks it.
struct World {
  FakeNet net;
  FakeHost ns{net, "ns", "203.0.113.53", 1};
  FakeHost mta{net, "mx.a.example", "192.0.2.25", 2};
  DnsServerAgent server{ns, lab_zones()};
  std::optional<ResolverAgent> resolver;
  World() { resolver.emplace(mta, Endpoint{"203.0.113.53", dns_port}); }

  MxResolution resolve(const std::string& domain) {
    std::optional<MxResolution> got;
    resolver->resolve_mx(domain, [&](const MxResolution& m) { got = m; });
    CHECK_FALSE(got.has_value());  // never called back from inside resolve_mx
    net.run();
    REQUIRE(got.has_value());
    return *got;
  }
  std::vector<const TraceEvent*> events(EventKind kind) const {
    std::vector<const TraceEvent*> out;
    for (const auto& e : net.trace.events())
      if (e.kind == kind) out.push_back(&e);
    return out;
  }
};

}  // namespace

TEST_CASE("resolve_mx: MX, then A and AAAA per exchange, in preference order (RFC 5321 §5.1)", "[dns][agents]") {
  World w;
  const MxResolution m = w.resolve("b.example");
  CHECK(m.status == MxResolution::Status::Ok);
  CHECK(m.kind == MxPlanKind::Listed);
  REQUIRE(m.targets.size() == 2);
  CHECK(m.targets[0] == MxTarget{"mx.b.example", 10, {"198.51.100.25"}});
  CHECK(m.targets[1] == MxTarget{"backup.b.example", 20, {"198.51.100.26", "2001:db8::26"}});

  const auto queries = w.events(EventKind::DnsQuery);
  const auto answers = w.events(EventKind::DnsAnswer);
  REQUIRE(queries.size() == 5);  // MX, A+AAAA for each of two hosts
  REQUIRE(answers.size() == 5);
  CHECK(queries[0]->summary == "MX? b.example");
  CHECK(queries[0]->src == "mx.a.example");
  CHECK(queries[0]->dst == "203.0.113.53");
  CHECK(queries[0]->field("qname") == "b.example");
  CHECK(queries[0]->field("qtype") == "MX");
  CHECK(queries[0]->explain == "dns.query");
  CHECK(queries[0]->rfc == "RFC 1035 §4.1");
  CHECK(decode(queries[0]->bytes).message->questions[0].name == "b.example");
  CHECK(answers[0]->summary == "MX b.example: 10 mx.b.example, 20 backup.b.example");
  CHECK(answers[0]->src == "ns");
  CHECK(answers[0]->dst == "192.0.2.25");
  CHECK(answers[0]->field("id") == queries[0]->field("id"));
  CHECK(answers[2]->summary == "NODATA AAAA mx.b.example");
  CHECK(w.resolver->pending() == 0);
}

TEST_CASE("resolve_mx outcomes: implicit MX, null MX, NXDOMAIN, no usable host", "[dns][agents]") {
  World w;
  const MxResolution implicit = w.resolve("c.example");
  CHECK(implicit.status == MxResolution::Status::Ok);
  CHECK(implicit.kind == MxPlanKind::Implicit);
  REQUIRE(implicit.targets.size() == 1);
  CHECK(implicit.targets[0] == MxTarget{"c.example", 0, {"192.0.2.30"}});

  const MxResolution null_mx = w.resolve("nomail.example");
  CHECK(null_mx.status == MxResolution::Status::NoMail);
  CHECK(null_mx.targets.empty());

  const MxResolution nx = w.resolve("nope.c.example");
  CHECK(nx.status == MxResolution::Status::NoDomain);
  CHECK(nx.explanation.find("NXDOMAIN") != std::string::npos);

  const MxResolution unusable = w.resolve("broken.example");
  CHECK(unusable.status == MxResolution::Status::NoDomain);
  CHECK(unusable.targets.empty());

  const MxResolution no_address = w.resolve("onlytxt.example");
  CHECK(no_address.status == MxResolution::Status::NoDomain);
  CHECK(no_address.kind == MxPlanKind::Implicit);

  // Outside the server's zones: REFUSED, which is no verdict on the domain.
  CHECK(w.resolve("elsewhere.example").status == MxResolution::Status::TempFail);
}

TEST_CASE("a silent server: three transmissions at 0, 2 and 6 s, TempFail at 14 s", "[dns][agents][timeout]") {
  World w;
  w.server.set_fault_hook([](const Question&) { return DnsServerAgent::FaultAction::Drop; });
  const MxResolution m = w.resolve("b.example");
  CHECK(m.status == MxResolution::Status::TempFail);
  const auto queries = w.events(EventKind::DnsQuery);
  REQUIRE(queries.size() == 3);
  CHECK(queries[0]->time_ms == 0);
  CHECK(queries[1]->time_ms == 2000);
  CHECK(queries[2]->time_ms == 6000);
  CHECK(queries[2]->field("attempt") == "3");
  CHECK(queries[0]->bytes == queries[2]->bytes);
  CHECK(w.net.now == 14000);
  CHECK(w.events(EventKind::Fault).size() == 3);
}

TEST_CASE("a lost first query is retransmitted and then answered", "[dns][agents][timeout]") {
  World w;
  int sent = 0;
  w.net.lose = [&](const Endpoint&, const Endpoint& to, std::string_view) { return to.port == dns_port && sent++ == 0; };
  std::optional<LookupResult> got;
  w.resolver->lookup("mx.b.example", RecordType::A, [&](const LookupResult& r) { got = r; });
  w.net.run();
  REQUIRE(got);
  CHECK(got->status == ResolveStatus::Answer);
  CHECK(got->attempts == 2);
  CHECK(w.net.now == 2000 + 2 * FakeNet::link_delay_ms);
}

TEST_CASE("SERVFAIL from the server is a temporary failure", "[dns][agents]") {
  World w;
  w.server.set_fault_hook([](const Question& q) {
    return q.type == RecordType::A ? DnsServerAgent::FaultAction::ServFail : DnsServerAgent::FaultAction::None;
  });
  const MxResolution m = w.resolve("b.example");
  // MX worked, every A failed; backup's AAAA still gives one usable target.
  CHECK(m.status == MxResolution::Status::Ok);
  REQUIRE(m.targets.size() == 1);
  CHECK(m.targets[0].host == "backup.b.example");
  CHECK(m.explanation.find("SERVFAIL") != std::string::npos);
  const MxResolution c = w.resolve("c.example");
  CHECK(c.status == MxResolution::Status::TempFail);
}

TEST_CASE("forged responses are ignored; the real one is used (RFC 5452 §9.1)", "[dns][agents][spoofing]") {
  World w;
  FakeHost attacker{w.net, "attacker", "198.18.0.66", 3};
  // The attacker sees each query and races the server with a forged answer, once from
  // its own address and once pretending to be the server but with a wrong ID.
  w.net.lose = [&](const Endpoint& from, const Endpoint& to, std::string_view bytes) {
    if (to.port != dns_port || from.address == attacker.address()) return false;
    Message forged = decode(bytes).message.value();
    forged.header.qr = true;
    ResourceRecord evil;
    evil.name = forged.questions[0].name;
    evil.type = RecordType::A;
    evil.data = AddressV4{"198.18.0.66"};
    forged.answers.push_back(evil);
    w.net.post(1, [&w, from, forged]() {
      w.net.by_address.at(from.address)->receive(Endpoint{"198.18.0.66", dns_port}, from.port, encode(forged));
    });
    Message wrong_id = forged;
    wrong_id.header.id = static_cast<std::uint16_t>(forged.header.id + 1);
    w.net.post(2, [&w, from, wrong_id]() {
      w.net.by_address.at(from.address)->receive(Endpoint{"203.0.113.53", dns_port}, from.port, encode(wrong_id));
    });
    return false;
  };
  std::optional<LookupResult> got;
  w.resolver->lookup("mx.b.example", RecordType::A, [&](const LookupResult& r) { got = r; });
  w.net.run();
  REQUIRE(got);
  CHECK(got->data_texts() == std::vector<std::string>{"198.51.100.25"});
  int ignored = 0;
  for (const auto* e : w.events(EventKind::Note))
    if (e->explain == "dns.response_ignored") ++ignored;
  CHECK(ignored == 2);
}

TEST_CASE("the same seeds give the same trace, byte for byte", "[dns][agents][determinism]") {
  auto run = []() {
    World w;
    w.resolve("b.example");
    w.resolve("c.example");
    std::vector<std::string> lines;
    for (const auto& e : w.net.trace.events())
      lines.push_back(std::to_string(e.time_ms) + " " + e.src + ">" + e.dst + " " + e.summary + " " + e.bytes);
    return lines;
  };
  const auto first = run();
  CHECK(first.size() > 10);
  CHECK(first == run());
}

TEST_CASE("destroying the resolver with lookups in flight calls nothing back", "[dns][agents]") {
  World w;
  w.server.set_fault_hook([](const Question&) { return DnsServerAgent::FaultAction::Drop; });
  bool called = false;
  w.resolver->resolve_mx("b.example", [&](const MxResolution&) { called = true; });
  w.resolver.reset();
  w.net.run();
  CHECK_FALSE(called);
}

TEST_CASE("a callback may start the next lookup", "[dns][agents]") {
  World w;
  std::vector<std::string> seen;
  w.resolver->lookup("c.example", RecordType::A, [&](const LookupResult& first) {
    seen.push_back(first.data_texts().at(0));
    w.resolver->lookup("mx.b.example", RecordType::A,
                       [&](const LookupResult& second) { seen.push_back(second.data_texts().at(0)); });
  });
  w.net.run();
  CHECK(seen == std::vector<std::string>{"192.0.2.30", "198.51.100.25"});
}

TEST_CASE("an invalid domain name fails the lookup without a query, and without throwing", "[dns][agents]") {
  World w;
  const MxResolution m = w.resolve("bad..example");
  CHECK(m.status == MxResolution::Status::NoDomain);
  CHECK(m.explanation.find("not a valid domain name") != std::string::npos);
  CHECK(w.events(EventKind::DnsQuery).empty());
  std::optional<LookupResult> got;
  w.resolver->lookup(std::string(70, 'a') + ".example", RecordType::A, [&](const LookupResult& r) { got = r; });
  w.net.run();
  REQUIRE(got);
  CHECK(got->explanation.find("not a valid domain name") != std::string::npos);
}
