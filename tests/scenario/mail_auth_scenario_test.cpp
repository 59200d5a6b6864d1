// SPF, DKIM and DMARC inside the simulated MTAs (mta/mail_auth.hpp): the receiving MTA
// defers its end-of-data reply, checks over real DNS datagrams, records an
// Authentication-Results field and applies DMARC's disposition; the sending MTA signs.
#include <catch2/catch.hpp>

#include <string>

#include "scenario/loader.hpp"
#include "scenario/runner.hpp"
#include "support/scenario_run.hpp"

using namespace smtplab;

namespace {

// a.example signs (seeded key, published automatically) and has SPF and DMARC records;
// mx.b.example checks. `sender` and `receiver` add keys to the two MTAs; `extra` adds
// hosts, records, faults and expectations.
std::string world(const std::string& sender, const std::string& receiver, const std::string& extra,
                  const std::string& a_records = "TXT = [\"v=spf1 ip4:192.0.2.25 -all\"]",
                  const std::string& dmarc = "v=DMARC1; p=reject") {
  return R"(
[scenario]
title = "mail auth"
seed = 11
duration = "30m"
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
relay_from = ["192.0.2.10"]
)" + sender + R"(
[[host]]
name = "ns.example"
address = "203.0.113.53"
role = "dns"
[[host]]
name = "mx.b.example"
address = "198.51.100.25"
role = "mta"
domains = ["b.example"]
users = ["bob"]
)" + receiver + R"(
[dns."a.example"]
MX = [[10, "smtp.a.example"]]
)" + a_records + R"(
[dns."_dmarc.a.example"]
TXT = [")" + dmarc + R"("]
[dns."b.example"]
MX = [[10, "mx.b.example"]]
)" + extra;
}

const std::string legitimate_send = R"(
[[send]]
at = "0s"
from = "alice@a.example"
to = ["bob@b.example"]
subject = "hello"
body = "Lunch?"
)";

// Mallory, from his own address, claims to be alice@a.example.
std::string spoofer(const std::string& at = "0s", const std::string& after_dot = "\"QUIT\"") {
  return R"(
[[host]]
name = "mallory.evil.example"
address = "203.0.113.66"
role = "raw-client"
connect = "mx.b.example:25"
at = ")" + at + R"("
script = ["EHLO mallory.evil.example", "MAIL FROM:<alice@a.example>", "RCPT TO:<bob@b.example>", "DATA",
          "From: Alice <alice@a.example>", "Subject: pay me", "", "new bank details", ".", )" +
         after_dot + R"(]
)";
}

const std::string checks = "mail_auth = [\"spf\", \"dkim\", \"dmarc\"]\n";
const std::string signs = "dkim_sign = { selector = \"s1\", key_bits = 1024 }\n";

scenario::RunOutcome run_text(const std::string& toml) { return testing::run_scenario_text(toml, "mail_auth.toml"); }

bool has_reply(const scenario::RunOutcome& outcome, const std::string& src, const std::string& prefix) {
  for (const auto& e : outcome.document.events)
    if (e.kind == EventKind::SmtpReply && e.src == src && e.summary.rfind(prefix, 0) == 0) return true;
  return false;
}

// The content mx.b.example queued (the queue_change "enqueue" event carries the bytes).
std::string enqueued_at(const scenario::RunOutcome& outcome, const std::string& host) {
  for (const auto& e : outcome.document.events)
    if (e.kind == EventKind::QueueChange && e.src == host && e.field("action") == "enqueue") return e.bytes;
  return {};
}

std::size_t count_explain(const scenario::RunOutcome& outcome, const std::string& key) {
  std::size_t n = 0;
  for (const auto& e : outcome.document.events)
    if (e.explain == key) ++n;
  return n;
}

}  // namespace

