// exercises/02-paths-and-parameters/tests/paths_test.cpp — the graded tests of
// exercise 2. Each TEST_CASE is worth the points in its [points=N] tag, all or nothing.
//
// Standards: RFC 5321 §4.1.1.2-3, §4.1.2, §3.3, §4.5.3.1.3, §4.5.5.
// API: Catch2 v2 test cases; run them with `smtplab grade exercises/02-paths-and-parameters`.
// Not implemented: SMTPUTF8 addresses (RFC 6531).
//
// Rule: every case checks at least one path that must be ACCEPTED, so a parser that
// refuses everything scores nothing.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "exercise.hpp"
#include "smtp/server_session.hpp"

using smtplab::PathParse;
using smtplab::ReplyId;
namespace student = smtplab::student;

namespace {

void require_refused_sender(std::string_view text) {
  INFO("MAIL FROM:" << text);
  const PathParse p = student::parse_reverse_path(text);
  CHECK_FALSE(p.path.has_value());
  CHECK_FALSE(p.why.empty());
  CHECK(p.error == ReplyId::BadSenderSyntax);  // 501 5.1.7 (RFC 3463 §3.2)
}

void require_refused_recipient(std::string_view text) {
  INFO("RCPT TO:" << text);
  const PathParse p = student::parse_forward_path(text);
  CHECK_FALSE(p.path.has_value());
  CHECK_FALSE(p.why.empty());
  CHECK(p.error == ReplyId::BadRecipientSyntax);  // 501 5.1.3
}

std::string keyword_list(const smtplab::smtp::ParameterParse& p) {
  std::string out;
  for (const auto& param : p.parameters) out += param.keyword + "=" + param.value + ";";
  return out;
}

}  // namespace

TEST_CASE("a path is a mailbox in angle brackets", "[points=2]") {
  PathParse p = student::parse_reverse_path("<alice@a.example>");
  REQUIRE(p.path.has_value());
  CHECK_FALSE(p.path->null);
  CHECK(p.path->mailbox.local_part == "alice");
  CHECK(p.path->mailbox.domain == "a.example");
  CHECK(p.parameters.empty());
  CHECK(p.why.empty());

  p = student::parse_forward_path("<bob.smith@mx.b.example>");
  REQUIRE(p.path.has_value());
  CHECK(p.path->mailbox.local_part == "bob.smith");
  CHECK(p.path->mailbox.domain == "mx.b.example");

  p = student::parse_forward_path("<bob@[192.0.2.25]>");  // an address literal (§4.1.3)
  REQUIRE(p.path.has_value());
  CHECK(p.path->mailbox.domain == "[192.0.2.25]");
}

TEST_CASE("the null reverse-path <> is for senders only", "[points=2]") {
  // RFC 5321 §4.5.5: notifications are sent with the null reverse-path "<>".
  PathParse p = student::parse_reverse_path("<>");
  REQUIRE(p.path.has_value());
  CHECK(p.path->null);
  p = student::parse_reverse_path("<> SIZE=100");
  REQUIRE(p.path.has_value());
  CHECK(p.path->null);
  CHECK(p.parameters == "SIZE=100");
  // A recipient must be a mailbox.
  require_refused_recipient("<>");
}

TEST_CASE("<Postmaster> needs no domain, as a recipient", "[points=2]") {
  // RFC 5321 §4.1.1.3: "servers MUST NOT require a domain for Postmaster"; §4.5.1: the
  // local part Postmaster is case-insensitive.
  for (const char* text : {"<Postmaster>", "<postmaster>", "<POSTMASTER>"}) {
    INFO("RCPT TO:" << text);
    const PathParse p = student::parse_forward_path(text);
    REQUIRE(p.path.has_value());
    CHECK(p.path->postmaster);
  }
  const PathParse with_domain = student::parse_forward_path("<postmaster@b.example>");
  REQUIRE(with_domain.path.has_value());
  CHECK(with_domain.path->mailbox.domain == "b.example");
  // Only as a recipient: a sender has a domain.
  require_refused_sender("<Postmaster>");
}

