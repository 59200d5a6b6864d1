// exercises/01-reply-parser/tests/reply_parser_test.cpp — the graded tests of
// exercise 1. Each TEST_CASE is worth the points in its [points=N] tag, all or nothing.
//
// Standards: RFC 5321 §4.2, §4.2.1, §4.5.3.1.5; RFC 2034 §4; RFC 3463 §2.
// API: Catch2 v2 test cases; run them with `smtplab grade exercises/01-reply-parser`.
// Not implemented: replies with SMTPUTF8 text (RFC 6531), which smtplab does not speak.
//
// Rule: every case checks at least one reply that must be ACCEPTED, so a parser that
// refuses everything scores nothing; the refusals are checked beside valid twins.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "exercise.hpp"
#include "smtp/client_session.hpp"

using smtplab::EnhancedStatus;
using smtplab::smtp::ParsedReply;
using smtplab::student::parse_reply_lines;
using Lines = std::vector<std::string>;

namespace {

// Checks that `lines` are refused with a reason, and says which reply it was.
void require_refused(const Lines& lines) {
  std::string shown;
  for (const auto& line : lines) shown += "\"" + line.substr(0, 60) + "\" ";
  INFO("reply lines: " << shown);
  const ParsedReply p = parse_reply_lines(lines);
  CHECK_FALSE(p.ok);
  CHECK_FALSE(p.why.empty());  // say why, for the student reading the trace
}

}  // namespace

TEST_CASE("a single-line reply gives its code and its text", "[points=2]") {
  ParsedReply p = parse_reply_lines({"250 OK"});
  REQUIRE(p.ok);
  CHECK(p.reply.code == 250);
  CHECK(p.reply.status.empty());
  CHECK(p.reply.lines == Lines{"OK"});

  p = parse_reply_lines({"220 mx.b.example ESMTP ready"});
  REQUIRE(p.ok);
  CHECK(p.reply.code == 220);
  CHECK(p.reply.lines == Lines{"mx.b.example ESMTP ready"});

  // RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
  //                Reply-code [ SP textstring ] CRLF — the text is optional.
  p = parse_reply_lines({"354"});
  REQUIRE(p.ok);
  CHECK(p.reply.code == 354);
  CHECK(p.reply.lines == Lines{""});
}

TEST_CASE("a multi-line reply gives the text of every line, in order", "[points=3]") {
  // RFC 5321 §4.2.1: "250-" on every line but the last, "250 " on the last.
  ParsedReply p = parse_reply_lines({"250-mx.b.example greets you", "250-PIPELINING", "250-SIZE 10240000", "250 HELP"});
  REQUIRE(p.ok);
  CHECK(p.reply.code == 250);
  CHECK(p.reply.lines == Lines{"mx.b.example greets you", "PIPELINING", "SIZE 10240000", "HELP"});

  // A continuation line may have no text at all.
  p = parse_reply_lines({"214-", "214 end of help"});
  REQUIRE(p.ok);
  CHECK(p.reply.lines == Lines{"", "end of help"});
}

TEST_CASE("an enhanced status code is read and taken out of every line", "[points=3]") {
  // RFC 2034 §4: the status "MUST be prefixed to the text part of all SMTP responses".
  ParsedReply p = parse_reply_lines({"550 5.7.1 Relay access denied"});
  REQUIRE(p.ok);
  CHECK(p.reply.code == 550);
  CHECK(p.reply.status == EnhancedStatus{5, 7, 1});
  CHECK(p.reply.lines == Lines{"Relay access denied"});

  p = parse_reply_lines({"452-4.5.3 Too many recipients", "452 4.5.3 send the rest later"});
  REQUIRE(p.ok);
  CHECK(p.reply.status == EnhancedStatus{4, 5, 3});
  CHECK(p.reply.lines == Lines{"Too many recipients", "send the rest later"});

  // RFC 3463 §2: subject and detail may have up to three digits.
  p = parse_reply_lines({"554 5.123.456 odd but valid"});
  REQUIRE(p.ok);
  CHECK(p.reply.status == EnhancedStatus{5, 123, 456});
  CHECK(p.reply.lines == Lines{"odd but valid"});
}

TEST_CASE("text that only looks like a status stays text", "[points=2]") {
  // RFC 3463 §2: the class is the code's own first digit; "250 5.0.0" is text.
  ParsedReply p = parse_reply_lines({"250 5.0.0 odd"});
  REQUIRE(p.ok);
  CHECK(p.reply.status.empty());
  CHECK(p.reply.lines == Lines{"5.0.0 odd"});

  p = parse_reply_lines({"250 2.0 not a status"});
  REQUIRE(p.ok);
  CHECK(p.reply.status.empty());
  CHECK(p.reply.lines == Lines{"2.0 not a status"});

  p = parse_reply_lines({"220 2.0.0.1 four numbers"});
  REQUIRE(p.ok);
  CHECK(p.reply.status.empty());
}