TEST_CASE("signed mail from the SPF address passes SPF, DKIM and DMARC into the INBOX", "[scenario][mailauth]") {
  const auto outcome = run_text(world(signs, checks, legitimate_send + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Authentication-Results = "mx.b.example;*spf=pass*smtp.mailfrom=alice@a.example*dkim=pass header.d=a.example header.s=s1*dmarc=pass*header.from=a.example", DKIM-Signature = "*d=a.example*" }
[[expect]]
mailbox = "bob@b.example"
folder = "Junk"
count = 0
)"));
  // RFC 8601 §4 / RFC 5321 §4.4: our Received on top, then our Authentication-Results,
  // then the sender's signature and Received.
  const std::string content = enqueued_at(outcome, "mx.b.example");
  REQUIRE(content.rfind("Received: ", 0) == 0);
  const auto ar = content.find("\r\nAuthentication-Results: mx.b.example;");
  const auto sig = content.find("\r\nDKIM-Signature: ");
  REQUIRE(ar != std::string::npos);
  REQUIRE(sig != std::string::npos);
  CHECK(ar < sig);
  CHECK(content.find("Received: ", 10) > ar);  // the first Received is ours, above A-R
  // Every TXT lookup of the checks is a DNS datagram from mx.b.example.
  bool asked_key = false, asked_dmarc = false;
  for (const auto& e : outcome.document.events) {
    if (e.kind != EventKind::DnsQuery || e.src != "mx.b.example") continue;
    if (e.summary.find("s1._domainkey.a.example") != std::string::npos) asked_key = true;
    if (e.summary.find("_dmarc.a.example") != std::string::npos) asked_dmarc = true;
  }
  CHECK(asked_key);
  CHECK(asked_dmarc);
  CHECK(count_explain(outcome, "policy.mail_auth.start") == 1);
  // The sending MTA did not check its own user's mail: it signed it.
  CHECK(count_explain(outcome, "policy.mail_auth.skipped") == 0);
}

TEST_CASE("a spoofed From with SPF fail and no signature is rejected 550 5.7.1 by p=reject", "[scenario][mailauth]") {
  const auto outcome = run_text(world(signs, checks, spoofer() + R"(
[[expect]]
replies = ["550 5.7.1"]
host = "mx.b.example"
[[expect]]
mailbox = "bob@b.example"
count = 0
)"));
  CHECK(enqueued_at(outcome, "mx.b.example").empty());  // never committed
  bool said_why = false;
  for (const auto& e : outcome.document.events)
    if (e.kind == EventKind::SmtpReply && e.summary.find("DMARC policy of a.example is reject") != std::string::npos)
      said_why = true;
  CHECK(said_why);
}

TEST_CASE("p=quarantine accepts with 250 and files the message in Junk", "[scenario][mailauth]") {
  const auto outcome = run_text(world(signs, checks, spoofer() + R"(
[[expect]]
mailbox = "bob@b.example"
folder = "Junk"
count = 1
header = { Authentication-Results = "*spf=fail*dkim=none*dmarc=fail (p=quarantine dis=quarantine) header.from=a.example" }
[[expect]]
mailbox = "bob@b.example"
count = 0
)",
                                      "TXT = [\"v=spf1 ip4:192.0.2.25 -all\"]", "v=DMARC1; p=quarantine"));
  CHECK(has_reply(outcome, "mx.b.example", "250 2.0.0 Message accepted"));
  CHECK_FALSE(has_reply(outcome, "mx.b.example", "550"));
}

TEST_CASE("p=none records the failure and delivers to the INBOX", "[scenario][mailauth]") {
  run_text(world(signs, checks, spoofer() + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Authentication-Results = "*spf=fail*dmarc=fail (p=none dis=none)*" }
)",
                 "TXT = [\"v=spf1 ip4:192.0.2.25 -all\"]", "v=DMARC1; p=none"));
}

TEST_CASE("DKIM alone carries DMARC when the domain publishes no SPF record", "[scenario][mailauth]") {
  // The signing -> verifying round trip through the two simulated MTAs, with the key
  // made from the seed and published automatically.
  run_text(world(signs, checks, legitimate_send + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Authentication-Results = "*spf=none*dkim=pass header.d=a.example*dmarc=pass*" }
)",
                 ""));
}

TEST_CASE("an unpublished key gives dkim=permerror; without SPF either, p=reject rejects", "[scenario][mailauth]") {
  run_text(world("dkim_sign = { selector = \"s1\", key_bits = 1024, publish = false }\n", checks, legitimate_send + R"(
[[expect]]
replies = ["550 5.7.1"]
host = "mx.b.example"
[[expect]]
mailbox = "bob@b.example"
count = 0
)",
                 ""));
}

