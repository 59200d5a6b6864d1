// Tests of dns/stub_resolver: matching (RFC 5452 §9.1), reading RCODEs, following
// CNAMEs, and the retransmission schedule as data.
#include <catch2/catch.hpp>

#include <memory>

#include "core/clock.hpp"
#include "dns/authoritative_server.hpp"
#include "dns/stub_resolver.hpp"

using namespace smtplab::dns;

namespace {

std::shared_ptr<Zones> zones() {
  auto z = std::make_shared<Zones>();
  for (const char* line : {"b.example MX 10 mx.b.example", "mx.b.example A 198.51.100.25",
                           "mx.b.example A 198.51.100.26", "www.b.example CNAME mx.b.example"})
    REQUIRE_FALSE(z->add_line(line));
  return z;
}

Message reply_to(const StubResolver& stub) {
  AuthoritativeServer server(zones());
  return decode(server.handle(stub.query())).message.value();
}

}  // namespace

TEST_CASE("the query is a standard RD query with a random ID", "[dns][stub]") {
  smtplab::SeededRandom r1(7), r2(7), r3(8);
  StubResolver a("b.example", RecordType::Mx, r1);
  StubResolver b("b.example", RecordType::Mx, r2);
  StubResolver c("b.example", RecordType::Mx, r3);
  CHECK(a.id() == b.id());  // same seed, same ID: reproducible
  CHECK(a.id() != c.id());  // another seed, another ID (for these two seeds)
  CHECK(a.query() == encode(make_query(a.id(), "b.example", RecordType::Mx)));
}

TEST_CASE("an answer is accepted and read", "[dns][stub]") {
  StubResolver stub("mx.b.example", RecordType::A, std::uint16_t{99});
  stub.start();
  REQUIRE(stub.on_response(encode(reply_to(stub))) == ResponseCheck::Accepted);
  const LookupResult& r = *stub.result();
  CHECK(r.status == ResolveStatus::Answer);
  CHECK(r.data_texts() == std::vector<std::string>{"198.51.100.25", "198.51.100.26"});
  CHECK(r.rcode == Rcode::NoError);
  CHECK(r.attempts == 1);
  // Anything later changes nothing.
  CHECK(stub.on_response(encode(reply_to(stub))) == ResponseCheck::Finished);
}

TEST_CASE("a CNAME in the answer is followed to the records", "[dns][stub]") {
  StubResolver stub("WWW.b.example", RecordType::A, std::uint16_t{5});
  stub.start();
  REQUIRE(stub.on_response(encode(reply_to(stub))) == ResponseCheck::Accepted);
  CHECK(stub.result()->status == ResolveStatus::Answer);
  CHECK(stub.result()->cnames.size() == 1);
  CHECK(stub.result()->canonical_name == "mx.b.example");
  CHECK(stub.result()->records.size() == 2);
}

TEST_CASE("responses that do not match are ignored (RFC 5452 §9.1)", "[dns][stub][spoofing]") {
  StubResolver stub("mx.b.example", RecordType::A, std::uint16_t{0x1111});
  stub.start();
  Message good = reply_to(stub);

  Message wrong_id = good;
  wrong_id.header.id = 0x2222;
  CHECK(stub.on_response(encode(wrong_id)) == ResponseCheck::Ignored);
  CHECK(stub.last_ignored_reason().find("ID") != std::string::npos);

  Message wrong_question = good;
  wrong_question.questions[0].name = "evil.example";
  CHECK(stub.on_response(encode(wrong_question)) == ResponseCheck::Ignored);

  Message wrong_type = good;
  wrong_type.questions[0].type = RecordType::Aaaa;
  CHECK(stub.on_response(encode(wrong_type)) == ResponseCheck::Ignored);

  Message not_response = good;
  not_response.header.qr = false;
  CHECK(stub.on_response(encode(not_response)) == ResponseCheck::Ignored);

  CHECK(stub.on_response(encode(good).substr(0, 20)) == ResponseCheck::Ignored);  // garbage with our ID
  CHECK_FALSE(stub.done());

  // The question may come back in another case (RFC 4343): still ours.
  Message recased = good;
  recased.questions[0].name = "MX.B.EXAMPLE";
  CHECK(stub.on_response(encode(recased)) == ResponseCheck::Accepted);
}

TEST_CASE("RCODEs become statuses", "[dns][stub]") {
  struct Case {
    Rcode rcode;
    bool tc;
    ResolveStatus status;
  };
  for (const Case c : {Case{Rcode::NxDomain, false, ResolveStatus::NxDomain},
                       Case{Rcode::ServFail, false, ResolveStatus::ServFail},
                       Case{Rcode::Refused, false, ResolveStatus::Refused},
                       Case{Rcode::FormErr, false, ResolveStatus::ServFail},
                       Case{Rcode::NoError, false, ResolveStatus::NoData},
                       Case{Rcode::NoError, true, ResolveStatus::Truncated}}) {
    StubResolver stub("b.example", RecordType::Aaaa, std::uint16_t{3});
    stub.start();
    Message m = make_query(3, "b.example", RecordType::Aaaa);
    m.header.qr = true;
    m.header.rcode = c.rcode;
    m.header.tc = c.tc;
    INFO(to_string(c.rcode) << " tc=" << c.tc);
    REQUIRE(stub.on_response(encode(m)) == ResponseCheck::Accepted);
    CHECK(stub.result()->status == c.status);
    CHECK_FALSE(stub.result()->explanation.empty());
  }
}

TEST_CASE("retransmission is data: 2 s, 4 s, 8 s, then a timeout (RFC 1035 §4.2.1, RFC 1536)", "[dns][stub][timeout]") {
  StubResolver stub("b.example", RecordType::Mx, std::uint16_t{1});
  stub.start();
  CHECK(stub.next_timeout_ms() == 2000);
  auto again = stub.on_timeout();
  REQUIRE(again);
  CHECK(*again == stub.query());  // the same bytes, the same ID
  CHECK(stub.next_timeout_ms() == 4000);
  REQUIRE(stub.on_timeout());
  CHECK(stub.next_timeout_ms() == 8000);
  CHECK(stub.attempts() == query_tries_max);
  CHECK_FALSE(stub.on_timeout());
  REQUIRE(stub.done());
  CHECK(stub.result()->status == ResolveStatus::Timeout);
  CHECK(stub.result()->attempts == 3);
  CHECK_FALSE(stub.on_timeout());
}

TEST_CASE("only garbage with our ID ends as Malformed, after the retries", "[dns][stub][timeout]") {
  StubResolver stub("b.example", RecordType::Mx, std::uint16_t{0x0a0b});
  stub.start();
  CHECK(stub.on_response(std::string("\x0a\x0b\x81\x80\x00\x01", 6)) == ResponseCheck::Ignored);
  while (stub.on_timeout()) {
  }
  CHECK(stub.result()->status == ResolveStatus::Malformed);
}

TEST_CASE("a flood of mismatched responses stops being examined", "[dns][stub][spoofing]") {
  StubResolver stub("b.example", RecordType::Mx, std::uint16_t{0x0001});
  stub.start();
  Message forged = make_query(0x0002, "b.example", RecordType::Mx);
  forged.header.qr = true;
  for (unsigned i = 0; i < responses_examined_max; ++i) CHECK(stub.on_response(encode(forged)) == ResponseCheck::Ignored);
  Message good = forged;
  good.header.id = 0x0001;
  CHECK(stub.on_response(encode(good)) == ResponseCheck::Ignored);  // too late: the budget is spent
}
