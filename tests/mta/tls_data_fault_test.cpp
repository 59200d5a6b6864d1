// The last injected faults, end to end in the simulator: a TLS handshake that fails at
// the receiving MX (handshake_failure alert, or a certificate the client rejects), and
// a failure reply to the DATA command. Each test checks that the message is delivered
// once the fault stops, or bounced when the reply is permanent, and never lost.
#include <catch2/catch.hpp>

#include <string>

#include "scenario/loader.hpp"
#include "scenario/runner.hpp"
#include "support/scenario_run.hpp"

using namespace smtplab;
using smtplab::testing::count_kind;

namespace {

// Alice submits to smtp.a.example, which relays to mx.b.example. `sender_tls` is the
// relay's tls_client; `tail` adds faults, sends and expectations.
std::string world(const std::string& sender_tls) {
  return R"(
[scenario]
title = "tls and data faults"
seed = 11
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
tls_client = ")" + sender_tls + R"("
[[host]]
name = "mx.b.example"
address = "198.51.100.25"
role = "mta"
domains = ["b.example"]
users = ["bob", "carol"]
[[host]]
name = "ns.example"
address = "203.0.113.53"
role = "dns"
[dns."a.example"]
MX = [[10, "smtp.a.example"]]
[dns."b.example"]
MX = [[10, "mx.b.example"]]
)";
}

scenario::RunOutcome run(const std::string& text) { return testing::run_scenario_text(text); }

std::size_t count_notes(const scenario::RunOutcome& o) {
  std::size_t n = 0;
  for (const auto& e : o.document.events)
    if (e.kind == EventKind::Note && e.summary.find("not simulated") != std::string::npos) ++n;
  return n;
}

const std::string one_message = R"(
[[send]]
from = "alice@a.example"
to = ["bob@b.example"]
subject = "Through a fault"
)";

}  // namespace

TEST_CASE("TLS required: a handshake_failure alert defers the message, the retry delivers it", "[mta][fault][tls]") {
  const auto o = run(world("required") + R"(
[[fault]]
kind = "tls"
host = "mx.b.example"
failure = "handshake_failure"
first_attempts = 2
)" + one_message + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
[[expect]]
mailbox = "alice@a.example"
count = 0
[[expect]]
queue_empty = "smtp.a.example"
)");
  // Two handshakes were spoiled and shown as faults, with the alert on the wire.
  CHECK(count_kind(o, EventKind::Fault, "handshake_failure") == 2);
  CHECK(count_kind(o, EventKind::TlsStep, "handshake aborted") == 2);
  // RFC 5321 §4.5.4.1: each failure is a deferral (retry later), never cleartext.
  CHECK(count_kind(o, EventKind::QueueChange, "defer") >= 2);
  CHECK(count_kind(o, EventKind::Note, "without STARTTLS") == 0);
  CHECK(count_notes(o) == 0);  // the fault is simulated, not announced as unsupported
}

TEST_CASE("TLS required: a certificate no trusted CA signed defers the message, then it is delivered",
          "[mta][fault][tls]") {
  const auto o = run(world("required") + R"(
[[fault]]
kind = "tls"
host = "mx.b.example"
failure = "bad_certificate"
first_attempts = 1
)" + one_message + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
[[expect]]
queue_empty = "smtp.a.example"
)");
  CHECK(count_kind(o, EventKind::Fault, "self-signed") == 1);
  CHECK(count_kind(o, EventKind::QueueChange, "defer") >= 1);
}

TEST_CASE("opportunistic TLS: after a failed handshake the client reconnects without STARTTLS",
          "[mta][fault][tls]") {
  // The fault holds for the whole run: with TLS required the message could never go;
  // opportunistically it goes in cleartext at the first attempt (RFC 7435 §1.3).
  const auto o = run(world("opportunistic") + R"(
[[fault]]
kind = "tls"
host = "mx.b.example"
failure = "handshake_failure"
)" + one_message + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
[[expect]]
queue_empty = "smtp.a.example"
)");
  CHECK(count_kind(o, EventKind::Note, "without STARTTLS") == 1);
  CHECK(count_kind(o, EventKind::QueueChange, "defer") == 0);
}

