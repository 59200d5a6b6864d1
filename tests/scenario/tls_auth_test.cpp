// TLS and AUTH in the simulated world (issue 4 wired into scenarios): STARTTLS between
// MUA and MTA and between MTAs, AUTH on the submission port, certificate problems, the
// STARTTLS-stripping attacker of lesson 05, and the trace routing of handshake steps.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scenario/loader.hpp"
#include "scenario/runner.hpp"
#include "scenario/starttls_stripper.hpp"
#include "smtp/user_db.hpp"
#include "support/scenario_run.hpp"

using namespace smtplab;
using smtplab::testing::any_event_contains;

namespace {

// A sender MUA, its submission MTA and a receiving MTA; `sender_mta`, `receiver_mta` and
// `mua` are extra TOML lines for those hosts.
std::string world_toml(const std::string& mua, const std::string& sender_mta, const std::string& receiver_mta,
                       const std::string& extra = "") {
  return R"(
[scenario]
title = "tls"
seed = 7
duration = "20m"
[[host]]
name = "alice-laptop"
address = "192.0.2.10"
role = "mua"
user = "alice@a.example"
submit_to = "smtp.a.example:587"
)" + mua + R"(
[[host]]
name = "smtp.a.example"
address = "192.0.2.25"
role = "mta"
domains = ["a.example"]
ports = [25, 587]
)" + sender_mta + R"(
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
)" + receiver_mta + extra + R"(
[dns."b.example"]
MX = [[10, "mx.b.example"]]
[[send]]
at = "0s"
from = "alice@a.example"
to = ["bob@b.example"]
subject = "secret"
body = "the code is 4711"
)";
}

// These tests look at the trace; the scenario's own [[expect]] entries are not checked here.
scenario::RunOutcome run_text(const std::string& toml) {
  return testing::run_scenario_text(toml, "tls.toml", testing::Expectations::Ignore);
}

bool has_reply(const scenario::RunOutcome& outcome, const std::string& src, const std::string& prefix) {
  for (const auto& e : outcome.document.events)
    if (e.kind == EventKind::SmtpReply && e.src == src && e.summary.rfind(prefix, 0) == 0) return true;
  return false;
}

std::size_t count_kind(const scenario::RunOutcome& outcome, EventKind kind, const std::string& src,
                       const std::string& dst) {
  std::size_t n = 0;
  for (const auto& e : outcome.document.events)
    if (e.kind == kind && e.src == src && e.dst == dst) ++n;
  return n;
}

}  // namespace

TEST_CASE("submission over STARTTLS with AUTH, then relay over STARTTLS", "[scenario][tls]") {
  const std::string toml = world_toml(R"(password = "correct horse"
starttls = "require")",
                                      R"(auth = true
passwords = { alice = "correct horse" })",
                                      "") +
                           R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Received = "*by smtp.a.example*with ESMTPSA *" }
[[expect]]
mailbox = "bob@b.example"
header = { Received = "*by mx.b.example*with ESMTPS *" }
)";
  auto outcome = run_text(toml);
  CHECK(outcome.expectations_met());
  CHECK(has_reply(outcome, "smtp.a.example", "220 2.0.0"));
  CHECK(has_reply(outcome, "smtp.a.example", "235 2.7.0"));
  CHECK(has_reply(outcome, "mx.b.example", "220 2.0.0"));
  // Handshake messages are arrows between the hosts, recorded once (by the server).
  CHECK(count_kind(outcome, EventKind::TlsStep, "alice-laptop", "smtp.a.example") >= 2);  // ClientHello, ...
  CHECK(count_kind(outcome, EventKind::TlsStep, "smtp.a.example", "alice-laptop") >= 3);  // ServerHello, Certificate, ...
  CHECK(count_kind(outcome, EventKind::TlsStep, "smtp.a.example", "mx.b.example") >= 2);
  // The client side does not record the same messages again.
  std::size_t client_hellos = 0;
  for (const auto& e : outcome.document.events)
    if (e.kind == EventKind::TlsStep && !e.bytes.empty() && e.summary.find("ClientHello") != std::string::npos)
      ++client_hellos;
  CHECK(client_hellos == 2);  // one per connection: submission and relay
  // The SASL response is shown, masked: the password never appears in the trace.
  CHECK(count_kind(outcome, EventKind::AuthStep, "alice-laptop", "smtp.a.example") +
            count_kind(outcome, EventKind::SmtpCommand, "alice-laptop", "smtp.a.example") >
        0);
  CHECK_FALSE(any_event_contains(outcome, "correct horse"));
  CHECK_FALSE(any_event_contains(outcome, smtp::base64_encode(std::string("\0alice@a.example\0correct horse", 30))));
}

