// tests/sim/faults_test.cpp — the faults of sim/faults.hpp that the simulator itself
// injects: refused connections, reset after N bytes, host crash and restart, link loss
// (retransmission delay on streams, lost datagrams), and the DNS fault counter. Each
// fault that fires must leave a `fault` event in the trace, and the same seed must give
// the same trace.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/trace.hpp"
#include "sim/simulator.hpp"

using namespace smtplab;
using namespace smtplab::sim;

namespace {

struct Log {
  std::vector<std::string> lines;
  std::string received;  // every byte the server got
};

std::string at(const Simulator& sim, const std::string& what) {
  return std::to_string(sim.now() - epoch_ms) + " " + what;
}

class Sink final : public StreamHandler {
 public:
  Sink(Simulator& sim, Log& log) : sim_(sim), log_(log) {}
  void on_open(Stream&) override { log_.lines.push_back(at(sim_, "server open")); }
  void on_data(Stream&, std::string_view bytes) override {
    log_.received += bytes;
    log_.lines.push_back(at(sim_, "server data " + std::string(bytes)));
  }
  void on_close(Stream&, CloseReason reason) override {
    log_.lines.push_back(at(sim_, "server close " + std::string(to_string(reason))));
  }

 private:
  Simulator& sim_;
  Log& log_;
};

class Sender final : public StreamHandler {
 public:
  Sender(Simulator& sim, Log& log, std::vector<std::string> script)
      : sim_(sim), log_(log), script_(std::move(script)) {}
  void on_open(Stream& s) override {
    log_.lines.push_back(at(sim_, "client open"));
    for (const auto& m : script_) s.send(m);
  }
  void on_data(Stream&, std::string_view) override {}
  void on_close(Stream&, CloseReason reason) override {
    log_.lines.push_back(at(sim_, "client close " + std::string(to_string(reason))));
  }

 private:
  Simulator& sim_;
  Log& log_;
  std::vector<std::string> script_;
};

std::vector<const TraceEvent*> faults_in(const Trace& trace, std::string_view kind) {
  std::vector<const TraceEvent*> out;
  for (const auto& e : trace.events())
    if (e.kind == EventKind::Fault && e.field("fault") == kind) out.push_back(&e);
  return out;
}

bool has(const Log& log, const std::string& line) {
  for (const auto& l : log.lines)
    if (l == line) return true;
  return false;
}

}  // namespace

TEST_CASE("fault: connections refused for the first N attempts although a server listens", "[sim][fault]") {
  Trace trace;
  FaultOptions faults;
  faults.connections.push_back({"srv", 25, /*refuse=*/true, 0, /*first_attempts=*/1});
  Simulator sim(1, trace, {.faults = faults});
  SimHost& cli = sim.add_host("cli", "192.0.2.1");
  SimHost& srv = sim.add_host("srv", "192.0.2.2");
  Log log;
  srv.listen(25, [&] { return std::make_unique<Sink>(sim, log); });
  cli.connect({"192.0.2.2", 25}, std::make_unique<Sender>(sim, log, std::vector<std::string>{"a"}));
  sim.run();
  CHECK(has(log, "10 client close refused"));
  CHECK_FALSE(has(log, "5 server open"));
  REQUIRE(faults_in(trace, "refused").size() == 1);
  CHECK(faults_in(trace, "refused")[0]->src == "srv");

  // The second attempt is not refused: first_attempts = 1.
  cli.connect({"192.0.2.2", 25}, std::make_unique<Sender>(sim, log, std::vector<std::string>{"b"}));
  sim.run();
  CHECK(log.received == "b");
  CHECK(faults_in(trace, "refused").size() == 1);
  CHECK(sim.open_connections() == 1);  // still open: nobody closed it
}

TEST_CASE("fault: reset after N bytes lets exactly N bytes through, then resets both ends", "[sim][fault]") {
  Trace trace;
  FaultOptions faults;
  faults.connections.push_back({"srv", 0, false, /*reset_after_bytes=*/6, 0});
  Simulator sim(1, trace, {.faults = faults});
  SimHost& cli = sim.add_host("cli", "192.0.2.1");
  SimHost& srv = sim.add_host("srv", "192.0.2.2");
  Log log;
  srv.listen(25, [&] { return std::make_unique<Sink>(sim, log); });
  cli.connect({"192.0.2.2", 25},
              std::make_unique<Sender>(sim, log, std::vector<std::string>{"DATA\r\n", "Hello\r\n", ".\r\n"}));
  sim.run();
  CHECK(log.received == "DATA\r\n");  // "Hello" and the final dot never arrive
  CHECK(has(log, "15 server close reset"));  // after the 6 bytes in flight
  CHECK(has(log, "15 client close reset"));
  REQUIRE(faults_in(trace, "reset").size() == 1);
  CHECK(faults_in(trace, "reset")[0]->summary.find("reset after 6 bytes") != std::string::npos);
  CHECK(sim.open_connections() == 0);
}

