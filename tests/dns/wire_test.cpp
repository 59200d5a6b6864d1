// Tests of dns/wire: encoding, compression, decoding, rejection of malformed input and
// the byte annotations (STYLE §26).
#include <catch2/catch.hpp>

#include <string>

#include "core/clock.hpp"
#include "dns/wire.hpp"

using namespace smtplab::dns;
using namespace std::string_literals;

namespace {

ResourceRecord rr(std::string name, RecordType type, Rdata data, std::uint32_t ttl = 300) {
  ResourceRecord r;
  r.name = std::move(name);
  r.type = type;
  r.ttl_s = ttl;
  r.data = std::move(data);
  return r;
}

Message sample_response() {
  Message m;
  m.header.id = 0xabcd;
  m.header.qr = true;
  m.header.aa = true;
  m.header.rd = true;
  m.questions.push_back(Question{"b.example", RecordType::Mx});
  m.answers.push_back(rr("b.example", RecordType::Mx, MxData{10, "mx.b.example"}));
  m.answers.push_back(rr("b.example", RecordType::Mx, MxData{20, "backup.b.example"}));
  m.authorities.push_back(rr("b.example", RecordType::Ns, NameData{"ns.b.example"}));
  m.additionals.push_back(rr("mx.b.example", RecordType::A, AddressV4{"198.51.100.25"}));
  m.additionals.push_back(rr("mx.b.example", RecordType::Aaaa, AddressV6{"2001:db8::25"}));
  m.additionals.push_back(rr("b.example", RecordType::Txt, TxtData{{"v=spf1 -all", ""}}));
  m.additionals.push_back(rr("b.example", RecordType::Soa,
                             SoaData{"ns.b.example", "hostmaster.b.example", 7, 3600, 600, 86400, 300}));
  m.additionals.push_back(rr("b.example", static_cast<RecordType>(99), OpaqueData{"\x01\x02"s}));
  return m;
}

}  // namespace

TEST_CASE("every record shape survives encode then decode", "[dns][wire]") {
  const Message m = sample_response();
  const std::string bytes = encode(m);
  const DecodeResult r = decode(bytes);
  REQUIRE(r.message.has_value());
  CHECK(*r.message == m);
}

TEST_CASE("compression writes a repeated suffix once and points to it (RFC 1035 §4.1.4)", "[dns][wire]") {
  const std::string bytes = encode(sample_response());
  // "b.example" is written in full once, in the question at offset 12; later names
  // point to it (0xc0 0x0c) instead of repeating its 11 octets.
  const std::string full = "\x01" "b" "\x07" "example" "\x00"s;
  CHECK(bytes.find(full) == 12);
  CHECK(bytes.find(full, 13) == std::string::npos);
  CHECK(bytes.find("\xc0\x0c"s) != std::string::npos);
  // Compression is case-insensitive (RFC 4343 §3): "B.EXAMPLE" also points back.
  Message m = make_query(1, "b.example", RecordType::A);
  m.answers.push_back(rr("B.EXAMPLE", RecordType::A, AddressV4{"192.0.2.1"}));
  const std::string b2 = encode(m);
  CHECK(b2.substr(12 + 11 + 4, 2) == "\xc0\x0c"s);
}

TEST_CASE("header flags round-trip bit by bit (RFC 1035 §4.1.1)", "[dns][wire]") {
  Message m;
  m.header.id = 0x0102;
  m.header.qr = true;
  m.header.opcode = Opcode::Status;
  m.header.tc = true;
  m.header.ra = true;
  m.header.rcode = Rcode::Refused;
  const std::string bytes = encode(m);
  REQUIRE(bytes.size() == 12);
  // QR=1, OPCODE=2 (0b0010 << 11), TC=1 (bit 9), RA=1 (bit 7), RCODE=5.
  CHECK(static_cast<unsigned char>(bytes[2]) == 0x92);
  CHECK(static_cast<unsigned char>(bytes[3]) == 0x85);
  const auto r = decode(bytes);
  REQUIRE(r.message);
  CHECK(r.message->header == m.header);
  CHECK(r.message->header.flags_text() == "QR TC RA");
}

