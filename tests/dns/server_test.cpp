// Tests of dns/authoritative_server: RCODEs, flags, negative answers, truncation and
// hostile input.
#include <catch2/catch.hpp>

#include <memory>

#include "core/clock.hpp"
#include "core/limits.hpp"
#include "dns/authoritative_server.hpp"

using namespace smtplab::dns;
using namespace std::string_literals;

namespace {

std::shared_ptr<Zones> zones() {
  auto z = std::make_shared<Zones>();
  z->add_zone("b.example");
  for (const char* line : {"b.example MX 10 mx.b.example", "b.example MX 20 backup.b.example",
                           "mx.b.example A 198.51.100.25", "mx.b.example AAAA 2001:db8::25",
                           "backup.b.example A 198.51.100.26", "www.b.example CNAME mx.b.example",
                           "loop.b.example CNAME loop.b.example"})
    REQUIRE_FALSE(z->add_line(line));
  return z;
}

Message ask(AuthoritativeServer& server, const Message& query) {
  const std::string bytes = server.handle(encode(query));
  const DecodeResult d = decode(bytes);
  REQUIRE(d.message);
  CHECK(bytes.size() <= smtplab::limits::dns_udp_message_max);
  return *d.message;
}

}  // namespace

TEST_CASE("an answer copies ID, RD and the question, and sets AA (RFC 1035 §4.1.1)", "[dns][server]") {
  AuthoritativeServer server(zones());
  Message q = make_query(0x4242, "MX.b.example", RecordType::A);
  const Message r = ask(server, q);
  CHECK(r.header.id == 0x4242);
  CHECK(r.header.qr);
  CHECK(r.header.aa);
  CHECK(r.header.rd);
  CHECK_FALSE(r.header.ra);
  CHECK(r.header.rcode == Rcode::NoError);
  CHECK(r.questions == q.questions);
  REQUIRE(r.answers.size() == 1);
  CHECK(std::get<AddressV4>(r.answers[0].data).address == "198.51.100.25");
  q.header.rd = false;
  CHECK_FALSE(ask(server, q).header.rd);
}

TEST_CASE("MX answers carry the exchanges' addresses as additional data (RFC 1035 §3.3.9)", "[dns][server]") {
  AuthoritativeServer server(zones());
  const ServerReply reply = server.answer(encode(make_query(1, "b.example", RecordType::Mx)));
  REQUIRE(reply.response);
  CHECK(reply.response->answers.size() == 2);
  CHECK(reply.response->additionals.size() == 3);  // mx A + AAAA, backup A
  CHECK(reply.summary == "MX b.example: 10 mx.b.example, 20 backup.b.example");
}

TEST_CASE("negative answers: NXDOMAIN and NODATA carry the SOA (RFC 2308 §3)", "[dns][server]") {
  AuthoritativeServer server(zones());
  const Message nx = ask(server, make_query(2, "nope.b.example", RecordType::A));
  CHECK(nx.header.rcode == Rcode::NxDomain);
  CHECK(nx.header.aa);
  CHECK(nx.answers.empty());
  REQUIRE(nx.authorities.size() == 1);
  CHECK(nx.authorities[0].type == RecordType::Soa);
  CHECK(response_summary(nx) == "NXDOMAIN nope.b.example");

  const Message nodata = ask(server, make_query(3, "backup.b.example", RecordType::Aaaa));
  CHECK(nodata.header.rcode == Rcode::NoError);
  CHECK(nodata.answers.empty());
  REQUIRE(nodata.authorities.size() == 1);
  CHECK(response_summary(nodata) == "NODATA AAAA backup.b.example");
}

TEST_CASE("CNAMEs are followed; a loop is SERVFAIL", "[dns][server]") {
  AuthoritativeServer server(zones());
  const Message r = ask(server, make_query(4, "www.b.example", RecordType::A));
  CHECK(r.header.rcode == Rcode::NoError);
  REQUIRE(r.answers.size() == 2);
  CHECK(r.answers[0].type == RecordType::Cname);
  CHECK(ask(server, make_query(5, "loop.b.example", RecordType::A)).header.rcode == Rcode::ServFail);
}