TEST_CASE("the submission port refuses MAIL without AUTH when the MTA has users", "[scenario][tls]") {
  // No password on the MUA: it submits over TLS but does not log in.
  const std::string toml = world_toml("", R"(auth = true
passwords = { alice = "correct horse" })",
                                      "") +
                           R"(
[[expect]]
mailbox = "bob@b.example"
count = 0
)";
  auto outcome = run_text(toml);
  CHECK(outcome.expectations_met());
  CHECK(has_reply(outcome, "smtp.a.example", "530 5.7.0"));
}

TEST_CASE("a wrong password gets 535 5.7.8 and the message is not relayed", "[scenario][tls]") {
  const std::string toml = world_toml(R"(password = "wrong")", R"(auth = true
passwords = { alice = "correct horse" })",
                                      "") +
                           R"(
[[expect]]
mailbox = "bob@b.example"
count = 0
)";
  auto outcome = run_text(toml);
  CHECK(outcome.expectations_met());
  CHECK(has_reply(outcome, "smtp.a.example", "535 5.7.8"));
}

TEST_CASE("AUTH is not offered before TLS unless auth_before_tls", "[scenario][tls]") {
  // The MUA does not use STARTTLS: it will not send its password in cleartext, and the
  // server would not take it (538 / not advertised).
  const std::string refused = world_toml(R"(password = "correct horse"
starttls = "off")",
                                         R"(auth = true
passwords = { alice = "correct horse" }
starttls = "off")",
                                         "") +
                              "[[expect]]\nmailbox = \"bob@b.example\"\ncount = 0\n";
  auto outcome = run_text(refused);
  CHECK(outcome.expectations_met());
  CHECK_FALSE(has_reply(outcome, "smtp.a.example", "235"));
}

TEST_CASE("starttls = off: no STARTTLS in the EHLO reply, mail goes as plain ESMTP", "[scenario][tls]") {
  const std::string toml = world_toml("", R"(relay_from = ["alice-laptop"])", R"(starttls = "off")") +
                           R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Received = "*by mx.b.example*with ESMTP *" }
)";
  auto outcome = run_text(toml);
  CHECK(outcome.expectations_met());
  CHECK_FALSE(has_reply(outcome, "mx.b.example", "220 2.0.0"));
  CHECK(count_kind(outcome, EventKind::TlsStep, "smtp.a.example", "mx.b.example") == 0);
}

TEST_CASE("certificate problems: opportunistic senders encrypt anyway, required senders wait", "[scenario][tls]") {
  for (const std::string certificate : {"expired", "self-signed", "wrong-name"}) {
    INFO(certificate);
    const std::string receiver = "certificate = \"" + certificate + "\"";
    const std::string opportunistic = world_toml("", R"(relay_from = ["alice-laptop"])", receiver) + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Received = "*by mx.b.example*with ESMTPS *" }
)";
    CHECK(run_text(opportunistic).expectations_met());
    const std::string required = world_toml("", R"(relay_from = ["alice-laptop"]
tls_client = "required")",
                                            receiver) +
                                 R"(
[[expect]]
mailbox = "bob@b.example"
count = 0
[[expect]]
queued = "smtp.a.example"
count = 1
)";
    CHECK(run_text(required).expectations_met());
  }
  // And a valid certificate satisfies a required sender.
  const std::string valid = world_toml("", R"(relay_from = ["alice-laptop"]
tls_client = "required")",
                                       "") +
                            "[[expect]]\nmailbox = \"bob@b.example\"\ncount = 1\n";
  CHECK(run_text(valid).expectations_met());
}

TEST_CASE("the STARTTLS stripper: opportunistic goes cleartext, required stays queued", "[scenario][tls]") {
  const std::string stripper = R"(
[[host]]
name = "mitm.example"
address = "203.0.113.66"
role = "starttls-stripper"
upstream = "mx.b.example:25"
)";
  auto with_mx_at_mitm = [&](std::string toml) {
    const std::string from = "MX = [[10, \"mx.b.example\"]]";
    toml.replace(toml.find(from), from.size(), "MX = [[10, \"mitm.example\"]]");
    return toml;
  };
  const std::string opportunistic = with_mx_at_mitm(world_toml("", R"(relay_from = ["alice-laptop"])", "", stripper)) + R"(
[[expect]]
mailbox = "bob@b.example"
count = 1
header = { Received = "*by mx.b.example*with ESMTP *" }
)";
  auto outcome = run_text(opportunistic);
  CHECK(outcome.expectations_met());
  CHECK(any_event_contains(outcome, "removed STARTTLS from the EHLO reply"));
  CHECK(any_event_contains(outcome, "the attacker read the whole message in cleartext"));
  CHECK(any_event_contains(outcome, "the code is 4711"));

  const std::string required =
      with_mx_at_mitm(world_toml("", R"(relay_from = ["alice-laptop"]
tls_client = "required")",
                                 "", stripper)) +
      R"(
