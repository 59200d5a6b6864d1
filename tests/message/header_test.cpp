// tests/message/header_test.cpp — parsing, lookup, folding and edits of header sections.
#include <catch2/catch.hpp>

#include "message/header.hpp"

using namespace smtplab::message;

TEST_CASE("parse: fields, folding kept in raw, unfolded value, body offset", "[message]") {
  const std::string message =
      "Received: from a.example (a.example [192.0.2.1])\r\n"
      "\tby mx.b.example with ESMTP; Mon, 03 Mar 2025 09:00:00 +0000\r\n"
      "Subject: Lunch?\r\n"
      "subject : second one\r\n"  // RFC 5322 §4.5.8: space before the colon
      "\r\n"
      "Body line\r\n";
  const HeaderParse p = parse_header(message);
  REQUIRE(p.ok());
  CHECK(p.error == HeaderError::None);
  REQUIRE(p.header.fields().size() == 3);
  const HeaderField& received = p.header.fields()[0];
  CHECK(received.raw_value ==
        " from a.example (a.example [192.0.2.1])\r\n\tby mx.b.example with ESMTP; Mon, 03 Mar 2025 09:00:00 +0000");
  CHECK(received.value ==
        "from a.example (a.example [192.0.2.1])\tby mx.b.example with ESMTP; Mon, 03 Mar 2025 09:00:00 +0000");
  CHECK(message.substr(p.body_offset) == "Body line\r\n");
  REQUIRE(p.header.find("SUBJECT") != nullptr);
  CHECK(p.header.find("SUBJECT")->value == "Lunch?");
  CHECK(p.header.count("subject") == 2);
  CHECK(p.header.find_all("Subject")[1]->name == "subject");
  CHECK(p.header.find("X-Missing") == nullptr);
  CHECK(p.header.received_count() == 1);
  // Serializing the parsed header gives back the original bytes.
  CHECK(p.header.serialize() + "\r\n" + "Body line\r\n" ==
        std::string("Received: from a.example (a.example [192.0.2.1])\r\n"
                    "\tby mx.b.example with ESMTP; Mon, 03 Mar 2025 09:00:00 +0000\r\n"
                    "Subject: Lunch?\r\n"
                    "subject: second one\r\n\r\nBody line\r\n"));
}

TEST_CASE("parse: bad input gives a clear error and never throws", "[message]") {
  SECTION("a line without a colon") {
    const HeaderParse p = parse_header("Subject: ok\r\nthis is not a field\r\nTo: b\r\n\r\nbody");
    CHECK(p.error == HeaderError::MissingColon);
    CHECK(p.error_line == 2);
    CHECK(p.why.find("RFC 5322 §2.2") != std::string::npos);
    CHECK(p.header.fields().size() == 2);  // the good fields are kept
    CHECK_FALSE(p.ok());
  }
  SECTION("a continuation with no field before it") {
    const HeaderParse p = parse_header(" folded\r\nTo: b\r\n\r\n");
    CHECK(p.error == HeaderError::LeadingFold);
    CHECK(p.header.count("To") == 1);
  }
  SECTION("a bad field name") {
    const HeaderParse p = parse_header("Bad Name: x\r\n: empty\r\n\r\n");
    CHECK(p.error == HeaderError::BadFieldName);
    CHECK(p.header.empty());
  }
  SECTION("an overlong line") {
    const HeaderParse p = parse_header("X: " + std::string(1000, 'a') + "\r\n\r\n");
    CHECK(p.error == HeaderError::LineTooLong);
    CHECK(p.why.find("998") != std::string::npos);
  }
  SECTION("bare LF is read but reported") {
    const HeaderParse p = parse_header("Subject: x\nTo: y\n\nbody\n");
    CHECK(p.error == HeaderError::BareLineFeed);
    CHECK(p.header.count("To") == 1);
    CHECK(p.body_offset == 18);  // 11 + 6 + 1
  }
  SECTION("no empty line: all header, no body (allowed)") {
    const HeaderParse p = parse_header("Subject: x\r\nTo: y");
    CHECK(p.error == HeaderError::NoBody);
    CHECK(p.ok());
    CHECK(p.header.find("to")->value == "y");
  }
  SECTION("garbage bytes and empty input") {
    std::string junk;
    for (int i = 0; i < 256; ++i) junk += static_cast<char>(i);
    CHECK_NOTHROW(parse_header(junk));
    CHECK_NOTHROW(parse_header(""));
    CHECK(parse_header("").header.empty());
    CHECK_NOTHROW(parse_header("\r\n\r\n:\r\n"));
  }
}

