// tests/message/compose_test.cpp — dates, Message-IDs, trace fields and composing.
#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "message/compose.hpp"
#include "message/date.hpp"
#include "message/header.hpp"
#include "message/message_id.hpp"
#include "message/trace_fields.hpp"

using namespace smtplab;
using namespace smtplab::message;

namespace {
constexpr TimeMs epoch = 1'740'992'400'000;  // 2025-03-03T09:00:00Z (date -u -d @1740992400)
}

TEST_CASE("format_date writes RFC 5322 §3.3 date-time", "[message]") {
  CHECK(format_date(epoch) == "Mon, 03 Mar 2025 09:00:00 +0000");
  CHECK(format_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
  CHECK(format_date(epoch + 999) == "Mon, 03 Mar 2025 09:00:00 +0000");  // ms truncated
  // Five days and a bit later, across a month end and a leap-year February.
  CHECK(format_date(1'709'164'799'000) == "Wed, 28 Feb 2024 23:59:59 +0000");
  CHECK(format_date(1'709'164'800'000) == "Thu, 29 Feb 2024 00:00:00 +0000");
  CHECK(format_date(epoch, -300) == "Mon, 03 Mar 2025 04:00:00 -0500");
  CHECK(format_date(epoch, 330) == "Mon, 03 Mar 2025 14:30:00 +0530");
  CHECK(format_date(epoch, 100000) == "Tue, 04 Mar 2025 08:59:00 +2359");  // clamped
  CHECK(format_date(-1000) == "Wed, 31 Dec 1969 23:59:59 +0000");
}

TEST_CASE("make_message_id is a valid msg-id and deterministic per seed", "[message]") {
  SeededRandom a(42), b(42), c(43);
  const std::string id = make_message_id(a, "a.example");
  CHECK(id == make_message_id(b, "a.example"));
  CHECK(id != make_message_id(c, "a.example"));
  CHECK(id != make_message_id(a, "a.example"));  // the next one differs
  REQUIRE(id.size() == 1 + 32 + 1 + 9 + 1);
  CHECK(id.front() == '<');
  CHECK(id.back() == '>');
  CHECK(id.substr(33, 11) == "@a.example>");
  CHECK(make_message_id(a, "bad domain\r\nX: y").ends_with("@invalid>"));
  CHECK(make_message_id(a, "").ends_with("@invalid>"));
  CHECK(is_dot_atom_text("a.example"));
  CHECK_FALSE(is_dot_atom_text("a..example"));
  CHECK_FALSE(is_dot_atom_text(".a"));
}

TEST_CASE("received field follows RFC 5321 §4.4 and RFC 3848", "[message]") {
  ReceivedInfo info;
  info.helo = "client.a.example";
  info.peer_name = "smtp.a.example";
  info.peer_address = "192.0.2.25";
  info.by_host = "mx.b.example";
  info.protocol = received_protocol(true, true, false);
  info.id = "4F2A1";
  info.for_path = "bob@b.example";
  info.time_ms = epoch;
  CHECK(received_value(info) ==
        "from client.a.example (smtp.a.example [192.0.2.25]) by mx.b.example with ESMTPS "
        "id 4F2A1 for <bob@b.example>; Mon, 03 Mar 2025 09:00:00 +0000");
  const std::string field = received_field(info);
  CHECK(field.starts_with("Received: from client.a.example"));
  CHECK(parse_header(field + "\r\n").header.find("received")->value == received_value(info));

  CHECK(to_string(received_protocol(false, true, true)) == "SMTP");
  CHECK(to_string(received_protocol(true, false, false)) == "ESMTP");
  CHECK(to_string(received_protocol(true, false, true)) == "ESMTPA");
  CHECK(to_string(received_protocol(true, true, true)) == "ESMTPSA");

  SECTION("IPv6, no name, no HELO, no id, several recipients") {
    ReceivedInfo v6;
    v6.peer_address = "2001:db8::25";
    v6.by_host = "mx";
    v6.time_ms = epoch;
    CHECK(received_value(v6) ==
          "from [IPv6:2001:db8::25] ([IPv6:2001:db8::25]) by mx with ESMTP; Mon, 03 Mar 2025 09:00:00 +0000");
  }
  SECTION("a hostile HELO cannot inject a field") {
    ReceivedInfo evil = info;
    evil.helo = "x\r\nBcc: victim@c.example\r\n(";
    const HeaderParse p = parse_header(received_field(evil) + "\r\n");
    CHECK(p.header.fields().size() == 1);
    CHECK(p.header.count("Bcc") == 0);
    CHECK(p.header.find("Received")->value.starts_with("from x??Bcc:?victim@c.example???"));
  }
}

TEST_CASE("return path", "[message]") {
  CHECK(return_path_field("<alice@a.example>") == "Return-Path: <alice@a.example>\r\n");
  CHECK(return_path_field("alice@a.example") == "Return-Path: <alice@a.example>\r\n");
  CHECK(return_path_field("<>") == "Return-Path: <>\r\n");
  CHECK(return_path_field("") == "Return-Path: <>\r\n");
  // Brackets and line breaks inside are neutralized: still one field, one path.
  CHECK(return_path_field("<a@b>\r\nX: y") == "Return-Path: <?a@b???X: y>\r\n");
}

TEST_CASE("compose: a plain ASCII message has no MIME fields", "[message]") {
  SeededRandom random(1);
  Draft draft;
  draft.from = "Alice <alice@a.example>";
  draft.to = {"bob@b.example", "Carol <carol@c.example>"};
  draft.cc = {"dave@d.example"};
  draft.subject = "Lunch?";
  draft.body = "Noon at the usual place.\nBring Bob.";
  draft.date_ms = epoch;
  const Composed m = compose(draft, random);
  CHECK_FALSE(m.mime);
  CHECK(m.message_id.ends_with("@a.example>"));
  CHECK(m.content == "Date: Mon, 03 Mar 2025 09:00:00 +0000\r\n"
                     "From: Alice <alice@a.example>\r\n"
                     "To: bob@b.example, Carol <carol@c.example>\r\n"
                     "Cc: dave@d.example\r\n"
                     "Subject: Lunch?\r\n"
                     "Message-ID: " + m.message_id + "\r\n"
                     "\r\n"
                     "Noon at the usual place.\r\nBring Bob.\r\n");
  const HeaderParse p = parse_header(m.content);
  CHECK(p.error == HeaderError::None);
  CHECK(p.header.count("MIME-Version") == 0);
  // Deterministic: same seed, same message.
  SeededRandom again(1);
  CHECK(compose(draft, again).content == m.content);
}

TEST_CASE("compose: long lines and non-ASCII need MIME quoted-printable", "[message]") {
  SeededRandom random(1);
  Draft draft;
  draft.from = "alice@a.example";
  draft.to = {"bob@b.example"};
  draft.subject = "Grüße aus Köln — ein sehr langer Betreff, der mehrere encoded-words braucht";
  draft.body = std::string(2000, 'x') + "\nCafé = ok \n";
  draft.date_ms = epoch;
  draft.message_id = "<fixed@a.example>";
  const Composed m = compose(draft, random);
  CHECK(m.mime);
  CHECK(m.message_id == "<fixed@a.example>");
  const HeaderParse p = parse_header(m.content);
  REQUIRE(p.ok());
  CHECK(p.header.find("MIME-Version")->value == "1.0");
  CHECK(p.header.find("Content-Transfer-Encoding")->value == "quoted-printable");
  // Every line of the whole message respects RFC 5322 §2.1.1 and the body's lines
  // respect RFC 2045 §6.7's 76.
  std::size_t start = 0;
  while (start < m.content.size()) {
    const std::size_t end = m.content.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    // RFC 2047 §2: a line with encoded-words is at most 76 characters.
    CHECK(end - start <= quoted_printable_line_max);
    start = end + 2;
  }
  const std::string body = m.content.substr(p.body_offset);
  CHECK(body.find("Caf=C3=A9 =3D ok=20\r\n") != std::string::npos);  // trailing space encoded
  CHECK(body.find("=\r\n") != std::string::npos);                    // soft breaks
  // The subject is 7-bit encoded-words, each at most 75 characters.
  const std::string subject = p.header.find("Subject")->value;
  CHECK(subject.starts_with("=?UTF-8?B?"));
  CHECK(std::all_of(m.content.begin(), m.content.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 128; }));
}