TEST_CASE("parameters after the path are split off", "[points=3]") {
  // RFC 5321 §4.1.1.2: "MAIL FROM:" Reverse-path [SP Mail-parameters] CRLF
  PathParse p = student::parse_reverse_path("<alice@a.example> SIZE=1000 BODY=8BITMIME");
  REQUIRE(p.path.has_value());
  CHECK(p.path->mailbox.local_part == "alice");
  CHECK(p.parameters == "SIZE=1000 BODY=8BITMIME");

  p = student::parse_forward_path("<bob@b.example> NOTIFY=NEVER");
  REQUIRE(p.path.has_value());
  CHECK(p.parameters == "NOTIFY=NEVER");

  // The SP is required between '>' and the parameters.
  require_refused_sender("<alice@a.example>SIZE=1000");
}

TEST_CASE("ESMTP parameters: keywords, values and duplicates", "[points=3]") {
  using smtplab::smtp::ParameterParse;
  ParameterParse p = student::parse_esmtp_parameters("size=1000 BODY=8BITMIME");
  REQUIRE(p.why.empty());
  CHECK(keyword_list(p) == "SIZE=1000;BODY=8BITMIME;");  // keywords upper-cased (§2.4)

  p = student::parse_esmtp_parameters("SMTPUTF8 X-TRACE=abc");  // a keyword needs no value
  REQUIRE(p.why.empty());
  CHECK(keyword_list(p) == "SMTPUTF8=;X-TRACE=abc;");

  p = student::parse_esmtp_parameters("");
  CHECK(p.why.empty());
  CHECK(p.parameters.empty());

  // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-"); esmtp-value = 1*(%d33-60 / %d62-126)
  for (const char* bad : {"=1000", "-X=1", "SI_ZE=1", "SIZE=", "A=b=c", "SIZE=1 size=2"}) {
    INFO("parameters: " << bad);
    CHECK_FALSE(student::parse_esmtp_parameters(bad).why.empty());
  }
}

TEST_CASE("paths that break RFC 5321 §4.1.2 are refused with 501", "[points=3]") {
  REQUIRE(student::parse_reverse_path("<a@b.example>").path.has_value());  // the valid twin
  require_refused_sender("");                  // nothing at all
  require_refused_sender(" <a@b.example>");    // RFC 5321 §3.3: no space after the colon
  require_refused_sender("a@b.example");       // no angle brackets
  require_refused_sender("<a@b.example");      // no closing '>'
  require_refused_sender("<a@@b.example>");
  require_refused_sender("<a@b..example>");
  require_refused_sender("<a b@b.example>");   // a space needs a quoted local part
  require_refused_recipient("<bob>");          // no domain, and not Postmaster
  require_refused_recipient("<bob@>");
  require_refused_recipient("bob@b.example");
}

TEST_CASE("quoted local parts and source routes", "[points=2]") {
  // RFC 5321 §4.1.2: Quoted-string = DQUOTE *QcontentSMTP DQUOTE.
  PathParse p = student::parse_forward_path("<\"john doe\"@b.example>");
  REQUIRE(p.path.has_value());
  CHECK(p.path->mailbox.local_part == "john doe");
  // A '>' inside quotes does not close the path.
  p = student::parse_forward_path("<\"a>b\"@c.example> NOTIFY=NEVER");
  REQUIRE(p.path.has_value());
  CHECK(p.path->mailbox.local_part == "a>b");
  CHECK(p.parameters == "NOTIFY=NEVER");
  // RFC 5321 §4.1.2 / Appendix C: source routes "MUST" be accepted, "SHOULD" be ignored.
  p = student::parse_forward_path("<@relay.example,@hop.example:bob@b.example>");
  REQUIRE(p.path.has_value());
  CHECK(p.path->mailbox.local_part == "bob");
  CHECK(p.path->mailbox.domain == "b.example");
}

TEST_CASE("a path is at most 256 octets", "[points=1]") {
  // RFC 5321 §4.5.3.1.3: "The maximum total length of a reverse-path or forward-path is
  // 256 octets (including the punctuation and element separators)."
  const std::string domain = std::string(60, 'x') + "." + std::string(60, 'y') + "." + std::string(60, 'z') + ".";
  const std::string fits = "<" + std::string(64, 'a') + "@" + domain + std::string(6, 'w') + ">";
  REQUIRE(fits.size() == 256);
  CHECK(student::parse_forward_path(fits).path.has_value());
  const std::string too_long = "<" + std::string(64, 'a') + "@" + domain + std::string(7, 'w') + ">";
  require_refused_recipient(too_long);
}