TEST_CASE("malformed messages are rejected with a reason", "[dns][wire][malformed]") {
  const std::string good = encode(sample_response());

  SECTION("every truncation of a good message is rejected, never read past its end") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      const DecodeResult r = decode(good.substr(0, n));
      INFO("length " << n);
      REQUIRE_FALSE(r.message.has_value());
      REQUIRE(r.error.has_value());
      CHECK(r.error->offset <= n);
      CHECK((r.error->code == WireError::Truncated || r.error->code == WireError::CountMismatch ||
             r.error->code == WireError::PointerOutOfRange));
      if (n >= 2) CHECK(r.id == 0xabcd);
    }
  }
  SECTION("a count that promises more records than the message holds") {
    std::string bytes = good;
    bytes[7] = 3;  // ANCOUNT 2 -> 3: the third "answer" starts inside the authority section
    const DecodeResult r = decode(bytes);
    REQUIRE(r.error);
    std::string q = encode(make_query(7, "b.example", RecordType::A));
    q[5] = 2;  // QDCOUNT 1 -> 2 with nothing after the first question
    const DecodeResult r2 = decode(q);
    REQUIRE(r2.error);
    CHECK(r2.error->code == WireError::CountMismatch);
    CHECK(r2.error->reason.find("QDCOUNT") != std::string::npos);
  }
  SECTION("trailing bytes after the counted sections") {
    const DecodeResult r = decode(encode(make_query(7, "b.example", RecordType::A)) + "x");
    REQUIRE(r.error);
    CHECK(r.error->code == WireError::TrailingBytes);
  }
  SECTION("RDLENGTH larger than what remains") {
    Message m = make_query(7, "b.example", RecordType::A);
    m.answers.push_back(rr("b.example", RecordType::A, AddressV4{"192.0.2.1"}));
    std::string bytes = encode(m);
    bytes[bytes.size() - 5] = 9;  // RDLENGTH low octet: 4 -> 9
    const DecodeResult r = decode(bytes);
    REQUIRE(r.error);
    CHECK(r.error->code == WireError::Truncated);
  }
  SECTION("an A record whose RDATA is not 4 octets") {
    Message m = make_query(7, "b.example", RecordType::A);
    m.answers.push_back(rr("b.example", RecordType::A, AddressV4{"192.0.2.1"}));
    std::string bytes = encode(m);
    bytes[bytes.size() - 5] = 3;  // RDLENGTH 3: one octet of the address becomes trailing
    const DecodeResult r = decode(bytes);
    REQUIRE(r.error);
    CHECK(r.error->code == WireError::BadRdata);
  }
  SECTION("a TXT character-string running past RDLENGTH") {
    Message m = make_query(7, "b.example", RecordType::Txt);
    m.answers.push_back(rr("b.example", RecordType::Txt, TxtData{{"abc"}}));
    std::string bytes = encode(m);
    bytes[bytes.size() - 4] = 9;  // the character-string's length octet
    const DecodeResult r = decode(bytes);
    REQUIRE(r.error);
    CHECK(r.error->code == WireError::BadRdata);
  }
  SECTION("a pointer beyond the end of the message") {
    const std::string bytes = "\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\xff\x00\x01\x00\x01"s;
    const DecodeResult r = decode(bytes);
    REQUIRE(r.error);
    CHECK(r.error->code == WireError::PointerOutOfRange);
  }
  SECTION("two pointers that point at each other") {
    // offset 12: pointer to 14; offset 14: pointer to 12. The first is forward.
    const NameDecode d = decode_name("\0\0\0\0\0\0\0\0\0\0\0\0\xc0\x0e\xc0\x0c"s, 14);
    REQUIRE(d.error);
    CHECK(d.error->code == WireError::PointerLoop);
  }
  SECTION("a name over 255 octets made of pointers to earlier labels") {
    // 5 labels of 63 octets = 320 octets: rejected even though each label is legal.
    std::string bytes(12, '\0');
    for (int i = 0; i < 5; ++i) bytes += '\x3f' + std::string(63, 'a');
    bytes += '\0';
    const NameDecode d = decode_name(bytes, 12);
    REQUIRE(d.error);
    CHECK(d.error->code == WireError::NameTooLong);
  }
}