TEST_CASE("opportunistic TLS accepts the bad certificate and encrypts anyway", "[mta][fault][tls]") {
  const auto o = run(world("opportunistic") + R"(
[[fault]]
kind = "tls"
host = "mx.b.example"
failure = "bad_certificate"
)" + one_message + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
)");
  CHECK(count_kind(o, EventKind::Fault, "self-signed") >= 1);
  CHECK(count_kind(o, EventKind::QueueChange, "defer") == 0);
}

TEST_CASE("451 at the DATA command: no 354, the message stays queued and the retry delivers it",
          "[mta][fault][data]") {
  const auto o = run(world("opportunistic") + R"(
[[fault]]
kind = "reply"
host = "mx.b.example"
stage = "data"
reply = "451 4.3.0 Try again later"
first_attempts = 1
)" + one_message + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
[[expect]]
mailbox = "alice@a.example"
count = 0
[[expect]]
queue_empty = "smtp.a.example"
)");
  CHECK(count_kind(o, EventKind::Fault, "at data") == 1);
  CHECK(count_kind(o, EventKind::SmtpReply, "451 4.3.0") == 1);
  CHECK(count_kind(o, EventKind::QueueChange, "defer") >= 1);
}

TEST_CASE("554 at the DATA command bounces every recipient that RCPT accepted", "[mta][fault][data]") {
  const auto o = run(world("opportunistic") + R"(
[[fault]]
kind = "reply"
host = "mx.b.example"
stage = "data"
reply = "554 5.7.1 Transaction refused"
[[send]]
from = "alice@a.example"
to = ["bob@b.example", "carol@b.example"]
subject = "Refused at DATA"
[[expect]]
mailbox = "bob@b.example"
count = 0
[[expect]]
mailbox = "carol@b.example"
count = 0
[[expect]]
mailbox = "alice@a.example"
count = 1
body = "*Final-Recipient: rfc822; bob@b.example*Status: 5.7.1*Final-Recipient: rfc822; carol@b.example*Status: 5.7.1*"
[[expect]]
queue_empty = "smtp.a.example"
)");
  CHECK(count_kind(o, EventKind::QueueChange, "defer") == 0);
  CHECK(count_kind(o, EventKind::SmtpReply, "554 5.7.1") == 1);
}

TEST_CASE("the loader reads [[fault]] kind = \"tls\" and stage = \"data\", and rejects bad values",
          "[mta][fault][loader]") {
  auto ok = scenario::load_scenario_text(world("required") + R"(
[[fault]]
kind = "tls"
host = "mx.b.example"
failure = "bad_certificate"
probability = 0.25
[[fault]]
kind = "reply"
host = "mx.b.example"
stage = "data"
reply = "452 4.3.1 Insufficient storage"
)",
                                          "ok.toml");
  INFO(ok.error);
  REQUIRE(ok.scenario);
  REQUIRE(ok.scenario->faults.tls.size() == 1);
  CHECK(ok.scenario->faults.tls[0].kind == sim::TlsFaultKind::BadCertificate);
  CHECK(ok.scenario->faults.tls[0].probability_per_million == 250'000);
  CHECK(ok.scenario->faults.unsupported().empty());

  auto bad_kind = scenario::load_scenario_text(world("required") + R"(
[[fault]]
kind = "tls"
host = "mx.b.example"
failure = "expired"
)",
                                                "bad.toml");
  CHECK_FALSE(bad_kind.scenario);
  CHECK(bad_kind.error.find("handshake_failure, bad_certificate") != std::string::npos);

  auto no_host = scenario::load_scenario_text(world("required") + R"(
[[fault]]
kind = "tls"
host = "mx.c.example"
failure = "handshake_failure"
)",
                                               "nohost.toml");
  CHECK_FALSE(no_host.scenario);
}
