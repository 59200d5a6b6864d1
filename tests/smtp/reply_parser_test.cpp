// Tests of smtp/reply_parser: RFC 5321 §4.2.1 replies from bytes, RFC 2034 statuses.
#include <catch2/catch.hpp>

#include <string>

#include "smtp/reply_parser.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

TEST_CASE("parse_reply_lines reads single and multi-line replies", "[reply_parser]") {
  ParsedReply p = parse_reply_lines({"250-mx.b.example", "250-PIPELINING", "250 SIZE 100"});
  REQUIRE(p.ok);
  CHECK(p.reply.code == 250);
  CHECK(p.reply.status.empty());
  CHECK(p.reply.lines == std::vector<std::string>{"mx.b.example", "PIPELINING", "SIZE 100"});

  p = parse_reply_lines({"550 5.7.1 Relay access denied"});
  REQUIRE(p.ok);
  CHECK(p.reply.code == 550);
  CHECK(p.reply.status == EnhancedStatus{5, 7, 1});
  CHECK(p.reply.lines == std::vector<std::string>{"Relay access denied"});

  p = parse_reply_lines({"250-2.0.0 first", "250 2.0.0 second"});
  REQUIRE(p.ok);
  CHECK(p.reply.lines == std::vector<std::string>{"first", "second"});

  p = parse_reply_lines({"354"});  // "Reply-code [ SP textstring ]": no text at all
  REQUIRE(p.ok);
  CHECK(p.reply.code == 354);

  // A status whose class differs from the code is text, not a status.
  p = parse_reply_lines({"250 5.0.0 odd"});
  REQUIRE(p.ok);
  CHECK(p.reply.status.empty());
  CHECK(p.reply.lines.front() == "5.0.0 odd");
}

TEST_CASE("parse_reply_lines refuses malformed replies with a reason", "[reply_parser]") {
  struct Case {
    std::vector<std::string> lines;
    const char* why;
  };
  const Case cases[] = {
      {{}, "no lines"},
      {{"25"}, "three-digit"},
      {{"abc hello"}, "three-digit"},
      {{"199 too small"}, "three-digit"},
      {{"600 too big"}, "three-digit"},
      {{"260 second digit over 5"}, "three-digit"},
      {{"250-a", "251 b"}, "different codes"},
      {{"250 a", "250 b"}, "'-'"},
      {{"250-a", "250-b"}, "never ends"},
      {{"250xhello"}, "not followed by a space"},
      {{"250 " + std::string(600, 'x')}, "512"},
      {{"250 bad\x01text"}, "control"},
  };
  for (const Case& c : cases) {
    const ParsedReply p = parse_reply_lines(c.lines);
    CHECK_FALSE(p.ok);
    CHECK_THAT(p.why, Catch::Matchers::Contains(c.why));
  }
}

TEST_CASE("ReplyParser frames replies from any split of the bytes", "[reply_parser]") {
  const std::string wire = "220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 2.0.0 SIZE 10\r\n";
  for (std::size_t chunk : {wire.size(), std::size_t{1}, std::size_t{3}}) {
    ReplyParser parser;
    std::vector<Reply> replies;
    std::vector<std::string> wires;
    for (std::size_t i = 0; i < wire.size(); i += chunk) {
      parser.feed(wire.substr(i, chunk));
      Reply r;
      std::string raw;
      while (parser.next(r, &raw) == ReplyParseStatus::Complete) {
        replies.push_back(r);
        wires.push_back(raw);
      }
    }
    REQUIRE(replies.size() == 2);
    CHECK(replies[0].code == 220);
    CHECK(replies[1].lines.size() == 3);
    CHECK(wires[0] == "220 mx ESMTP\r\n");
    CHECK(wires[1] == "250-mx\r\n250-PIPELINING\r\n250 2.0.0 SIZE 10\r\n");
    CHECK(parser.buffered() == 0);
  }
}

TEST_CASE("ReplyParser reports malformed input and stays malformed", "[reply_parser]") {
  ReplyParser parser;
  parser.feed("250-a\r\n251 b\r\n220 fine\r\n");
  Reply r;
  CHECK(parser.next(r) == ReplyParseStatus::Malformed);
  CHECK_THAT(parser.error(), Catch::Matchers::Contains("different codes"));
  CHECK(parser.next(r) == ReplyParseStatus::Malformed);

  ReplyParser endless;
  for (int i = 0; i < 1000; ++i) endless.feed("250-more\r\n");
  CHECK(endless.next(r) == ReplyParseStatus::Malformed);
  CHECK_THAT(endless.error(), Catch::Matchers::Contains("64 lines"));

  ReplyParser long_line;
  long_line.feed(std::string(100000, 'x'));
  CHECK(long_line.next(r) == ReplyParseStatus::NeedMore);
  long_line.feed("\r\n");
  CHECK(long_line.next(r) == ReplyParseStatus::Malformed);
  CHECK_THAT(long_line.error(), Catch::Matchers::Contains("512"));

  ReplyParser partial;
  partial.feed("250-a\r\n250 b");
  CHECK(partial.next(r) == ReplyParseStatus::NeedMore);
  partial.feed("\r\n");
  CHECK(partial.next(r) == ReplyParseStatus::Complete);
}