TEST_CASE("compose pieces: base64, QP, encoded words, line endings", "[message]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foobar") == "Zm9vYmFy");  // RFC 4648 §10 test vectors
  CHECK(normalize_line_endings("a\nb\rc\r\nd") == "a\r\nb\r\nc\r\nd");
  CHECK(quoted_printable_encode("a=b\r\nend \r\n") == "a=3Db\r\nend=20\r\n");
  CHECK(encode_header_text("plain") == "plain");
  CHECK(encode_header_text("é") == "=?UTF-8?B?w6k=?=");
  // 'aé' repeated: 3 octets a time. 36 octets fit a word; "a" + 17 * "éa" + "é" = 36
  // would split nothing, so start with "aé" * 12 = 36 octets then one more "é".
  std::string many;
  for (int i = 0; i < 12; ++i) many += "aé";
  many += "é";
  const std::string words = encode_header_text(many);
  CHECK(words == "=?UTF-8?B?" + base64_encode(many.substr(0, 36)) + "?= =?UTF-8?B?" +
                     base64_encode(many.substr(36)) + "?=");
  // A character is never split: 35 ASCII octets then a 2-octet character.
  const std::string edge = std::string(35, 'a') + "é";
  CHECK(encode_header_text(edge) == "=?UTF-8?B?" + base64_encode(edge.substr(0, 35)) +
                                        "?= =?UTF-8?B?" + base64_encode("é") + "?=");
}
