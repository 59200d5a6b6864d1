// AUTH SCRAM-SHA-256 (RFC 7677) in the simulated world: a MUA with
// auth_mechanism = "scram-sha-256" submits to an MTA whose users are stored as PBKDF2
// hashes (their SCRAM keys are derived from them, smtp/user_db.hpp); a wrong password
// is refused with 535; a mechanism name the loader does not know is an error.
#include <catch2/catch.hpp>

#include <string>

#include "scenario/loader.hpp"
#include "scenario/runner.hpp"
#include "support/scenario_run.hpp"

using namespace smtplab;
using smtplab::testing::any_event_contains;

namespace {

std::string world_toml(const std::string& mua_password, const std::string& mechanism) {
  return R"(
[scenario]
title = "scram"
seed = 7
duration = "20m"
[[host]]
name = "alice-laptop"
address = "192.0.2.10"
role = "mua"
user = "alice@a.example"
submit_to = "smtp.a.example:587"
starttls = "require"
password = ")" + mua_password + R"("
auth_mechanism = ")" + mechanism + R"("
[[host]]
name = "smtp.a.example"
address = "192.0.2.25"
role = "mta"
domains = ["a.example", "b.example"]
users = ["bob"]
ports = [25, 587]
auth = true
passwords = { alice = "correct horse" }
[[send]]
at = "0s"
from = "alice@a.example"
to = ["bob@b.example"]
subject = "hello"
body = "sent after a SCRAM login"
)";
}

// These tests look at the trace; the scenario's own [[expect]] entries are not checked here.
scenario::RunOutcome run_text(const std::string& toml) {
  return testing::run_scenario_text(toml, "scram.toml", testing::Expectations::Ignore);
}

bool has_event(const scenario::RunOutcome& outcome, EventKind kind, const std::string& prefix) {
  for (const auto& e : outcome.document.events)
    if (e.kind == kind && e.summary.rfind(prefix, 0) == 0) return true;
  return false;
}

}  // namespace

TEST_CASE("a MUA logs in with SCRAM-SHA-256 and submits", "[scenario][tls][scram]") {
  const auto outcome = run_text(world_toml("correct horse", "scram-sha-256") + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
)");
  CHECK(outcome.expectations_met());
  CHECK(any_event_contains(outcome, "AUTH PLAIN LOGIN SCRAM-SHA-256"));  // the EHLO line inside TLS
  CHECK(has_event(outcome, EventKind::SmtpCommand, "AUTH SCRAM-SHA-256 "));
  CHECK(has_event(outcome, EventKind::SmtpReply, "235 2.7.0"));
  bool verified = false;
  for (const auto& e : outcome.document.events) verified = verified || e.explain == "auth.scram_server_final";
  CHECK(verified);
  CHECK_FALSE(any_event_contains(outcome, "correct horse"));
}

TEST_CASE("a wrong password over SCRAM-SHA-256 gets 535 and nothing is delivered", "[scenario][tls][scram]") {
  const auto outcome = run_text(world_toml("wrong horse", "scram-sha-256") + R"(
[[expect]]
mailbox = "bob@b.example"
count = 0
)");
  CHECK(outcome.expectations_met());
  CHECK(has_event(outcome, EventKind::SmtpCommand, "AUTH SCRAM-SHA-256 "));
  CHECK(has_event(outcome, EventKind::SmtpReply, "535 5.7.8"));
}

TEST_CASE("auth_mechanism is checked by the loader", "[scenario][scram]") {
  const auto loaded = scenario::load_scenario_text(world_toml("correct horse", "cram-md5"), "bad.toml");
  CHECK_FALSE(loaded.scenario);
  CHECK_THAT(loaded.error, Catch::Matchers::Contains("auth_mechanism"));
}
