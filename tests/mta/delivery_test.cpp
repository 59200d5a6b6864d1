// The MTA as a whole, in the simulator: relaying through MX records, falling back to
// the next MX, retrying, and returning what cannot be delivered to its sender.
#include <catch2/catch.hpp>

#include <string>

#include "scenario/loader.hpp"
#include "scenario/runner.hpp"
#include "support/scenario_run.hpp"

using namespace smtplab;
using smtplab::testing::count_kind;

namespace {

// Alice's laptop submits to smtp.a.example, which relays to b.example. `tail` adds
// hosts, DNS records, sends and expectations.
const std::string world = R"(
[scenario]
title = "mta test"
seed = 7
[[host]]
name = "alice-laptop"
address = "192.0.2.10"
role = "mua"
user = "alice@a.example"
submit_to = "smtp.a.example:587"
[[host]]
name = "smtp.a.example"
address = "192.0.2.25"
role = "mta"
domains = ["a.example"]
users = ["alice"]
ports = [25, 587]
relay_from = ["alice-laptop"]
[[host]]
name = "ns.example"
address = "203.0.113.53"
role = "dns"
[dns."a.example"]
MX = [[10, "smtp.a.example"]]
)";

scenario::RunOutcome run(const std::string& tail) { return testing::run_scenario_text(world + tail); }

const TraceEvent* first(const scenario::RunOutcome& o, EventKind kind, std::string_view contains) {
  for (const auto& e : o.document.events)
    if (e.kind == kind && e.summary.find(contains) != std::string::npos) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("an unknown user at the destination is bounced to the sender with an RFC 3464 report", "[mta]") {
  const auto o = run(R"(
[[host]]
name = "mx.b.example"
address = "198.51.100.25"
role = "mta"
domains = ["b.example"]
users = ["bob"]
[dns."b.example"]
MX = [[10, "mx.b.example"]]
[[send]]
from = "alice@a.example"
to = ["bob@b.example", "nobody@b.example"]
subject = "Hello"
body = "Hi"
[[expect]]
mailbox = "bob@b.example"
count = 1
[[expect]]
mailbox = "alice@a.example"
count = 1
header = { Subject = "Undelivered Mail Returned to Sender", "Content-Type" = "multipart/report; report-type=delivery-status*", "Return-Path" = "<>" }
body = "*Final-Recipient: rfc822; nobody@b.example*Action: failed*Status: 5.1.1*"
[[expect]]
queue_empty = "smtp.a.example"
)");
  // The submission server accepted both (it cannot know b.example's users); the final
  // MX refused nobody@ at RCPT; the bounce went back with a null reverse-path.
  CHECK(count_kind(o, EventKind::Bounce, "bounce") == 1);
  CHECK(count_kind(o, EventKind::SmtpReply, "550 5.1.1") == 1);
}

TEST_CASE("when the first MX does not answer, the next MX gets the mail (RFC 5321 §5.1)", "[mta]") {
  const auto o = run(R"(
[[host]]
name = "mx2.b.example"
address = "198.51.100.26"
role = "mta"
domains = ["b.example"]
users = ["bob"]
[dns."b.example"]
MX = [[10, "mx1.b.example"], [20, "mx2.b.example"]]
[dns."mx1.b.example"]
A = "198.51.100.99"
[[send]]
from = "alice@a.example"
to = ["bob@b.example"]
subject = "Fallback"
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Received = "*by mx2.b.example*" }
[[expect]]
queue_empty = "smtp.a.example"
)");
  // mx1 has an address but nothing answers there: the attempt times out first.
  const TraceEvent* timeout = first(o, EventKind::ConnOpen, "198.51.100.99");
  REQUIRE(timeout != nullptr);
  CHECK(timeout->field("result") == "timed_out");
  CHECK(first(o, EventKind::Delivery, "bob") != nullptr);
}

TEST_CASE("an unreachable destination is retried every 30 minutes, then bounced after 5 days", "[mta]") {
  const auto o = run(R"(
[dns."b.example"]
MX = [[10, "mx.b.example"]]
[dns."mx.b.example"]
A = "198.51.100.99"
[[send]]
from = "alice@a.example"
to = ["bob@b.example"]
subject = "Into the void"
[[expect]]
mailbox = "alice@a.example"
count = 1
body = "*Status: 5.4.7*"
[[expect]]
queue_empty = "smtp.a.example"
)");
  // RFC 5321 §4.5.4.1: retries at least 30 minutes apart, give up after 4-5 days.
  const std::size_t defers = count_kind(o, EventKind::QueueChange, "defer");
  CHECK(defers >= 200);
  CHECK(defers <= 241);
  const TraceEvent* bounce = first(o, EventKind::Bounce, "bounce");
  REQUIRE(bounce != nullptr);
  const TimeMs elapsed = bounce->time_ms - o.document.events.front().time_ms;
  CHECK(elapsed >= 4LL * 24 * 3600 * 1000);
  CHECK(elapsed <= 5LL * 24 * 3600 * 1000 + 3600 * 1000);
}

TEST_CASE("a domain that does not exist fails at once with 550 5.1.2", "[mta]") {
  const auto o = run(R"(
[[send]]
from = "alice@a.example"
to = ["bob@nowhere.example"]
subject = "No such domain"
[[expect]]
mailbox = "alice@a.example"
count = 1
body = "*Status: 5.1.2*"
)");
  CHECK(count_kind(o, EventKind::QueueChange, "defer") == 0);
}

TEST_CASE("a bounce that cannot be delivered is not bounced again (RFC 5321 §4.5.5)", "[mta]") {
  // The sender's own domain does not exist either: the bounce fails and is dropped
  // with a trace event, instead of looping.
  const auto o = run(R"(
[[send]]
from = "ghost@gone.example"
to = ["bob@nowhere.example"]
subject = "Double failure"
[[expect]]
queue_empty = "smtp.a.example"
)");
  CHECK(count_kind(o, EventKind::Bounce, "bounce Q") == 1);
  CHECK(count_kind(o, EventKind::Bounce, "no bounce") == 1);
}
