// tests/scenario/fault_loader_test.cpp — [[fault]] entries: each kind loads into
// sim::FaultOptions, and each mistake is reported as file:line.
#include <catch2/catch.hpp>

#include <string>

#include "scenario/loader.hpp"

using namespace smtplab;

namespace {

const std::string world = R"([scenario]
title = "t"
[[host]]
name = "mx.b.example"
address = "198.51.100.25"
role = "mta"
[[host]]
name = "ns.example"
address = "203.0.113.53"
role = "dns"
)";  // 10 lines; the first [[fault]] starts at line 11

scenario::LoadResult load(const std::string& faults) { return scenario::load_scenario_text(world + faults, "f.toml"); }

}  // namespace

TEST_CASE("every [[fault]] kind loads into the simulator's fault options", "[scenario][fault]") {
  auto loaded = load(R"([[fault]]
kind = "host_down"
host = "mx.b.example"
from = "10s"
until = "6d"
[[fault]]
kind = "crash"
host = "mx.b.example"
at = "1h"
restart_after = "5m"
[[fault]]
kind = "link"
loss = 0.25
extra_delay = "20ms"
[[fault]]
kind = "refuse"
host = "mx.b.example"
first_attempts = 2
[[fault]]
kind = "reset"
host = "mx.b.example"
port = 25
after_bytes = 300
[[fault]]
kind = "dns"
name = "b.example"
answer = "timeout"
first_attempts = 1
[[fault]]
kind = "reply"
host = "mx.b.example"
stage = "rcpt"
reply = "450 4.7.1 Greylisted"
probability = 0.5
)");
  REQUIRE(loaded.scenario);
  const auto& f = loaded.scenario->faults;
  REQUIRE(f.host_down.size() == 1);
  CHECK(f.host_down[0].from_ms == 10'000);
  CHECK(f.host_down[0].until_ms == 6LL * 86'400'000);
  REQUIRE(f.crashes.size() == 1);
  CHECK(f.crashes[0].restart_after_ms == 300'000);
  REQUIRE(f.links.size() == 1);
  CHECK(f.links[0].host.empty());
  CHECK(f.links[0].loss_per_million == 250'000);
  CHECK(f.links[0].extra_delay_ms == 20);
  REQUIRE(f.connections.size() == 2);
  CHECK(f.connections[0].refuse);
  CHECK(f.connections[0].first_attempts == 2);
  CHECK_FALSE(f.connections[1].refuse);
  CHECK(f.connections[1].reset_after_bytes == 300);
  CHECK(f.connections[1].port == 25);
  REQUIRE(f.dns.size() == 1);
  CHECK(f.dns[0].kind == sim::DnsFaultKind::Timeout);
  REQUIRE(f.replies.size() == 1);
  CHECK(f.replies[0].probability_per_million == 500'000);
  CHECK(f.unsupported().empty());
  CHECK(loaded.scenario->fault_lines.front() == 11);
}

TEST_CASE("[[fault]] mistakes are reported with file:line", "[scenario][fault]") {
  CHECK(load("[[fault]]\nkind = \"meteor\"\n").error.rfind("f.toml:12: [[fault]] #1: unknown kind 'meteor'", 0) == 0);
  CHECK(load("[[fault]]\nkind = \"crash\"\nhost = \"nowhere\"\nat = \"1s\"\nrestart_after = \"1s\"\n")
            .error == "f.toml:13: [[fault]]: no host named 'nowhere' in this scenario");
  CHECK(load("[[fault]]\nkind = \"reply\"\nhost = \"mx.b.example\"\nstage = \"rcpt\"\nreply = \"250 ok\"\n")
            .error.rfind("f.toml:15: [[fault]] #1: reply must be a 4yz or 5yz reply", 0) == 0);
  CHECK(load("[[fault]]\nkind = \"reply\"\nhost = \"mx.b.example\"\nstage = \"quit\"\nreply = \"554 5.0.0 no\"\n")
            .error.rfind("f.toml:14: [[fault]] #1: stage is one of", 0) == 0);
  CHECK(load("[[fault]]\nkind = \"reply\"\nhost = \"mx.b.example\"\nstage = \"rcpt\"\nreply = \"450 5.7.1 mixed\"\n")
            .error.rfind("f.toml:15:", 0) == 0);  // RFC 3463 §2: class must match the code
  CHECK(load("[[fault]]\nkind = \"link\"\nloss = 1.5\n").error.rfind("f.toml:13: [[fault]] #1: 'loss' is a probability", 0) == 0);
  CHECK(load("[[fault]]\nkind = \"reset\"\nhost = \"mx.b.example\"\n").error.rfind("f.toml:11: [[fault]] #1: a reset needs", 0) == 0);
  CHECK(load("[[fault]]\nkind = \"host_down\"\nhost = \"mx.b.example\"\nfrom = \"1h\"\nuntil = \"1m\"\n")
            .error.rfind("f.toml:11: [[fault]] #1: 'until' must be later", 0) == 0);
  CHECK(load("[[fault]]\nkind = \"dns\"\nname = \"b.example\"\nanswer = \"nxdomain\"\nfirst_attempts = 2\n")
            .error.rfind("f.toml:11: [[fault]] #1: nxdomain needs", 0) == 0);
  CHECK(load("[[fault]]\nkind = \"refuse\"\nhost = \"mx.b.example\"\ntypo = 1\n").error.rfind("f.toml:14: unknown key 'typo'", 0) == 0);
}
