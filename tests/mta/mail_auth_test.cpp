// mta/mail_auth.hpp without the simulator: the decision table, the From domain, the
// removal of forged Authentication-Results, and MailAuthRun over a table of records
// and over answers that arrive late (or never).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "dns/zone.hpp"
#include "mailauth/crypto.hpp"
#include "mailauth/dkim.hpp"
#include "mailauth/key_gen.hpp"
#include "mta/mail_auth.hpp"

using namespace smtplab;
using namespace smtplab::mta;

namespace {

const std::string message =
    "From: Alice <alice@a.example>\r\nTo: bob@b.example\r\nSubject: hi\r\n\r\nLunch?\r\n";

mailauth::DmarcVerdict dmarc(mailauth::DmarcResult result, mailauth::DmarcPolicy disposition) {
  mailauth::DmarcVerdict v;
  v.result = result;
  v.disposition = disposition;
  v.from_domain = "a.example";
  return v;
}

MailAuthConfig all_checks() {
  MailAuthConfig config;
  config.spf = config.dkim = config.dmarc = true;
  return config;
}

}  // namespace

TEST_CASE("decide: DMARC's disposition, and temperror as configured", "[mta][mailauth]") {
  MailAuthConfig config = all_checks();
  mailauth::AuthResults r;
  r.dmarc = dmarc(mailauth::DmarcResult::Fail, mailauth::DmarcPolicy::Reject);
  auto reject = decide(config, r);
  CHECK(reject.action == MailAuthAction::Reject);
  CHECK(reject.reply().code == 550);
  CHECK(reject.reply().status.to_string() == "5.7.1");
  CHECK(reject.reply().first_line(true).find("a.example") != std::string::npos);

  r.dmarc = dmarc(mailauth::DmarcResult::Fail, mailauth::DmarcPolicy::Quarantine);
  CHECK(decide(config, r).action == MailAuthAction::Junk);
  r.dmarc = dmarc(mailauth::DmarcResult::Fail, mailauth::DmarcPolicy::None);
  CHECK(decide(config, r).action == MailAuthAction::Deliver);
  r.dmarc = dmarc(mailauth::DmarcResult::Pass, mailauth::DmarcPolicy::None);
  CHECK(decide(config, r).action == MailAuthAction::Deliver);

  r.dmarc = dmarc(mailauth::DmarcResult::TempError, mailauth::DmarcPolicy::None);
  CHECK(decide(config, r).action == MailAuthAction::Deliver);  // default: accept
  config.temperror = TempErrorAction::Defer;
  const auto deferred = decide(config, r);
  CHECK(deferred.action == MailAuthAction::Defer);
  CHECK(deferred.reply().code == 451);
  CHECK(deferred.reply().status.to_string() == "4.7.0");
  // An SPF temperror does not hold back a message that passed DMARC through DKIM.
  r.dmarc = dmarc(mailauth::DmarcResult::Pass, mailauth::DmarcPolicy::None);
  r.spf = mailauth::SpfVerdict{};
  r.spf->result = mailauth::SpfResult::TempError;
  CHECK(decide(config, r).action == MailAuthAction::Deliver);
}

TEST_CASE("from_domain: exactly one From with one address", "[mta][mailauth]") {
  CHECK(from_domain(message) == "a.example");
  CHECK(from_domain("From: alice@A.Example\r\n\r\nx\r\n") == "a.example");
  CHECK(from_domain("From: \"A, B\" <a@c.example>\r\n\r\nx\r\n") == "c.example");
  CHECK(from_domain("From: a@a.example (Alice)\r\n\r\nx\r\n") == "a.example");
  CHECK(from_domain("From: a@a.example\r\nFrom: b@b.example\r\n\r\nx\r\n").empty());
  CHECK(from_domain("Subject: none\r\n\r\nx\r\n").empty());
  CHECK(from_domain("From: a@a.example, b@b.example\r\n\r\nx\r\n").empty());
  CHECK(from_domain("From: <broken\r\n\r\nx\r\n").empty());
}

TEST_CASE("strip_our_auth_results removes only fields with our authserv-id", "[mta][mailauth]") {
  const std::string in =
      "Authentication-Results: MX.b.example;\r\n\tdmarc=pass\r\n"
      "Authentication-Results: other.example; spf=pass\r\n"
      "From: a@a.example\r\n\r\nAuthentication-Results: mx.b.example; in the body\r\n";
  const std::string out = strip_our_auth_results(in, "mx.b.example");
  CHECK(out ==
        "Authentication-Results: other.example; spf=pass\r\n"
        "From: a@a.example\r\n\r\nAuthentication-Results: mx.b.example; in the body\r\n");
  CHECK(strip_our_auth_results(message, "mx.b.example") == message);
}