TEST_CASE("a DMARC lookup SERVFAIL: accepted by default, 451 4.7.0 when the scenario defers", "[scenario][mailauth]") {
  const std::string servfail = R"(
[[fault]]
kind = "dns"
name = "_dmarc.a.example"
answer = "servfail"
)";
  SECTION("default: accept, dmarc=temperror recorded") {
    run_text(world(signs, checks, spoofer() + servfail + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Authentication-Results = "*spf=fail*dmarc=temperror*" }
)"));
  }
  SECTION("mail_auth_temperror = defer: 451 4.7.0, nothing queued") {
    const auto outcome = run_text(world(signs, checks + "mail_auth_temperror = \"defer\"\n", spoofer() + servfail + R"(
[[expect]]
replies = ["451 4.7.0"]
host = "mx.b.example"
[[expect]]
mailbox = "bob@b.example"
count = 0
)"));
    CHECK(enqueued_at(outcome, "mx.b.example").empty());
  }
}

TEST_CASE("a client that disappears while the checks run never gets a 250, and nothing is queued",
          "[scenario][mailauth]") {
  // The DMARC query times out (the resolver retries for seconds); the spoofer's host
  // crashes meanwhile. RFC 5321 §4.1.1.4: no 250 was sent, so the message is not ours.
  const auto outcome = run_text(world(signs, checks, spoofer() + R"(
[[fault]]
kind = "dns"
name = "_dmarc.a.example"
answer = "timeout"
[[fault]]
kind = "crash"
host = "mallory.evil.example"
at = "1s"
restart_after = "10m"
[[expect]]
mailbox = "bob@b.example"
count = 0
)"));
  CHECK(count_explain(outcome, "policy.mail_auth.start") == 1);
  CHECK(count_explain(outcome, "policy.mail_auth.abandoned") == 1);
  CHECK(count_explain(outcome, "policy.mail_auth.disposition") == 0);  // the run was dropped
  CHECK(enqueued_at(outcome, "mx.b.example").empty());
  CHECK_FALSE(has_reply(outcome, "mx.b.example", "250 2.0.0 Message accepted"));
}

TEST_CASE("a forged Authentication-Results bearing our authserv-id is removed", "[scenario][mailauth]") {
  const auto outcome = run_text(world(signs, checks, R"(
[[host]]
name = "mallory.evil.example"
address = "203.0.113.66"
role = "raw-client"
connect = "mx.b.example:25"
script = ["EHLO mallory.evil.example", "MAIL FROM:<m@evil.example>", "RCPT TO:<bob@b.example>", "DATA",
          "Authentication-Results: mx.b.example; dmarc=pass header.from=bank.example",
          "Authentication-Results: other.example; spf=pass", "From: m@evil.example", "Subject: hi", "", "x", ".",
          "QUIT"]
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Authentication-Results = "mx.b.example;*dmarc=none*" }
)"));
  const std::string content = enqueued_at(outcome, "mx.b.example");
  CHECK(content.find("header.from=bank.example") == std::string::npos);
  CHECK(content.find("Authentication-Results: other.example; spf=pass") != std::string::npos);
}

TEST_CASE("scenario keys for mail_auth and dkim_sign are checked", "[scenario][mailauth]") {
  auto bad = scenario::load_scenario_text(world(signs, "mail_auth = [\"spf\", \"arc\"]\n", ""), "bad.toml");
  CHECK_FALSE(bad.scenario);
  CHECK(bad.error.find("mail_auth") != std::string::npos);
  auto no_selector = scenario::load_scenario_text(world("dkim_sign = { domain = \"a.example\" }\n", "", ""), "x.toml");
  CHECK_FALSE(no_selector.scenario);
  CHECK(no_selector.error.find("selector") != std::string::npos);
  auto small_key = scenario::load_scenario_text(world("dkim_sign = { selector = \"s\", key_bits = 512 }\n", "", ""),
                                                "y.toml");
  CHECK_FALSE(small_key.scenario);
  CHECK(small_key.error.find("RFC 8301") != std::string::npos);
}
