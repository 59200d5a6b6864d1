// The server engine's asynchronous end-of-data decision (defer_reply / resume): what the
// receiving MTA needs to run SPF, DKIM and DMARC, whose DNS lookups are asynchronous.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "smtp/server_session.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

namespace {

// Accepts b.example recipients; at end of data it defers, as a policy waiting for DNS.
class DeferringPolicy : public ServerPolicy {
 public:
  ServerSession* session = nullptr;
  int messages = 0;
  bool is_local_domain(std::string_view domain) const override { return domain == "b.example"; }
  bool is_local_user(const Mailbox&) const override { return true; }
  Reply on_message(const Session&, const Transaction&) override {
    ++messages;
    session->defer_reply();
    return make_reply(ReplyId::MessageAccepted);  // ignored: the reply comes by resume()
  }
};

const std::string transaction =
    "EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<bob@b.example>\r\nDATA\r\nHi\r\n.\r\n";

}  // namespace

TEST_CASE("a deferred end-of-data reply waits for resume, and pipelined input waits too", "[mta][async]") {
  DeferringPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  policy.session = &server;
  server.start("192.0.2.10", "");
  (void)server.take_output();
  server.receive(transaction + "RSET\r\nNOOP\r\n");
  CHECK(policy.messages == 1);
  CHECK(server.awaiting_decision());
  const std::string before = server.take_output();
  CHECK(before.find("354") != std::string::npos);
  CHECK(before.find("250 2.0.0") == std::string::npos);  // no reply to end of data yet
  CHECK(before.rfind("354") > before.rfind("250"));       // nothing after the 354
  // More input while waiting is kept, not answered.
  server.receive("NOOP\r\n");
  CHECK(server.take_output().empty());

  server.resume(make_reply(ReplyId::PolicyRejected, "DMARC policy of a.example is reject"));
  CHECK_FALSE(server.awaiting_decision());
  const std::string after = server.take_output();
  const auto rejected = after.find("550 5.7.1");
  REQUIRE(rejected != std::string::npos);
  REQUIRE(rejected == 0);  // the decision first, then RSET, NOOP, NOOP in order
  std::size_t replies_250 = 0;
  for (std::size_t at = after.find("\r\n250 "); at != std::string::npos; at = after.find("\r\n250 ", at + 1))
    ++replies_250;
  CHECK(replies_250 == 3);
  CHECK(server.state() == ServerState::Ready);
  CHECK(server.session().transactions == 0);  // a 5xx ends the transaction without counting it
}

TEST_CASE("resume with a 250 counts the transaction and the session goes on", "[mta][async]") {
  DeferringPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  policy.session = &server;
  server.start("192.0.2.10", "");
  server.receive(transaction);
  server.resume(make_reply(ReplyId::MessageAccepted, "queued as Q1"));
  CHECK(server.take_output().find("250 2.0.0 Message accepted for delivery: queued as Q1") != std::string::npos);
  CHECK(server.session().transactions == 1);
  // A second transaction defers again.
  server.receive("MAIL FROM:<a@c.example>\r\nRCPT TO:<bob@b.example>\r\nDATA\r\nTwo\r\n.\r\n");
  CHECK(policy.messages == 2);
  CHECK(server.awaiting_decision());
}

TEST_CASE("resume without a pending decision is the owner's bug", "[mta][async]") {
  DeferringPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  policy.session = &server;
  server.start("192.0.2.10", "");
  CHECK_THROWS_AS(server.resume(make_reply(ReplyId::MessageAccepted)), std::logic_error);
}

TEST_CASE("input kept while deferred is bounded: beyond the limit, 421 and close", "[mta][async]") {
  DeferringPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  policy.session = &server;
  server.start("192.0.2.10", "");
  server.receive(transaction);
  (void)server.take_output();
  const std::string noops = [] {
    std::string s;
    while (s.size() <= deferred_input_max) s += "NOOP\r\n";
    return s;
  }();
  server.receive(noops);
  CHECK(server.take_output().rfind("421 4.3.2", 0) == 0);
  CHECK(server.wants_close());
  CHECK_FALSE(server.awaiting_decision());
}

TEST_CASE("a timeout while deferred closes; a late resume is harmless", "[mta][async]") {
  DeferringPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  policy.session = &server;
  server.start("192.0.2.10", "");
  server.receive(transaction);
  (void)server.take_output();
  server.timeout();
  CHECK(server.take_output().rfind("421 4.4.2", 0) == 0);
  CHECK(server.wants_close());
  server.resume(make_reply(ReplyId::MessageAccepted));
  CHECK(server.take_output().empty());
}