TEST_CASE("random garbage never crashes the decoder and always gets an answer", "[dns][wire][malformed]") {
  smtplab::SeededRandom random(1035);
  const std::string good = encode(sample_response());
  for (int round = 0; round < 2000; ++round) {
    std::string bytes = good;
    const auto flips = 1 + random.uniform(6);
    for (std::uint64_t f = 0; f < flips; ++f)
      bytes[random.uniform(bytes.size())] = static_cast<char>(random.uniform(256));
    const DecodeResult r = decode(bytes);
    CHECK(r.message.has_value() != r.error.has_value());
    if (r.message) {
      // Whatever decodes must encode again and decode to the same message.
      const auto again = decode(encode(*r.message));
      REQUIRE(again.message);
      CHECK(*again.message == *r.message);
    }
  }
}

TEST_CASE("encoding refuses what cannot be represented", "[dns][wire]") {
  CHECK_THROWS_AS(encode(make_query(1, std::string(64, 'a') + ".example", RecordType::A)), std::invalid_argument);
  CHECK_THROWS_AS(encode(make_query(1, "a..example", RecordType::A)), std::invalid_argument);
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'a') + ".";
  CHECK_THROWS_AS(encode(make_query(1, long_name, RecordType::A)), std::invalid_argument);
  Message m = make_query(1, "b.example", RecordType::A);
  m.answers.push_back(rr("b.example", RecordType::A, AddressV4{"192.0.2.256"}));
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.answers[0] = rr("b.example", RecordType::Txt, TxtData{{std::string(256, 'x')}});
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
  m.answers[0] = rr("b.example", RecordType::Mx, AddressV4{"192.0.2.1"});
  CHECK_THROWS_AS(encode(m), std::invalid_argument);
}

TEST_CASE("names: escapes, case and zones", "[dns][wire][names]") {
  CHECK(absolute_name("") == ".");
  CHECK(absolute_name("b.example") == "b.example.");
  CHECK(absolute_name("b.example.") == "b.example.");
  CHECK(canonical_name("MX.B.Example.") == "mx.b.example");
  CHECK(names_equal("MX.b.EXAMPLE", "mx.b.example."));
  CHECK(name_in_zone("mx.b.example", "B.example"));
  CHECK(name_in_zone("b.example", "b.example"));
  CHECK_FALSE(name_in_zone("xb.example", "b.example"));
  CHECK_FALSE(name_in_zone("example", "b.example"));
  // A dot inside a label (RFC 1035 §5.1 "\.") is one label, and survives the wire.
  const auto labels = name_labels("a\\.b.example");
  REQUIRE(labels);
  CHECK(labels->size() == 2);
  CHECK((*labels)[0] == "a.b");
  Message m = make_query(1, "a\\.b.ex\\032ample", RecordType::A);
  const auto r = decode(encode(m));
  REQUIRE(r.message);
  CHECK(r.message->questions[0].name == "a\\.b.ex\\032ample");
}

