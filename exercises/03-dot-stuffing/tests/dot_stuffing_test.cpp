// exercises/03-dot-stuffing/tests/dot_stuffing_test.cpp — the graded tests of
// exercise 3. Each TEST_CASE is worth the points in its [points=N] tag, all or nothing.
//
// Standards: RFC 5321 §4.5.2, §4.1.1.4, §2.3.8; SMTP smuggling (CVE-2023-51764/5/6,
//            ../shared/conformance/smtp/smtp-smuggling-sequences.md).
// API: Catch2 v2 test cases; run them with `smtplab grade exercises/03-dot-stuffing`.
// Not implemented: BDAT (RFC 3030), which needs no dot-stuffing at all.
//
// Rule (STYLE §23): one test per attack class; every smuggling sequence is checked.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "exercise.hpp"
#include "smtp/client_session.hpp"
#include "smtp/server_session.hpp"

using namespace std::string_literals;
namespace student = smtplab::student;
using smtplab::smtp::DataScan;

namespace {

// Shows bytes with CR and LF visible, so a failed comparison reads clearly.
std::string visible(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (c == '\0') out += "\\0";
    else out += c;
  }
  return out;
}

// The sequences of the conformance file's table (column "hex bytes").
const std::vector<std::string> smuggling_sequences = {
    "\n.\n"s,         "\n.\r"s,          "\r.\n"s,       "\r.\r"s,
    "\n.\r\n"s,       "\r.\r\n"s,        "\r\n.\n"s,     "\r\n.\r"s,
    "\r\n\x00.\r\n"s, "\r\n.\x00\r\n"s,  "\r\n.\r\r\n"s, "\r\r\n.\r\r\n"s,
};

}  // namespace

TEST_CASE("dot_stuff doubles a dot at the start of a line", "[points=2]") {
  CHECK(visible(student::dot_stuff("a\r\n.b\r\n")) == visible("a\r\n..b\r\n"));
  CHECK(visible(student::dot_stuff(".\r\n")) == visible("..\r\n"));
  CHECK(visible(student::dot_stuff("..x\r\nend.\r\n")) == visible("...x\r\nend.\r\n"));
  CHECK(visible(student::dot_stuff("no dots here\r\n")) == visible("no dots here\r\n"));
}

TEST_CASE("dot_stuff sends CRLF line endings and ends with one", "[points=2]") {
  // RFC 5321 §2.3.8: "SMTP client implementations MUST NOT transmit these characters
  // except when they are intended as line terminators and then MUST transmit them only
  // as a <CRLF> sequence."
  CHECK(visible(student::dot_stuff("a\nb")) == visible("a\r\nb\r\n"));
  CHECK(visible(student::dot_stuff("a\rb\r\n")) == visible("a\r\nb\r\n"));
  CHECK(visible(student::dot_stuff("last line without ending")) == visible("last line without ending\r\n"));
  CHECK(visible(student::dot_stuff("")) == "");
}

TEST_CASE("dot_stuff defuses a dot after a bare line ending (sending side of smuggling)", "[points=3]") {
  // A message whose text holds "\n.\n" must not reach the next server as a line with a
  // lone dot: the bare LF becomes CRLF, and the dot, now at the start of a line, is
  // doubled.
  CHECK(visible(student::dot_stuff("x\n.\ny")) == visible("x\r\n..\r\ny\r\n"));
  CHECK(visible(student::dot_stuff("x\r.\r\n")) == visible("x\r\n..\r\n"));
  CHECK(visible(student::dot_stuff("x\r\n.\rMAIL FROM:<e@x>")) == visible("x\r\n..\r\nMAIL FROM:<e@x>\r\n"));
}

TEST_CASE("scan_data ends at CRLF.CRLF and unstuffs the content", "[points=3]") {
  const std::string message = "Subject: a\r\n\r\nhi\r\n..dot\r\n.\r\n";
  const std::string wire = message + "MAIL FROM:<next@a.example>\r\n";  // pipelined next command
  const DataScan scan = student::scan_data(wire);
  REQUIRE(scan.complete);
  CHECK(scan.consumed == message.size());  // not one byte of the next command
  CHECK(visible(scan.content) == visible("Subject: a\r\n\r\nhi\r\n.dot\r\n"));
  CHECK_FALSE(scan.bare_cr);
  CHECK_FALSE(scan.bare_lf);
}

