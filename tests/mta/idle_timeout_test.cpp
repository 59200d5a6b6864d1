// tests/mta/idle_timeout_test.cpp — the receiving MTA's idle timer (RFC 5321 §4.5.3.2.7:
// "An SMTP server SHOULD have a timeout of at least 5 minutes while it is awaiting the
// next command from the sender"). The timer is set once and moved on lazily
// (InboundSession::arm_idle_timer), so these tests pin down that the 421 still comes
// exactly one timeout after the client's LAST command, and never earlier.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/trace.hpp"
#include "mda/mail_store.hpp"
#include "mta/mta.hpp"
#include "sim/sim_host.hpp"
#include "sim/simulator.hpp"

using namespace smtplab;

namespace {

constexpr TimeMs timeout_ms = 60'000;

// What the client heard and when; owned by the test (the simulator owns the handler).
struct Heard {
  std::vector<std::pair<TimeMs, std::string>> replies;
  bool closed = false;
};

// Sends each line at its own virtual time (after the connection opened), and notes
// when it hears what.
class TimedClient final : public StreamHandler {
 public:
  TimedClient(sim::Simulator& sim, Heard& heard, std::vector<std::pair<TimeMs, std::string>> lines)
      : sim_(sim), heard_(heard), lines_(std::move(lines)) {}
  void on_open(Stream& stream) override {
    for (const auto& [at_ms, line] : lines_)
      sim_.at(sim_.now() + at_ms, [&stream, text = line + "\r\n", heard = &heard_] {
        if (!heard->closed) stream.send(text);
      });
  }
  void on_data(Stream&, std::string_view bytes) override { heard_.replies.emplace_back(sim_.now(), std::string(bytes)); }
  void on_close(Stream&, CloseReason) override { heard_.closed = true; }

 private:
  sim::Simulator& sim_;
  Heard& heard_;
  std::vector<std::pair<TimeMs, std::string>> lines_;
};

struct World {
  Trace trace;
  sim::Simulator sim{11, trace};
  sim::SimHost& mx = sim.add_host("mx.lab.example", "198.51.100.25");
  sim::SimHost& client = sim.add_host("client.a.example", "192.0.2.10");
  mda::MemoryMailStore store;
  std::unique_ptr<mta::Mta> mta;
  World() {
    mta::MtaConfig config;
    config.host_name = "mx.lab.example";
    config.domains = {"lab.example"};
    config.users = {"bob"};
    config.idle_timeout_ms = timeout_ms;
    mta = std::make_unique<mta::Mta>(mx, config, store, Endpoint{"203.0.113.53", 53});
    mta->start();
  }
  // The time of the first reply whose text starts with `code`, or -1.
  static TimeMs heard_at(const Heard& heard, std::string_view code) {
    for (const auto& [at_ms, text] : heard.replies)
      if (text.rfind(code, 0) == 0 || text.find("\n" + std::string(code)) != std::string::npos) return at_ms;
    return -1;
  }
};

}  // namespace

TEST_CASE("idle timer: the 421 comes one timeout after the last command, not the first", "[mta][idle]") {
  World w;
  const TimeMs start_ms = w.sim.now();
  // EHLO at once, then NOOPs well inside the timeout each, then silence.
  Heard heard;
  w.client.connect(Endpoint{"198.51.100.25", 25},
                   std::make_unique<TimedClient>(w.sim, heard,
                                                 std::vector<std::pair<TimeMs, std::string>>{
                                                     {0, "EHLO client.a.example"},
                                                     {timeout_ms / 2, "NOOP"},
                                                     {timeout_ms - 1'000, "NOOP"},
                                                     {timeout_ms + 30'000, "NOOP"}}));
  w.sim.run();
  REQUIRE(heard.closed);
  const TimeMs last_noop_ms = start_ms + timeout_ms + 30'000;
  const TimeMs got_421_ms = World::heard_at(heard, "421");
  REQUIRE(got_421_ms > 0);
  // The 421 is sent when the timeout runs out, counted from the last command (plus the
  // link's delivery time both ways, a few milliseconds in the simulator).
  CHECK(got_421_ms >= last_noop_ms + timeout_ms);
  CHECK(got_421_ms < last_noop_ms + timeout_ms + 1'000);
  // Every NOOP was answered: the session did not time out early.
  std::size_t ok = 0;
  for (const auto& [at_ms, text] : heard.replies) ok += text.rfind("250", 0) == 0 ? 1 : 0;
  CHECK(ok == 4);  // EHLO and three NOOPs
}

TEST_CASE("idle timer: a client that never speaks is cut off after one timeout", "[mta][idle]") {
  World w;
  const TimeMs start_ms = w.sim.now();
  Heard heard;
  w.client.connect(Endpoint{"198.51.100.25", 25},
                   std::make_unique<TimedClient>(w.sim, heard, std::vector<std::pair<TimeMs, std::string>>{}));
  w.sim.run();
  REQUIRE(heard.closed);
  const TimeMs got_421_ms = World::heard_at(heard, "421");
  REQUIRE(got_421_ms > 0);
  CHECK(got_421_ms >= start_ms + timeout_ms);
  CHECK(got_421_ms < start_ms + timeout_ms + 1'000);
}
