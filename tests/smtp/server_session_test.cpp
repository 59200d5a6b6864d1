// Tests of smtp/server_session beyond the golden transcripts: trace events, timeouts,
// owner misuse, and bounded memory under hostile input.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "core/address.hpp"
#include "smtp/server_session.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

namespace {

class AcceptingPolicy : public ServerPolicy {
 public:
  bool is_local_domain(std::string_view domain) const override { return domain == "b.example"; }
  Reply on_message(const Session&, const Transaction&) override { return make_reply(ReplyId::MessageAccepted); }
};

}  // namespace

TEST_CASE("the server reports commands, replies and state changes as events", "[server]") {
  AcceptingPolicy policy;
  ServerConfig config;
  config.host_name = "mx.b.example";
  ServerSession server(config, policy);
  server.start("192.0.2.10", "");
  CHECK(server.session().peer_name == "192.0.2.10");
  server.receive("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<bob@b.example>\r\nDATA\r\n");
  server.receive("Hi\r\n..dot\r\n.\r\n");
  const std::vector<Event> events = server.take_events();

  std::vector<std::string> kinds;
  for (const Event& e : events) kinds.push_back(std::string(to_string(e.kind)));
  CHECK(kinds == std::vector<std::string>{
                     "smtp_reply", "state_change",                   // 220, connected -> greeted
                     "smtp_command", "smtp_reply", "state_change",   // EHLO
                     "smtp_command", "smtp_reply", "state_change",   // MAIL
                     "smtp_command", "smtp_reply", "state_change",   // RCPT
                     "smtp_command", "smtp_reply", "state_change",   // DATA
                     "smtp_command", "smtp_reply", "state_change"}); // content, 250

  const Event& mail = events[5];
  CHECK(mail.summary == "MAIL FROM:<a@a.example>");
  CHECK(mail.bytes == "MAIL FROM:<a@a.example>\r\n");
  CHECK(mail.explain == "command.MAIL");
  CHECK(mail.rfc == "RFC 5321 §4.1.1.2");
  const Event& sender_ok = events[6];
  CHECK(sender_ok.summary == "250 2.1.0 Sender OK");
  CHECK(sender_ok.field("code") == "250");
  CHECK(sender_ok.field("status") == "2.1.0");
  CHECK(sender_ok.explain == "reply.250");
  CHECK(sender_ok.rfc == "RFC 5321 §4.1.1.2");
  const Event& moved = events[7];
  CHECK(moved.field("machine") == "smtp_server");
  CHECK(moved.field("from") == "ready");
  CHECK(moved.field("to") == "mail_given");
  CHECK(moved.field("trigger") == "MAIL");
  CHECK(moved.rfc == "RFC 5321 §4.1.1.2");
  const Event& content = events[14];
  CHECK(content.summary == "<message, 14 bytes>");  // 4 + 7 + 3 on the wire
  CHECK(content.bytes == "Hi\r\n..dot\r\n.\r\n");
  CHECK(content.field("size") == "10");  // "Hi\r\n" + ".dot\r\n" after unstuffing
}

TEST_CASE("timeout sends 421 4.4.2 and closes (RFC 5321 §4.5.3.2)", "[server]") {
  AcceptingPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  server.start("192.0.2.10", "c");
  server.receive("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<bob@b.example>\r\nDATA\r\npartial");
  server.take_output();
  server.timeout();
  CHECK(server.take_output() == "421 4.4.2 Idle too long, closing connection\r\n");
  CHECK(server.wants_close());
  server.receive("\r\n.\r\nQUIT\r\n");
  CHECK(server.take_output().empty());
  server.timeout();
  CHECK(server.take_output().empty());
}

TEST_CASE("owner misuse throws; peer input never does", "[server]") {
  AcceptingPolicy policy;
  ServerConfig zero;
  zero.message_size_max = 0;
  CHECK_THROWS_AS(ServerSession(zero, policy), std::logic_error);
  ServerSession server(ServerConfig{}, policy);
  CHECK_THROWS_AS(server.receive("EHLO x\r\n"), std::logic_error);
  server.start("192.0.2.10", "c");
  CHECK_THROWS_AS(server.start("192.0.2.10", "c"), std::logic_error);
  std::string junk;
  for (int i = 0; i < 256; ++i) junk += static_cast<char>(i);
  for (int i = 0; i < 50; ++i) CHECK_NOTHROW(server.receive(junk));
}

TEST_CASE("an endless command line costs bounded memory and one reply", "[server]") {
  AcceptingPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  server.start("192.0.2.10", "c");
  server.take_output();
  const std::string chunk(65536, 'A');
  for (int i = 0; i < 64; ++i) server.receive(chunk);  // 4 MiB without a line ending
  CHECK(server.take_output().empty());
  server.receive("\r\nNOOP\r\n");
  CHECK(server.take_output() == "500 Line too long\r\n250 OK\r\n");
}

TEST_CASE("the transaction is cleared after end of data, the session is kept", "[server]") {
  AcceptingPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  server.start("192.0.2.10", "c");
  server.receive("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<bob@b.example>\r\nDATA\r\nx\r\n.\r\n");
  CHECK(server.session().helo_name == "c.example");
  CHECK(server.session().transactions == 1);
  CHECK(server.transaction().rcpt_to.empty());
  CHECK(server.transaction().mail_from.mailbox.local_part.empty());
  CHECK(server.state() == ServerState::Ready);
}