TEST_CASE("scan_data: the end may come at once, or not yet", "[points=2]") {
  // RFC 5321 §4.1.1.4: the 354 reply stands for the CRLF before a first-line ".".
  DataScan scan = student::scan_data(".\r\n");
  REQUIRE(scan.complete);
  CHECK(scan.consumed == 3);
  CHECK(scan.content.empty());
  for (const std::string& partial : {"hello\r\n."s, "hello\r\n.\r"s, "hello"s, ""s, "a\r\n..\r\n"s}) {
    INFO("received so far: " << visible(partial));
    CHECK_FALSE(student::scan_data(partial).complete);
  }
}

TEST_CASE("SMTP smuggling: no fake end-of-data sequence ends the data", "[points=5]") {
  for (const std::string& sequence : smuggling_sequences) {
    INFO("sequence: " << visible(sequence));
    const std::string before = "Subject: x\r\n\r\nbody\r\n"s + sequence + "MAIL FROM:<evil@x.example>\r\n";
    const DataScan early = student::scan_data(before);
    CHECK_FALSE(early.complete);  // a vulnerable server would stop here
    const std::string whole = before + "\r\n.\r\n";
    const DataScan scan = student::scan_data(whole);
    REQUIRE(scan.complete);
    CHECK(scan.consumed == whole.size());
    // Whatever the server then does (keep or refuse), the smuggled command is content.
    CHECK(scan.content.find("MAIL FROM:<evil@x.example>") != std::string::npos);
  }
}

TEST_CASE("scan_data notices bare CR and bare LF", "[points=2]") {
  DataScan scan = student::scan_data("a\nb\r\n.\r\n");
  REQUIRE(scan.complete);
  CHECK(scan.bare_lf);
  CHECK_FALSE(scan.bare_cr);
  scan = student::scan_data("a\rb\r\n.\r\n");
  REQUIRE(scan.complete);
  CHECK(scan.bare_cr);
  CHECK_FALSE(scan.bare_lf);
  scan = student::scan_data("a\r\n.\r\n");
  REQUIRE(scan.complete);
  CHECK_FALSE(scan.bare_cr);
  CHECK_FALSE(scan.bare_lf);
}

namespace {

class KeepMessage final : public smtplab::smtp::ServerPolicy {
 public:
  bool is_local_domain(std::string_view) const override { return true; }
  bool is_local_user(const smtplab::Mailbox&) const override { return true; }
  smtplab::Reply on_message(const smtplab::smtp::Session&, const smtplab::smtp::Transaction& tx) override {
    received.push_back(tx.content);
    return smtplab::make_reply(smtplab::ReplyId::MessageAccepted, "queued as 1");
  }
  std::vector<std::string> received;
};

}  // namespace

TEST_CASE("your functions carry a message through a real client and server", "[points=3]") {
  using namespace smtplab;
  smtp::ClientConfig client_config;
  client_config.seams.dot_stuff = &student::dot_stuff;
  smtp::ClientJob job;
  job.mail_from = *parse_reverse_path("<alice@a.example>").path;
  job.rcpt_to = {*parse_forward_path("<bob@b.example>").path};
  job.message = "Subject: dots\r\n\r\n.leading dot\r\n.\r\n..two\r\nlast\r\n";
  smtp::ClientSession client(client_config, job);

  smtp::ServerConfig server_config;
  server_config.seams.scan_data = &student::scan_data;
  KeepMessage policy;
  smtp::ServerSession server(server_config, policy);
  server.start("192.0.2.10", "client.example");
  // Back to back, no network: each side's output is the other's input.
  for (int round = 0; round < 50 && !client.done(); ++round) {
    client.receive(server.take_output());
    server.receive(client.take_output());
  }
  CHECK(client.done());
  REQUIRE(policy.received.size() == 1);
  CHECK(visible(policy.received.front()) == visible(job.message));
  REQUIRE(client.result().recipients.size() == 1);
  CHECK(client.result().recipients.front().reply.code == 250);
}
