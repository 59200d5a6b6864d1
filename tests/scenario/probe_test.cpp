// Probing a running MTA with a raw client, as a student with `nc` would: every
// out-of-order or malformed command gets the reply RFC 5321 prescribes, and the session
// stays usable afterwards. These run the whole stack: simulator, MTA, SMTP engine.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "scenario/loader.hpp"
#include "scenario/runner.hpp"

using namespace smtplab;

namespace {

// Runs a raw client with `script` against mx.b.example and returns the first line of
// every reply the server sent, in order.
std::vector<std::string> probe(const std::vector<std::string>& script, const std::string& extra_mta = "") {
  std::string toml = R"(
[scenario]
title = "probe"
[[host]]
name = "student"
address = "192.0.2.10"
role = "raw-client"
connect = "mx.b.example:25"
script = [)";
  for (const auto& line : script) {
    std::string escaped;
    for (char c : line) escaped += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    toml += "\"" + escaped + "\",\n";
  }
  toml += R"(]
[[host]]
name = "mx.b.example"
address = "198.51.100.25"
role = "mta"
domains = ["b.example"]
users = ["bob"]
)" + extra_mta;
  auto loaded = scenario::load_scenario_text(toml, "probe.toml");
  REQUIRE(loaded.scenario);
  auto outcome = scenario::run_scenario(*loaded.scenario, std::nullopt);
  REQUIRE(outcome.ok);
  std::vector<std::string> replies;
  for (const auto& e : outcome.document.events)
    if (e.kind == EventKind::SmtpReply) replies.push_back(e.summary);
  return replies;
}

// The code and enhanced status of a reply line: "503 5.5.1 Send HELO..." -> "503 5.5.1";
// just the code when there is no status ("220 mx.b.example ESMTP" -> "220").
std::string code_of(const std::string& line) {
  const std::string candidate = line.substr(4, line.find(' ', 4) - 4);
  if (line.size() > 4 && EnhancedStatus::parse(candidate)) return line.substr(0, 4) + candidate;
  return line.substr(0, 3);
}

std::vector<std::string> codes(const std::vector<std::string>& replies) {
  std::vector<std::string> out;
  for (const auto& r : replies) out.push_back(r.size() > 3 && r[3] == '-' ? r.substr(0, 3) : code_of(r));
  return out;
}

}  // namespace

TEST_CASE("a command before HELO/EHLO gets 503 (RFC 5321 §4.1.4)", "[probe]") {
  const auto r = probe({"MAIL FROM:<a@a.example>", "HELO student.a.example", "QUIT"});
  CHECK(codes(r) == std::vector<std::string>{"220", "503", "250", "221"});
}

TEST_CASE("RCPT before MAIL, DATA without recipients and a nested MAIL get 503", "[probe]") {
  const auto r = probe({"EHLO student.a.example", "RCPT TO:<bob@b.example>", "DATA",
                        "MAIL FROM:<a@a.example>", "MAIL FROM:<a@a.example>", "DATA", "QUIT"});
  CHECK(codes(r) == std::vector<std::string>{"220", "250", "503 5.5.1", "503 5.5.1", "250 2.1.0",
                                             "503 5.5.1", "503 5.5.1", "221 2.0.0"});
}

TEST_CASE("an unknown command gets 500; bad syntax gets 501 with the reason", "[probe]") {
  const auto r = probe({"EHLO student.a.example", "FROB", "MAIL FROM:alice@a.example",
                        "MAIL FROM:<alice@-bad-.example>", "QUIT"});
  REQUIRE(r.size() == 6);
  CHECK(code_of(r[2]) == "500 5.5.2");
  CHECK(code_of(r[3]) == "501 5.1.7");
  CHECK(code_of(r[4]) == "501 5.1.7");
  CHECK(code_of(r[5]) == "221 2.0.0");
}

TEST_CASE("a 600-byte command line gets 500 and the session stays usable", "[probe]") {
  const auto r = probe({"EHLO student.a.example", "NOOP " + std::string(595, 'x'), "NOOP", "QUIT"});
  CHECK(codes(r) == std::vector<std::string>{"220", "250", "500 5.5.6", "250 2.0.0", "221 2.0.0"});
}

TEST_CASE("relaying to a foreign domain without permission gets 550 5.7.1", "[probe]") {
  const auto r = probe({"EHLO student.a.example", "MAIL FROM:<a@a.example>", "RCPT TO:<someone@c.example>",
                        "RCPT TO:<nobody@b.example>", "QUIT"});
  CHECK(codes(r) == std::vector<std::string>{"220", "250", "250 2.1.0", "550 5.7.1", "550 5.1.1", "221 2.0.0"});
}

TEST_CASE("an open relay accepts the foreign recipient (the lesson's bad example)", "[probe]") {
  const auto r = probe({"EHLO student.a.example", "MAIL FROM:<a@a.example>", "RCPT TO:<someone@c.example>", "QUIT"},
                       "relay = \"open\"\n");
  CHECK(codes(r) == std::vector<std::string>{"220", "250", "250 2.1.0", "250 2.1.5", "221 2.0.0"});
}

TEST_CASE("after EHLO every reply carries an enhanced status code (RFC 2034)", "[probe]") {
  const auto r = probe({"EHLO student.a.example", "NOOP", "VRFY bob", "HELP", "RSET", "FROB",
                        "MAIL FROM:<a@a.example>", "RCPT TO:<bob@b.example>", "DATA", "Subject: x", "", "hi", ".",
                        "QUIT"});
  REQUIRE(r.size() >= 12);
  for (std::size_t i = 2; i < r.size(); ++i) {  // after the greeting and the EHLO reply itself
    INFO(r[i]);
    // RFC 2034 §4 / RFC 3463 §2: the class is 2, 4 or 5, so 3yz replies (354) carry none.
    if (r[i][0] == '3') continue;
    CHECK(EnhancedStatus::parse(r[i].substr(4, r[i].find(' ', 4) - 4)).has_value());
  }
}

TEST_CASE("after HELO replies carry no enhanced status", "[probe]") {
  const auto r = probe({"HELO student.a.example", "NOOP", "QUIT"});
  REQUIRE(r.size() == 4);
  CHECK(r[2].rfind("250 ", 0) == 0);
  CHECK_FALSE(EnhancedStatus::parse(r[2].substr(4, 5)).has_value());
}