[[expect]]
mailbox = "bob@b.example"
count = 0
[[expect]]
queued = "smtp.a.example"
count = 1
)";
  auto refused = run_text(required);
  CHECK(refused.expectations_met());
  CHECK_FALSE(any_event_contains(refused, "the attacker read the whole message in cleartext"));
  CHECK(any_event_contains(refused, "mitm.example: 454 4.7.0"));  // why it was not sent
}

TEST_CASE("EhloReplyFilter removes STARTTLS and keeps the reply well-formed", "[scenario][tls]") {
  SECTION("a middle line") {
    scenario::EhloReplyFilter filter;
    CHECK(filter.feed("250-mx.b.example\r\n250-STARTTLS\r\n250 SIZE 100\r\n") ==
          "250-mx.b.example\r\n250 SIZE 100\r\n");
    CHECK(filter.stripped());
  }
  SECTION("the last line: the new last line gets a space") {
    scenario::EhloReplyFilter filter;
    CHECK(filter.feed("250-mx.b.example\r\n250-PIPELINING\r\n250 starttls\r\n") ==
          "250-mx.b.example\r\n250 PIPELINING\r\n");
  }
  SECTION("split at any byte") {
    const std::string reply = "220 hi\r\n250-mx.b.example\r\n250-STARTTLS\r\n250 8BITMIME\r\n";
    for (std::size_t cut = 0; cut <= reply.size(); ++cut) {
      scenario::EhloReplyFilter filter;
      std::string out = filter.feed(reply.substr(0, cut));
      out += filter.feed(reply.substr(cut));
      CHECK(out == "220 hi\r\n250-mx.b.example\r\n250 8BITMIME\r\n");
    }
  }
  SECTION("other replies pass unchanged") {
    scenario::EhloReplyFilter filter;
    const std::string text = "250-a\r\n250-STARTTLSX\r\n250 b\r\n354 go\r\n";
    CHECK(filter.feed(text) == text);
    CHECK_FALSE(filter.stripped());
  }
  SECTION("a line without end does not grow the buffer without bound") {
    scenario::EhloReplyFilter filter;
    const std::string junk(scenario::stripper_line_buffer_max + 10, 'x');
    CHECK(filter.feed(junk) == junk);
  }
}

TEST_CASE("TLS scenario keys are checked", "[scenario][tls]") {
  auto error_of = [](const std::string& mta_line) {
    const std::string toml = "[scenario]\ntitle = \"x\"\n[[host]]\nname = \"m\"\naddress = \"192.0.2.1\"\nrole = \"mta\"\n" +
                             mta_line + "\n";
    return scenario::load_scenario_text(toml, "bad.toml").error;
  };
  CHECK(error_of("starttls = \"maybe\"").find("bad.toml:7:") == 0);
  CHECK(error_of("tls_client = \"always\"").find("tls_client must be one of") != std::string::npos);
  CHECK(error_of("certificate = \"revoked\"").find("certificate must be one of") != std::string::npos);
  CHECK(error_of("passwords = { alice = 3 }").find("passwords are strings") != std::string::npos);
  CHECK(error_of("passwords = { alice = \"x\" }").empty());
  auto ok = scenario::load_scenario_text(
      "[scenario]\ntitle = \"x\"\n[[host]]\nname = \"m\"\naddress = \"192.0.2.1\"\nrole = \"mta\"\n"
      "[[host.user]]\nname = \"carol\"\npassword = \"pw\"\n",
      "ok.toml");
  INFO(ok.error);
  REQUIRE(ok.scenario);
  REQUIRE(ok.scenario->hosts[0].passwords.size() == 1);
  CHECK(ok.scenario->hosts[0].users == std::vector<std::string>{"carol"});
}

TEST_CASE("lesson 05 holds and is deterministic", "[scenario][tls][lesson]") {
  const std::string path = std::string(SMTPLAB_SOURCE_DIR) + "/lessons/05-starttls";
  auto first = scenario::run_scenario_file(path, std::nullopt);
  INFO(first.error);
  REQUIRE(first.ok);
  for (const auto& r : first.document.expectations) INFO(r.description + ": " + r.detail);
  CHECK(first.expectations_met());
  auto second = scenario::run_scenario_file(path, std::nullopt);
  REQUIRE(second.document.events.size() == first.document.events.size());
  for (std::size_t i = 0; i < first.document.events.size(); ++i) {
    CHECK(first.document.events[i].summary == second.document.events[i].summary);
    CHECK(first.document.events[i].bytes == second.document.events[i].bytes);
  }
}