TEST_CASE("a line without a valid three-digit code is refused", "[points=2]") {
  REQUIRE(parse_reply_lines({"251 User not local; will forward"}).ok);  // the valid twin
  require_refused({});
  require_refused({"25"});
  require_refused({"abc hello"});
  require_refused({"199 first digit too small"});  // RFC 5321 §4.2: %x32-35
  require_refused({"600 first digit too big"});
  require_refused({"260 second digit over 5"});   // %x30-35
  require_refused({"25x third digit not a digit"});
  require_refused({"250hello"});                   // no space after the code
}

TEST_CASE("a multi-line reply with mixed codes or wrong separators is refused", "[points=3]") {
  REQUIRE(parse_reply_lines({"250-a", "250 b"}).ok);  // the valid twin
  // RFC 5321 §4.2.1: "the reply code on each of the lines MUST be the same".
  require_refused({"250-a", "251 b"});
  require_refused({"250 a", "250 b"});    // a line before the last without '-'
  require_refused({"250-a", "250-b"});    // the last line with '-': never ends
}

TEST_CASE("over-long lines and control characters are refused", "[points=2]") {
  REQUIRE(parse_reply_lines({"250 " + std::string(506, 'x')}).ok);  // 510 + CRLF = 512: the limit
  // RFC 5321 §4.5.3.1.5: "The maximum total length of a reply line including the reply
  // code and the <CRLF> is 512 octets."
  require_refused({"250 " + std::string(507, 'x')});
  // RFC 5321 §4.2: textstring = 1*(%d09 / %d32-126): no other control bytes.
  require_refused({"250 bad\x01text"});
  require_refused({"250-fine", "250 bad\x7ftext"});
  REQUIRE(parse_reply_lines({"250 tab\tis allowed"}).ok);
}

namespace {

// Runs one delivery with the real client engine using the student's parser, against a
// scripted server, and returns the dialogue as a readable transcript.
struct Dialogue {
  std::string transcript;
  smtplab::smtp::ClientResult result;
};

Dialogue run_client(const std::vector<std::string>& server_replies) {
  using namespace smtplab;
  smtp::ClientConfig config;
  config.helo_name = "client.example";
  config.use_pipelining = false;
  config.seams.parse_reply_lines = &student::parse_reply_lines;  // the seam
  smtp::ClientJob job;
  job.mail_from = *parse_reverse_path("<alice@a.example>").path;
  job.rcpt_to = {*parse_forward_path("<bob@b.example>").path, *parse_forward_path("<carol@b.example>").path};
  job.message = "Subject: hi\r\n\r\nHello\r\n";
  smtp::ClientSession client(config, job);
  Dialogue d;
  const auto show = [&d](const std::string& who, std::string bytes) {
    std::size_t pos;
    while ((pos = bytes.find("\r\n")) != std::string::npos) {
      d.transcript += who + bytes.substr(0, pos) + "\n";
      bytes.erase(0, pos + 2);
    }
  };
  for (const std::string& reply : server_replies) {
    if (client.done()) break;
    show("S: ", reply);
    client.receive(reply);
    show("C: ", client.take_output());
  }
  d.result = client.result();
  return d;
}

}  // namespace

TEST_CASE("your parser drives the real SMTP client through a delivery", "[points=3]") {
  const Dialogue d = run_client({
      "220 mx.b.example ESMTP\r\n",
      "250-mx.b.example\r\n250-SIZE 1000000\r\n250 ENHANCEDSTATUSCODES\r\n",
      "250 2.1.0 Sender OK\r\n",
      "250 2.1.5 Recipient OK\r\n",
      "550-5.1.1 No such user\r\n550 5.1.1 carol is unknown here\r\n",
      "354 End data with <CR><LF>.<CR><LF>\r\n",
      "250 2.0.0 Queued as 42\r\n",
      "221 2.0.0 Bye\r\n",
  });
  const std::string expected =
      "S: 220 mx.b.example ESMTP\n"
      "C: EHLO client.example\n"
      "S: 250-mx.b.example\n"
      "S: 250-SIZE 1000000\n"
      "S: 250 ENHANCEDSTATUSCODES\n"
      "C: MAIL FROM:<alice@a.example> SIZE=22\n"
      "S: 250 2.1.0 Sender OK\n"
      "C: RCPT TO:<bob@b.example>\n"
      "S: 250 2.1.5 Recipient OK\n"
      "C: RCPT TO:<carol@b.example>\n"
      "S: 550-5.1.1 No such user\n"
      "S: 550 5.1.1 carol is unknown here\n"
      "C: DATA\n"
      "S: 354 End data with <CR><LF>.<CR><LF>\n"
      "C: Subject: hi\n"
      "C: \n"
      "C: Hello\n"
      "C: .\n"
      "S: 250 2.0.0 Queued as 42\n"
      "C: QUIT\n"
      "S: 221 2.0.0 Bye\n";
  CHECK(d.transcript == expected);
  REQUIRE(d.result.recipients.size() == 2);
  CHECK(d.result.recipients[0].reply.code == 250);
  CHECK(d.result.recipients[0].reply.lines == Lines{"Queued as 42"});
  CHECK(d.result.recipients[1].reply.code == 550);
  CHECK(d.result.recipients[1].reply.status == EnhancedStatus{5, 1, 1});
  CHECK(d.result.recipients[1].reply.lines == Lines{"No such user", "carol is unknown here"});
}
