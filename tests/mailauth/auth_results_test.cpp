// tests/mailauth/auth_results_test.cpp — the RFC 8601 header builder, and the resumable
// shape of the checks (asked one question at a time, events reported once).
#include <catch2/catch.hpp>

#include "mailauth/auth_results.hpp"
#include "mailauth/test_dns.hpp"

using namespace smtplab::mailauth;
using smtplab::mailauth::testing::TestDns;

TEST_CASE("authentication-results: spf, dkim and dmarc clauses", "[auth-results]") {
  AuthResults r;
  r.authserv_id = "mx.b.example";
  SpfVerdict spf;
  spf.result = SpfResult::Pass;
  spf.sender = "alice@a.example";
  spf.domain = "a.example";
  spf.mechanism = "ip4:192.0.2.0/24";
  r.spf = spf;
  DkimSignatureResult dkim;
  dkim.result = DkimResult::Pass;
  dkim.domain = "a.example";
  dkim.selector = "s1";
  dkim.signature_prefix = "MobyyDTe";
  r.dkim = {dkim};
  DmarcVerdict dmarc;
  dmarc.result = DmarcResult::Pass;
  dmarc.from_domain = "a.example";
  dmarc.record = DmarcRecord{};
  dmarc.policy = DmarcPolicy::Reject;
  r.dmarc = dmarc;
  CHECK(authentication_results_value(r) ==
        "mx.b.example; spf=pass (ip4:192.0.2.0/24) smtp.mailfrom=alice@a.example; "
        "dkim=pass header.d=a.example header.s=s1 header.b=MobyyDTe; "
        "dmarc=pass (p=reject dis=none) header.from=a.example");
  const std::string field = authentication_results_field(r);
  CHECK(field.starts_with("Authentication-Results: mx.b.example;\r\n\tspf=pass"));
  CHECK(field.ends_with("header.from=a.example\r\n"));
}

TEST_CASE("authentication-results: none, helo, unsupported and quoting", "[auth-results]") {
  AuthResults r;
  r.authserv_id = "mx.b.example";
  CHECK(authentication_results_value(r) == "mx.b.example; none");
  r.dkim_checked = true;
  CHECK(authentication_results_value(r) == "mx.b.example; dkim=none");
  SpfVerdict spf;
  spf.result = SpfResult::Fail;
  spf.domain = "mail.a.example";
  r.spf = spf;
  r.spf_identity = SpfIdentity::Helo;
  DkimSignatureResult ed;
  ed.result = DkimResult::PermError;
  ed.unsupported = true;
  ed.algorithm = "ed25519-sha256";
  ed.domain = "a.example";
  r.dkim = {ed};
  const std::string value = authentication_results_value(r);
  CHECK(value.find("spf=fail (fail) smtp.helo=mail.a.example") != std::string::npos);
  CHECK(value.find("dkim=permerror (unsupported algorithm ed25519-sha256) header.d=a.example") != std::string::npos);
  spf.sender = "we ird\"@a.example";
  r.spf = spf;
  r.spf_identity = SpfIdentity::MailFrom;
  CHECK(authentication_results_value(r).find("smtp.mailfrom=\"we ird\\\"@a.example\"") != std::string::npos);
}

TEST_CASE("spf check resumes: one question at a time, events reported once", "[spf][resumable]") {
  TestDns dns;
  dns.add_txt("a.example", {"v=spf1 mx include:_spf.esp.example -all"});
  dns.add_mx("a.example", 10, "mx.a.example");
  dns.add_a("mx.a.example", "192.0.2.25");
  dns.add_txt("_spf.esp.example", {"v=spf1 ip4:198.51.100.0/24 ~all"});
  SpfCheck check(SpfInputs{"198.51.100.7", "client.example", "alice@a.example"});
  std::vector<DnsQuestion> asked;
  std::vector<smtplab::Event> events;
  while (auto q = check.next_query()) {
    // Asking again before answering returns the same question (a resolver in flight).
    CHECK(*check.next_query() == *q);
    asked.push_back(*q);
    auto produced = check.take_events();
    events.insert(events.end(), produced.begin(), produced.end());
    check.on_answer(*q, dns.answer(*q));
  }
  auto produced = check.take_events();
  events.insert(events.end(), produced.begin(), produced.end());
  CHECK(check.verdict().result == SpfResult::Pass);
  CHECK(check.verdict().dns_mechanisms == 2);
  REQUIRE(asked.size() == 4);
  CHECK(asked[0].to_string() == "TXT? a.example");
  CHECK(asked[1].to_string() == "MX? a.example");
  CHECK(asked[2].to_string() == "A? mx.a.example");
  CHECK(asked[3].to_string() == "TXT? _spf.esp.example");
  // Each event once, in order: the record, its terms, the include's record and result.
  std::size_t check_hosts = 0;
  for (const auto& e : events) check_hosts += e.field("step") == "check_host" ? 1 : 0;
  CHECK(check_hosts == 2);
  CHECK(events.back().field("result") == "pass");
  for (const auto& e : events) CHECK(e.kind == smtplab::EventKind::PolicyCheck);
}

TEST_CASE("spf malformed records give permerror with a reason, never a crash", "[spf][malformed]") {
  TestDns dns;
  dns.add_txt("two.example", {"v=spf1 -all"});
  dns.add_txt("two.example", {"v=spf1 +all"});
  dns.add_txt("unknown.example", {"v=spf1 foo:bar -all"});
  dns.add_txt("macro.example", {"v=spf1 a:%{z}.example -all"});
  dns.add_txt("loop.example", {"v=spf1 include:loop.example"});
  const auto answer = [&](const DnsQuestion& q) { return dns.answer(q); };
  for (const char* domain : {"two.example", "unknown.example", "macro.example", "loop.example"}) {
    DYNAMIC_SECTION(domain) {
      const SpfVerdict v = check_spf(SpfInputs{"192.0.2.1", "h.example", std::string("x@") + domain}, answer);
      CHECK(v.result == SpfResult::PermError);
      CHECK(v.reason.find("RFC 7208") != std::string::npos);
    }
  }
  // A record that never ends in an answer: the check still ends (temperror).
  const SpfVerdict v = check_spf(SpfInputs{"192.0.2.1", "h.example", "x@slow.example"}, [](const DnsQuestion&) {
    DnsAnswer a;
    a.status = DnsStatus::TempFail;
    return a;
  });
  CHECK(v.result == SpfResult::TempError);
}