TEST_CASE("format_field folds at 78 columns and refuses line breaks in values", "[message]") {
  const std::string value =
      "from client.a.example (smtp.a.example [192.0.2.25]) by mx.b.example with ESMTPS id 4F2A1 for <bob@b.example>; Mon, 03 Mar 2025 09:00:00 +0000";
  const std::string field = format_field("Received", value);
  CHECK(field.ends_with("\r\n"));
  std::size_t start = 0, lines = 0;
  while (start < field.size()) {
    const std::size_t end = field.find("\r\n", start);
    CHECK(end - start <= line_length_recommended_max);
    if (start > 0) CHECK(field[start] == ' ');  // every fold is CRLF before WSP
    start = end + 2;
    ++lines;
  }
  CHECK(lines >= 2);
  // Unfolding gives the value back.
  const HeaderParse p = parse_header(field + "\r\n");
  CHECK(p.header.find("Received")->value == value);

  // Header injection: CRLF in a value must not start a new field.
  const std::string injected = format_field("Subject", "hi\r\nBcc: victim@c.example");
  CHECK(parse_header(injected + "\r\n").header.count("Bcc") == 0);
  CHECK(format_field("X", std::string(200, 'a')).size() == 3 + 200 + 2);  // unbreakable
}

TEST_CASE("prepend, remove and byte-preserving edits", "[message]") {
  const std::string message = "Return-Path: <forged@x.example>\r\n"
                              "Subject: hi\r\n"
                              "RETURN-PATH: <also@x.example>\r\n  folded\r\n"
                              "\r\n"
                              "Return-Path: in the body stays\r\n";
  const std::string cleaned = remove_fields(message, "Return-Path");
  CHECK(cleaned == "Subject: hi\r\n\r\nReturn-Path: in the body stays\r\n");
  const std::string stamped = prepend_field(cleaned, "Return-Path", "<alice@a.example>");
  CHECK(stamped.starts_with("Return-Path: <alice@a.example>\r\nSubject: hi\r\n"));

  HeaderParse p = parse_header(message);
  p.header.prepend("Received", "from x by y; date");
  CHECK(p.header.fields().front().name == "Received");
  CHECK(p.header.remove("return-path") == 2);
  p.header.append("X-Test", "1");
  CHECK(p.header.serialize() == "Received: from x by y; date\r\nSubject: hi\r\nX-Test: 1\r\n");
}

TEST_CASE("received_count counts every Received field for loop detection", "[message]") {
  std::string message;
  for (int i = 0; i < 101; ++i) message += "Received: from h" + std::to_string(i) + " by x; date\r\n";
  message += "Subject: loop\r\n\r\nbody\r\n";
  CHECK(parse_header(message).header.received_count() == 101);
}

TEST_CASE("count_fields agrees with parse_header on every shape of header", "[message]") {
  const std::vector<std::string> messages = {
      // folded Received fields, other names, any case, a Received line in the body
      "Received: from a\r\n\tby b; date\r\nreceived: from c by d; date\r\nSubject: x\r\n"
      "RECEIVED : from e by f; date\r\n\r\nReceived: in the body\r\n",
      // a header that never ends (no empty line), bare LF line ends
      "Received: one\nReceived: two\nX-Received: not this one\n",
      // a continuation line that looks like a field (it starts with WSP)
      "Subject: hi\r\n Received: part of the subject\r\nReceived: real\r\n\r\n",
      // no header at all
      "\r\nReceived: body only\r\n",
      "",
  };
  for (const std::string& m : messages) {
    INFO(m);
    CHECK(count_fields(m, "Received") == parse_header(m).header.count("Received"));
  }
  CHECK(count_fields(messages[0], "Received") == 3);
  CHECK(count_fields(messages[1], "received") == 2);
  CHECK(count_fields(messages[2], "Received") == 1);
  CHECK(count_fields(messages[3], "Received") == 0);
}