namespace {

// A policy that accepts every recipient and every message: the test looks at syntax.
class AcceptAll final : public smtplab::smtp::ServerPolicy {
 public:
  bool is_local_domain(std::string_view) const override { return true; }
  bool is_local_user(const smtplab::Mailbox&) const override { return true; }
  smtplab::Reply on_message(const smtplab::smtp::Session&, const smtplab::smtp::Transaction&) override {
    return smtplab::make_reply(ReplyId::MessageAccepted, "queued as 1");
  }
};

// Sends each command to a real server engine that uses the student's parsers, and
// returns the dialogue "C: ...\nS: ...\n".
std::string run_server(const std::vector<std::string>& commands) {
  smtplab::smtp::ServerConfig config;
  config.host_name = "mx.b.example";
  config.seams.parse_reverse_path = &student::parse_reverse_path;
  config.seams.parse_forward_path = &student::parse_forward_path;
  config.seams.parse_esmtp_parameters = &student::parse_esmtp_parameters;
  AcceptAll policy;
  smtplab::smtp::ServerSession server(config, policy);
  server.start("192.0.2.10", "client.example");
  (void)server.take_output();
  std::string transcript;
  for (const std::string& command : commands) {
    transcript += "C: " + command + "\n";
    server.receive(command + "\r\n");
    std::string out = server.take_output();
    std::size_t pos;
    while ((pos = out.find("\r\n")) != std::string::npos) {
      // The EHLO reply's keyword lines are not what this exercise is about.
      if (out.compare(0, 4, "250-") != 0) transcript += "S: " + out.substr(0, pos) + "\n";
      out.erase(0, pos + 2);
    }
  }
  return transcript;
}

}  // namespace

TEST_CASE("your parsers decide what the real server answers", "[points=3]") {
  const std::string actual = run_server({
      "EHLO client.example",
      "MAIL FROM:<alice@a.example> SIZE=100",
      "RCPT TO:<bob@b.example>",
      "RCPT TO:<Postmaster>",
      "RCPT TO: <carol@b.example>",
      "RCPT TO:<carol@b.example> NOTIFY=NEVER",
      "RSET",
      "MAIL FROM:<>",
      "RSET",
      "MAIL FROM:alice@a.example",
      "QUIT",
  });
  const std::string expected =
      "C: EHLO client.example\n"
      "S: 250 ENHANCEDSTATUSCODES\n"
      "C: MAIL FROM:<alice@a.example> SIZE=100\n"
      "S: 250 2.1.0 Sender OK\n"
      "C: RCPT TO:<bob@b.example>\n"
      "S: 250 2.1.5 Recipient OK\n"
      "C: RCPT TO:<Postmaster>\n"
      "S: 250 2.1.5 Recipient OK\n"
      "C: RCPT TO: <carol@b.example>\n"
      "S: 501 5.1.3 Bad destination mailbox address syntax\n"
      "C: RCPT TO:<carol@b.example> NOTIFY=NEVER\n"
      "S: 555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented\n"
      "C: RSET\n"
      "S: 250 2.0.0 Reset OK\n"
      "C: MAIL FROM:<>\n"
      "S: 250 2.1.0 Sender OK\n"
      "C: RSET\n"
      "S: 250 2.0.0 Reset OK\n"
      "C: MAIL FROM:alice@a.example\n"
      "S: 501 5.1.7 Bad sender address syntax\n"
      "C: QUIT\n"
      "S: 221 2.0.0 Bye\n";
  // The reply texts after the code carry your `why`; only the code and status are
  // compared, so any clear sentence of yours is fine.
  const auto codes_only = [](const std::string& transcript) {
    std::string out;
    std::size_t start = 0;
    while (start < transcript.size()) {
      const std::size_t end = transcript.find('\n', start);
      std::string line = transcript.substr(start, end - start);
      if (line.rfind("S: ", 0) == 0) line = line.substr(0, std::min<std::size_t>(line.size(), 12));
      out += line + "\n";
      start = end + 1;
    }
    return out;
  };
  CHECK(codes_only(actual) == codes_only(expected));
}