TEST_CASE("MailAuthRun over a table: a message signed with a seeded key passes all three", "[mta][mailauth]") {
  SeededRandom random(3);
  const std::string pem = mailauth::generate_rsa_key_pem(1024, random);
  REQUIRE_FALSE(pem.empty());
  // The same seed gives the same key: lessons repeat byte for byte.
  SeededRandom again(3);
  CHECK(mailauth::generate_rsa_key_pem(1024, again) == pem);
  CHECK(mailauth::generate_rsa_key_pem(512, again).empty());  // RFC 8301 §3.2
  auto key = mailauth::RsaPrivateKey::from_pem(pem);
  REQUIRE(key);
  mailauth::DkimSignOptions options;
  options.domain = "a.example";
  options.selector = "s1";
  auto signed_field = mailauth::dkim_sign(message, *key, options);
  REQUIRE(signed_field.field);

  dns::Zones zones;
  zones.add_zone("a.example");
  REQUIRE_FALSE(zones.add_line("a.example TXT v=spf1 ip4:192.0.2.25 -all"));
  REQUIRE_FALSE(zones.add_line("_dmarc.a.example TXT v=DMARC1; p=reject"));
  REQUIRE_FALSE(zones.add_line("s1._domainkey.a.example TXT " + mailauth::dkim_key_record(*key)));

  MailAuthInputs inputs;
  inputs.client_ip = "192.0.2.25";
  inputs.helo = "smtp.a.example";
  inputs.mail_from = "alice@a.example";
  inputs.receiver = "mx.b.example";
  inputs.message = *signed_field.field + message;
  std::vector<Event> events;
  std::optional<MailAuthOutcome> outcome;
  auto run = MailAuthRun::start(
      all_checks(), inputs,
      [&zones](const mailauth::DnsQuestion& q, MailAuthRun::AnswerFn answer) {
        answer(mailauth::answer_from_zones(zones, q));
      },
      [&events](Event e) { events.push_back(std::move(e)); },
      [&outcome](const MailAuthOutcome& o) { outcome = o; });
  REQUIRE(outcome);
  CHECK(run->finished());
  CHECK(outcome->action == MailAuthAction::Deliver);
  const std::string value = mailauth::authentication_results_value(outcome->results);
  CHECK(value.rfind("mx.b.example; spf=pass", 0) == 0);
  CHECK(value.find("dkim=pass header.d=a.example header.s=s1") != std::string::npos);
  CHECK(value.find("dmarc=pass") != std::string::npos);
  // The events come in the RFC 7489 §6.6.2 order: SPF, DKIM, DMARC, then the decision.
  REQUIRE(events.size() > 4);
  CHECK(events.front().explain.rfind("mailauth.spf", 0) == 0);
  CHECK(events.back().explain == "policy.mail_auth.disposition");

  // The same message from another address with the signature removed: reject.
  inputs.client_ip = "203.0.113.66";
  inputs.message = message;
  outcome.reset();
  MailAuthRun::start(
      all_checks(), inputs,
      [&zones](const mailauth::DnsQuestion& q, MailAuthRun::AnswerFn answer) {
        answer(mailauth::answer_from_zones(zones, q));
      },
      nullptr, [&outcome](const MailAuthOutcome& o) { outcome = o; });
  REQUIRE(outcome);
  CHECK(outcome->action == MailAuthAction::Reject);
  CHECK(mailauth::authentication_results_value(outcome->results).find("dkim=none") != std::string::npos);
}

TEST_CASE("MailAuthRun waits for each answer; a dropped run ignores late answers", "[mta][mailauth]") {
  std::vector<std::pair<mailauth::DnsQuestion, MailAuthRun::AnswerFn>> pending;
  int done = 0;
  MailAuthConfig spf_only;
  spf_only.spf = true;
  MailAuthInputs inputs;
  inputs.client_ip = "192.0.2.1";
  inputs.mail_from = "a@a.example";
  inputs.receiver = "mx.b.example";
  inputs.message = message;
  auto run = MailAuthRun::start(
      spf_only, inputs,
      [&pending](const mailauth::DnsQuestion& q, MailAuthRun::AnswerFn answer) {
        pending.emplace_back(q, std::move(answer));
      },
      nullptr, [&done](const MailAuthOutcome&) { ++done; });
  REQUIRE(pending.size() == 1);  // one question at a time
  CHECK(pending.front().first.name == "a.example");
  CHECK_FALSE(run->finished());
  CHECK(done == 0);
  run.reset();  // the connection closed
  mailauth::DnsAnswer answer;
  answer.status = mailauth::DnsStatus::NxDomain;
  pending.front().second(answer);  // must not crash, must not decide
  CHECK(done == 0);
}