TEST_CASE("addresses: IPv4 strictness and RFC 5952 IPv6 text", "[dns][wire]") {
  CHECK(ipv4_to_bytes("192.0.2.1") == "\xc0\x00\x02\x01"s);
  CHECK_FALSE(ipv4_to_bytes("192.0.2"));
  CHECK_FALSE(ipv4_to_bytes("192.0.2.01"));
  CHECK_FALSE(ipv4_to_bytes("1.2.3.4.5"));
  const auto v6 = ipv6_to_bytes("2001:DB8:0:0:1:0:0:1");
  REQUIRE(v6);
  // RFC 5952 §4.2.3: the first of two equal runs of zeros is shortened.
  CHECK(ipv6_to_text(*v6) == "2001:db8::1:0:0:1");
  CHECK(ipv6_to_text(*ipv6_to_bytes("::")) == "::");
  CHECK(ipv6_to_text(*ipv6_to_bytes("::1")) == "::1");
  CHECK(ipv6_to_text(*ipv6_to_bytes("fe80::")) == "fe80::");
  // §4.2.2: a single zero group is not shortened.
  CHECK(ipv6_to_text(*ipv6_to_bytes("2001:db8:0:1:1:1:1:1")) == "2001:db8:0:1:1:1:1:1");
  CHECK(ipv6_to_text(*ipv6_to_bytes("::ffff:192.0.2.1")) == "::ffff:c000:201");
  CHECK_FALSE(ipv6_to_bytes("1::2::3"));
  CHECK_FALSE(ipv6_to_bytes("1:2:3:4:5:6:7:8:9"));
  CHECK_FALSE(ipv6_to_bytes("12345::"));
  CHECK_FALSE(ipv6_to_bytes("1:2:3:4:5:6:7:"));
}

TEST_CASE("presentation text of records (RFC 1035 §5.1)", "[dns][wire]") {
  CHECK(rr("b.example", RecordType::Mx, MxData{0, ""}).to_string() == "b.example. 300 IN MX 0 .");
  CHECK(rr("b.example", RecordType::Txt, TxtData{{"say \"hi\"", "x"}}).data_text() == "\"say \\\"hi\\\"\" \"x\"");
  CHECK(rr("b.example", static_cast<RecordType>(99), OpaqueData{"\xab\x01"s}).to_string() ==
        "b.example. 300 IN TYPE99 \\# 2 ab01");
  CHECK(record_type_from_string("mx") == RecordType::Mx);
  CHECK(record_type_from_string("TYPE99") == static_cast<RecordType>(99));
  CHECK_FALSE(record_type_from_string("MXX"));
  CHECK(to_string(Rcode::NxDomain) == "NXDOMAIN");
  CHECK(to_string(static_cast<Rcode>(9)) == "RCODE9");
}

TEST_CASE("annotations cover every byte once, in order, from encoder and decoder alike", "[dns][wire][annotate]") {
  const Message m = sample_response();
  Annotations written;
  const std::string bytes = encode(m, &written);
  const Annotations read = annotate(bytes);
  for (const Annotations* notes : std::initializer_list<const Annotations*>{&written, &read}) {
    std::size_t next = 0;
    for (const ByteNote& n : *notes) {
      INFO(n.meaning);
      CHECK(n.offset == next);
      CHECK(n.length > 0);
      CHECK_FALSE(n.meaning.empty());
      CHECK(n.rfc.starts_with("RFC "));
      next = n.offset + n.length;
    }
    CHECK(next == bytes.size());
  }
  // Both sides cut the bytes at the same places.
  REQUIRE(written.size() == read.size());
  for (std::size_t i = 0; i < written.size(); ++i) CHECK(written[i].offset == read[i].offset);
  CHECK(read[0].meaning == "header: ID = 0xabcd");
  bool saw_pointer = false;
  for (const ByteNote& n : read)
    if (n.meaning.find("compression pointer to offset 12") != std::string::npos) {
      saw_pointer = true;
      CHECK(n.meaning.find("b.example.") != std::string::npos);
    }
  CHECK(saw_pointer);
}

TEST_CASE("annotations of a malformed message end with the reason", "[dns][wire][annotate]") {
  const std::string bytes = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x40zzzz"s;
  const Annotations notes = annotate(bytes);
  REQUIRE_FALSE(notes.empty());
  CHECK(notes.back().meaning.find("not decoded") == 0);
  CHECK(notes.back().meaning.find("reserve") != std::string::npos);
  CHECK(notes.back().offset + notes.back().length == bytes.size());
}
