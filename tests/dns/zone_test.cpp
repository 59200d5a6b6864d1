// Tests of dns/zone: the one-line record syntax, zone rules and the RFC 1034 §4.3.2
// lookup (CNAME chasing, NXDOMAIN vs NODATA, case-insensitive names).
#include <catch2/catch.hpp>

#include "dns/zone.hpp"

using namespace smtplab::dns;

namespace {

Zones lab_zones() {
  Zones z;
  z.add_zone("b.example");
  for (const char* line : {
           "b.example MX 10 mx.b.example",
           "b.example TXT \"v=spf1 ip4:198.51.100.0/24 -all\"",
           "mx.b.example A 198.51.100.25",
           "mx.b.example AAAA 2001:DB8:0:0::25",
           "www.b.example CNAME web.b.example",
           "web.b.example A 198.51.100.80",
           "alias.b.example CNAME www.b.example",
           "out.b.example CNAME mail.elsewhere.example",
           "loop1.b.example CNAME loop2.b.example",
           "loop2.b.example CNAME loop1.b.example",
           "dangling.b.example CNAME nothing.b.example",
           "host.deep.sub.b.example A 198.51.100.99",
           "_dmarc.b.example v=DMARC1; p=reject",
       })
    REQUIRE_FALSE(z.add_line(line).has_value());
  return z;
}

}  // namespace

TEST_CASE("record lines parse into structured records", "[dns][zone][parse]") {
  auto mx = parse_record_line("b.example MX 10 mx.b.example.");
  REQUIRE(mx.record);
  CHECK(mx.record->type == RecordType::Mx);
  CHECK(std::get<MxData>(mx.record->data) == MxData{10, "mx.b.example"});
  CHECK(mx.record->ttl_s == record_ttl_default_s);

  auto null_mx = parse_record_line("nomail.example MX 0 .");
  REQUIRE(null_mx.record);
  CHECK(std::get<MxData>(null_mx.record->data) == MxData{0, ""});

  auto a = parse_record_line("  mx.b.example   a   198.51.100.25  ");
  REQUIRE(a.record);
  CHECK(a.record->type == RecordType::A);
  CHECK(std::get<AddressV4>(a.record->data).address == "198.51.100.25");

  auto aaaa = parse_record_line("mx.b.example AAAA 2001:DB8::0:25");
  REQUIRE(aaaa.record);
  CHECK(std::get<AddressV6>(aaaa.record->data).address == "2001:db8::25");

  auto ptr = parse_record_line("25.100.51.198.in-addr.arpa PTR mx.b.example");
  REQUIRE(ptr.record);
  CHECK(std::get<NameData>(ptr.record->data).name == "mx.b.example");

  auto quoted = parse_record_line(R"(b.example TXT "v=spf1 ip4:192.0.2.0/24" " -all" "say \"hi\" \059")");
  REQUIRE(quoted.record);
  CHECK(std::get<TxtData>(quoted.record->data).strings ==
        std::vector<std::string>{"v=spf1 ip4:192.0.2.0/24", " -all", "say \"hi\" ;"});

  auto short_form = parse_record_line("_dmarc.b.example v=DMARC1; p=reject; rua=mailto:d@b.example");
  REQUIRE(short_form.record);
  CHECK(short_form.record->type == RecordType::Txt);
  CHECK(std::get<TxtData>(short_form.record->data).joined() == "v=DMARC1; p=reject; rua=mailto:d@b.example");

  // A long unquoted value (a DKIM key) is split into 255-octet character-strings.
  const std::string key = "v=DKIM1; k=rsa; p=" + std::string(400, 'A');
  auto dkim = parse_record_line("s1._domainkey.a.example " + key);
  REQUIRE(dkim.record);
  const auto& strings = std::get<TxtData>(dkim.record->data).strings;
  REQUIRE(strings.size() == 2);
  CHECK(strings[0].size() == 255);
  CHECK(std::get<TxtData>(dkim.record->data).joined() == key);
}

TEST_CASE("bad record lines are refused with a reason", "[dns][zone][parse]") {
  for (const char* line : {
           "",
           "b.example",
           "b.example A 300.1.1.1",
           "b.example A",
           "b.example AAAA 1::2::3",
           "b.example MX mx.b.example",
           "b.example MX 70000 mx.b.example",
           "b.example MX 10",
           "b.example MX 10 a b",
           "b.example CNAME a.example b.example",
           "b..example A 192.0.2.1",
           "b.example TXT \"unclosed",
           "b.example TXT \"a\" junk",
       }) {
    INFO("line: " << line);
    const RecordParse p = parse_record_line(line);
    CHECK_FALSE(p.record.has_value());
    CHECK_FALSE(p.why.empty());
  }
  CHECK_FALSE(parse_record_line(std::string(64, 'a') + ".example A 192.0.2.1").record);
}

TEST_CASE("zones refuse a CNAME beside other data (RFC 1034 §3.6.2) and ignore duplicates", "[dns][zone]") {
  Zones z;
  REQUIRE_FALSE(z.add_line("www.b.example A 192.0.2.1"));
  CHECK(z.add_line("www.b.example CNAME web.b.example").has_value());
  REQUIRE_FALSE(z.add_line("alias.b.example CNAME web.b.example"));
  CHECK(z.add_line("alias.b.example A 192.0.2.2").has_value());
  CHECK(z.add_line("alias.b.example CNAME other.b.example").has_value());
  // The same record twice is one record (RFC 2181 §5), whatever the case of its owner.
  REQUIRE_FALSE(z.add_line("WWW.b.example A 192.0.2.1"));
  CHECK(z.lookup("www.b.example", RecordType::A).answers.size() == 1);
}

