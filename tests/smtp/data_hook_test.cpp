// ServerPolicy::on_data: the policy's answer to the DATA command itself (RFC 5321
// §4.1.1.4), before the 354. A refusal means no 354, the message is not read, and
// nothing is handed to on_message.
#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "core/address.hpp"
#include "smtp/server_session.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

namespace {

// Refuses DATA with `refusal` while it is set; counts what reaches it.
class DataPolicy : public ServerPolicy {
 public:
  std::optional<Reply> refusal;
  int data_calls = 0;
  int messages = 0;
  std::size_t recipients_at_data = 0;

  bool is_local_domain(std::string_view domain) const override { return domain == "b.example"; }
  std::optional<Reply> on_data(const Session&, const Transaction& tx) override {
    ++data_calls;
    recipients_at_data = tx.rcpt_to.size();
    return refusal;
  }
  Reply on_message(const Session&, const Transaction&) override {
    ++messages;
    return make_reply(ReplyId::MessageAccepted);
  }
};

std::string start(ServerSession& server) {
  server.start("192.0.2.10", "");
  server.receive("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nRCPT TO:<bob@b.example>\r\n"
                 "RCPT TO:<carol@b.example>\r\n");
  return server.take_output();
}

}  // namespace

TEST_CASE("on_data is called once at DATA with the transaction; nullopt gives 354", "[server][data]") {
  DataPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  start(server);
  server.receive("DATA\r\n");
  CHECK(server.take_output().starts_with("354 "));
  CHECK(policy.data_calls == 1);
  CHECK(policy.recipients_at_data == 2);
  server.receive("Hi\r\n.\r\n");
  CHECK(server.take_output().starts_with("250 "));
  CHECK(policy.messages == 1);
}

TEST_CASE("a 451 from on_data replaces the 354; the message is not read; a later DATA works", "[server][data]") {
  DataPolicy policy;
  Reply reply;
  reply.code = 451;
  reply.status = *EnhancedStatus::parse("4.3.0");
  reply.lines.push_back("Try again later");
  policy.refusal = reply;
  ServerSession server(ServerConfig{}, policy);
  start(server);
  server.receive("DATA\r\n");
  const std::string out = server.take_output();
  CHECK(out == "451 4.3.0 Try again later\r\n");
  // Not in the data state: the next line is a command, not message content.
  server.receive("NOOP\r\n");
  CHECK(server.take_output().starts_with("250 "));
  CHECK(policy.messages == 0);
  // The transaction is kept (the client may RSET); once the policy relents, DATA works.
  policy.refusal.reset();
  server.receive("DATA\r\n");
  CHECK(server.take_output().starts_with("354 "));
  server.receive("Body\r\n.\r\n");
  CHECK(server.take_output().starts_with("250 "));
  CHECK(policy.messages == 1);
}

TEST_CASE("a 554 from on_data is sent as is; DATA with an argument is refused before the hook",
          "[server][data]") {
  DataPolicy policy;
  Reply reply;
  reply.code = 554;
  reply.status = *EnhancedStatus::parse("5.7.1");
  reply.lines.push_back("Transaction refused");
  policy.refusal = reply;
  ServerSession server(ServerConfig{}, policy);
  start(server);
  server.receive("DATA now\r\n");
  CHECK(server.take_output().starts_with("501 "));  // RFC 5321 §4.1.1.4: data = "DATA" CRLF
  CHECK(policy.data_calls == 0);
  server.receive("DATA\r\n");
  CHECK(server.take_output() == "554 5.7.1 Transaction refused\r\n");
  CHECK(policy.data_calls == 1);
  CHECK(policy.messages == 0);
}

TEST_CASE("DATA out of sequence is refused before the hook (RFC 5321 §3.3: 503)", "[server][data]") {
  DataPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  server.start("192.0.2.10", "");
  server.receive("EHLO c.example\r\nMAIL FROM:<a@a.example>\r\nDATA\r\n");
  const std::string out = server.take_output();
  CHECK(out.find("\r\n503 ") != std::string::npos);
  CHECK(policy.data_calls == 0);
}