TEST_CASE("fault: a crash resets the host's streams; it is down until it restarts", "[sim][fault]") {
  Trace trace;
  FaultOptions faults;
  faults.crashes.push_back({"srv", /*at_ms=*/100, /*restart_after_ms=*/1000});
  Simulator sim(1, trace, {.faults = faults});
  SimHost& cli = sim.add_host("cli", "192.0.2.1");
  SimHost& srv = sim.add_host("srv", "192.0.2.2");
  Log log;
  srv.listen(25, [&] { return std::make_unique<Sink>(sim, log); });
  cli.connect({"192.0.2.2", 25}, std::make_unique<Sender>(sim, log, std::vector<std::string>{"x"}));
  sim.run(epoch_ms + 50);
  REQUIRE(sim.open_connections() == 1);
  sim.run(epoch_ms + 200);
  CHECK(has(log, "100 server close reset"));  // the crashed side stops at once
  CHECK(has(log, "105 client close reset"));  // the peer learns one link delay later
  CHECK(sim.open_connections() == 0);
  CHECK(faults_in(trace, "crash").size() == 1);
  CHECK(srv.is_down());

  // While down: a connection to it is refused, and it cannot connect anywhere.
  Log during;
  cli.connect({"192.0.2.2", 25}, std::make_unique<Sender>(sim, during, std::vector<std::string>{"y"}));
  srv.connect({"192.0.2.1", 25}, std::make_unique<Sender>(sim, during, std::vector<std::string>{"z"}));
  sim.run(epoch_ms + 1000);
  CHECK(has(during, "200 client close refused"));  // srv's own attempt, at once
  CHECK(has(during, "210 client close refused"));  // cli's attempt, after a round trip
  CHECK(during.received.empty());

  // After the restart it listens again (the listener, like an MTA's queue, survived).
  sim.run(epoch_ms + 1100);
  CHECK_FALSE(srv.is_down());
  Log after;
  srv.listen(25, [&] { return std::make_unique<Sink>(sim, after); });
  cli.connect({"192.0.2.2", 25}, std::make_unique<Sender>(sim, after, std::vector<std::string>{"again"}));
  sim.run();
  CHECK(after.received == "again");
}

TEST_CASE("fault: link loss delays stream bytes by retransmissions and drops datagrams", "[sim][fault]") {
  Trace trace;
  FaultOptions faults;
  faults.links.push_back({"srv", 0, per_million});  // every segment lost, every time
  Simulator sim(1, trace, {.faults = faults});
  SimHost& cli = sim.add_host("cli", "192.0.2.1");
  SimHost& srv = sim.add_host("srv", "192.0.2.2");
  Log log;
  srv.listen(25, [&] { return std::make_unique<Sink>(sim, log); });
  cli.connect({"192.0.2.2", 25}, std::make_unique<Sender>(sim, log, std::vector<std::string>{"x"}));
  bool got_datagram = false;
  srv.bind_datagram(53, [&](const Endpoint&, std::string_view) { got_datagram = true; });
  cli.send_datagram(5353, {"192.0.2.2", 53}, "q");
  sim.run();
  // Open at 10 ms (round trip), then the byte: 5 ms plus loss_retries_max timeouts.
  const TimeMs expected_ms = 10 + latency_default_ms + loss_retries_max * loss_retransmit_ms;
  CHECK(has(log, std::to_string(expected_ms) + " server data x"));
  CHECK_FALSE(got_datagram);
  CHECK(faults_in(trace, "loss").size() == 2);  // the segment, the datagram
}

TEST_CASE("fault: random loss is deterministic for a seed, and a run without loss draws nothing", "[sim][fault]") {
  auto run = [](std::uint64_t seed, std::uint32_t loss) {
    Trace trace;
    FaultOptions faults;
    faults.links.push_back({"", 0, loss});
    Simulator sim(seed, trace, {.faults = faults});
    SimHost& cli = sim.add_host("cli", "192.0.2.1");
    SimHost& srv = sim.add_host("srv", "192.0.2.2");
    Log log;
    srv.listen(25, [&] { return std::make_unique<Sink>(sim, log); });
    std::vector<std::string> script;
    for (int i = 0; i < 50; ++i) script.push_back("m" + std::to_string(i) + ";");
    cli.connect({"192.0.2.2", 25}, std::make_unique<Sender>(sim, log, script));
    sim.run();
    std::string all;
    for (const auto& l : log.lines) all += l + "\n";
    const std::uint64_t next = sim.random().next_u64();
    return std::make_tuple(all, faults_in(trace, "loss").size(), log.received, next);
  };
  const auto a = run(7, 300'000);
  const auto b = run(7, 300'000);
  CHECK(a == b);
  CHECK(std::get<1>(a) > 0);
  std::string expected;
  for (int i = 0; i < 50; ++i) expected += "m" + std::to_string(i) + ";";
  CHECK(std::get<2>(a) == expected);  // in order, nothing lost for good

  // Without loss the random source is untouched: its next value is the seed's first.
  SeededRandom fresh(7);
  CHECK(std::get<3>(run(7, 0)) == fresh.next_u64());
}

TEST_CASE("fault: the DNS fault counter fires for the first N queries of a name", "[sim][fault]") {
  DnsFaultCounter counter({{"", "b.example", DnsFaultKind::ServFail, 2},
                           {"", "c.example", DnsFaultKind::Timeout, 0},
                           {"", "d.example", DnsFaultKind::NxDomain, 0}});
  CHECK(counter.match("B.EXAMPLE.") != nullptr);
  CHECK(counter.match("b.example")->kind == DnsFaultKind::ServFail);
  CHECK(counter.match("b.example") == nullptr);  // the third query is answered
  for (int i = 0; i < 5; ++i) CHECK(counter.match("c.example")->kind == DnsFaultKind::Timeout);
  CHECK(counter.match("d.example") == nullptr);  // NXDOMAIN is applied to the zones
  CHECK(counter.match("a.example") == nullptr);
  CHECK(to_string(DnsFaultKind::NxDomain) == "nxdomain");
}