TEST_CASE("names outside the zones are REFUSED, without AA", "[dns][server]") {
  AuthoritativeServer server(zones());
  const Message r = ask(server, make_query(6, "c.example", RecordType::A));
  CHECK(r.header.rcode == Rcode::Refused);
  CHECK_FALSE(r.header.aa);
  Message chaos = make_query(7, "b.example", RecordType::Txt);
  chaos.questions[0].klass = 3;  // CH
  CHECK(ask(server, chaos).header.rcode == Rcode::Refused);
}

TEST_CASE("malformed and unusual queries", "[dns][server][malformed]") {
  AuthoritativeServer server(zones());
  SECTION("FORMERR with the ID when the ID is readable") {
    const std::string bad = "\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01"s;
    const Message r = decode(server.handle(bad)).message.value();
    CHECK(r.header.id == 0xbeef);
    CHECK(r.header.rcode == Rcode::FormErr);
    CHECK(r.header.rd);
    const Message r2 = decode(server.handle("\x12\x34\x01"s)).message.value();
    CHECK(r2.header.id == 0x1234);
    CHECK(r2.header.rcode == Rcode::FormErr);
  }
  SECTION("nothing at all when not even the ID is there, or when it is a response") {
    CHECK(server.handle("").empty());
    CHECK(server.handle("\x01"s).empty());
    Message response = make_query(8, "b.example", RecordType::A);
    response.header.qr = true;
    CHECK(server.handle(encode(response)).empty());
  }
  SECTION("NOTIMP for other opcodes, FORMERR for two questions (RFC 9619)") {
    Message status = make_query(9, "b.example", RecordType::A);
    status.header.opcode = Opcode::Status;
    CHECK(ask(server, status).header.rcode == Rcode::NotImp);
    Message two = make_query(10, "b.example", RecordType::A);
    two.questions.push_back(Question{"mx.b.example", RecordType::A});
    CHECK(ask(server, two).header.rcode == Rcode::FormErr);
    Message none = make_query(11, "b.example", RecordType::A);
    none.questions.clear();
    CHECK(ask(server, none).header.rcode == Rcode::FormErr);
  }
  SECTION("random bytes: always a well-formed, bounded response or silence") {
    smtplab::SeededRandom random(53);
    const std::string good = encode(make_query(12, "b.example", RecordType::Mx));
    for (int i = 0; i < 2000; ++i) {
      std::string bytes = good;
      for (int k = 0; k < 3; ++k) bytes[random.uniform(bytes.size())] = static_cast<char>(random.uniform(256));
      if (i % 3 == 0) bytes.resize(random.uniform(bytes.size() + 1));
      const std::string out = server.handle(bytes);
      if (out.empty()) continue;
      CHECK(out.size() <= smtplab::limits::dns_udp_message_max);
      CHECK(decode(out).message.has_value());
    }
  }
}

TEST_CASE("responses over 512 octets: extra data dropped first, then TC (RFC 1035 §4.2.1, RFC 2181 §9)",
          "[dns][server][truncation]") {
  auto z = std::make_shared<Zones>();
  // 12 TXT records of 60 octets: the answer alone is far over 512 octets.
  for (int i = 0; i < 12; ++i)
    REQUIRE_FALSE(z->add_line("big.b.example TXT \"" + std::to_string(i) + std::string(58, 'x') + "\""));
  // 6 MX hosts with 4 addresses each: the answer fits, the additional data does not.
  for (int i = 0; i < 6; ++i) {
    const std::string host = "mail-exchanger-number-" + std::to_string(i) + ".b.example";
    REQUIRE_FALSE(z->add_line("b.example MX " + std::to_string(i) + " " + host));
    for (int k = 0; k < 4; ++k)
      REQUIRE_FALSE(z->add_line(host + " AAAA 2001:db8::" + std::to_string(i) + ":" + std::to_string(k)));
  }
  AuthoritativeServer server(z);
  const Message big = ask(server, make_query(13, "big.b.example", RecordType::Txt));
  CHECK(big.header.tc);
  CHECK(big.answers.empty());
  CHECK(big.questions.size() == 1);
  const Message mx = ask(server, make_query(14, "b.example", RecordType::Mx));
  CHECK_FALSE(mx.header.tc);
  CHECK(mx.answers.size() == 6);
  CHECK(mx.additionals.empty());
}