TEST_CASE("lookups: answers, case, CNAME chains, NXDOMAIN vs NODATA", "[dns][zone][lookup]") {
  const Zones z = lab_zones();

  SECTION("an answer, whatever the case of the question (RFC 4343)") {
    const ZoneAnswer a = z.lookup("MX.B.Example", RecordType::A);
    CHECK(a.status == LookupStatus::Answer);
    REQUIRE(a.answers.size() == 1);
    CHECK(a.answers[0].name == "MX.B.Example");
    CHECK(a.zone == "b.example");
    CHECK_FALSE(a.soa.has_value());
  }
  SECTION("a CNAME chain is followed inside our zones (RFC 1034 §4.3.2 step 3.a)") {
    const ZoneAnswer a = z.lookup("alias.b.example", RecordType::A);
    CHECK(a.status == LookupStatus::Answer);
    REQUIRE(a.answers.size() == 3);
    CHECK(a.answers[0].type == RecordType::Cname);
    CHECK(a.answers[1].type == RecordType::Cname);
    CHECK(a.answers[2].to_string() == "web.b.example. 300 IN A 198.51.100.80");
    CHECK(a.canonical_name == "web.b.example");
  }
  SECTION("asking for the CNAME itself does not follow it") {
    const ZoneAnswer a = z.lookup("www.b.example", RecordType::Cname);
    CHECK(a.status == LookupStatus::Answer);
    REQUIRE(a.answers.size() == 1);
    CHECK(a.answers[0].type == RecordType::Cname);
  }
  SECTION("a CNAME out of our zones is the whole answer") {
    const ZoneAnswer a = z.lookup("out.b.example", RecordType::A);
    CHECK(a.status == LookupStatus::Answer);
    REQUIRE(a.answers.size() == 1);
    CHECK(a.canonical_name == "mail.elsewhere.example");
  }
  SECTION("a CNAME loop is an error (RFC 1034 §3.6.2)") {
    CHECK(z.lookup("loop1.b.example", RecordType::A).status == LookupStatus::CnameLoop);
  }
  SECTION("a CNAME to a missing name ends in NXDOMAIN, with the CNAME in the answer") {
    const ZoneAnswer a = z.lookup("dangling.b.example", RecordType::A);
    CHECK(a.status == LookupStatus::NxDomain);
    CHECK(a.answers.size() == 1);
    REQUIRE(a.soa);
  }
  SECTION("NODATA: the name exists without that type, and the SOA comes along (RFC 2308)") {
    const ZoneAnswer a = z.lookup("b.example", RecordType::Aaaa);
    CHECK(a.status == LookupStatus::NoData);
    CHECK(a.answers.empty());
    REQUIRE(a.soa);
    CHECK(a.soa->type == RecordType::Soa);
    CHECK(std::get<SoaData>(a.soa->data).minimum_s == negative_ttl_default_s);
  }
  SECTION("an empty non-terminal exists: NODATA, not NXDOMAIN (RFC 8020 §2)") {
    CHECK(z.lookup("sub.b.example", RecordType::A).status == LookupStatus::NoData);
    CHECK(z.lookup("deep.sub.b.example", RecordType::Txt).status == LookupStatus::NoData);
    CHECK(z.lookup("other.sub.b.example", RecordType::A).status == LookupStatus::NxDomain);
  }
  SECTION("NXDOMAIN and out-of-zone names") {
    CHECK(z.lookup("nope.b.example", RecordType::A).status == LookupStatus::NxDomain);
    CHECK(z.lookup("c.example", RecordType::A).status == LookupStatus::NotAuthoritative);
    CHECK(z.lookup("xb.example", RecordType::A).status == LookupStatus::NotAuthoritative);
  }
  SECTION("the apex answers SOA, synthesized") {
    const ZoneAnswer a = z.lookup("b.example", RecordType::Soa);
    CHECK(a.status == LookupStatus::Answer);
    REQUIRE(a.answers.size() == 1);
    CHECK(a.answers[0].to_string() == "b.example. 3600 IN SOA b.example. hostmaster.b.example. 1 3600 600 604800 3600");
  }
  SECTION("TXT short form landed as TXT") {
    const ZoneAnswer a = z.lookup("_dmarc.b.example", RecordType::Txt);
    REQUIRE(a.status == LookupStatus::Answer);
    CHECK(std::get<TxtData>(a.answers[0].data).joined() == "v=DMARC1; p=reject");
  }
}

TEST_CASE("a record outside every zone starts a zone at its own name", "[dns][zone]") {
  Zones z;
  REQUIRE_FALSE(z.add_line("c.example A 192.0.2.3"));
  CHECK(z.zone_of("www.c.example") == "c.example");
  CHECK(z.lookup("www.c.example", RecordType::A).status == LookupStatus::NxDomain);
  z.add_zone("example");
  CHECK(z.zone_of("d.example") == "example");
  CHECK(z.zone_of("c.example") == "c.example");
  CHECK(z.zone_apexes() == std::vector<std::string>{"c.example", "example"});
}
