// Tests of smtp/client_session: the client against our own server back to back (no
// network), and against scripted servers for the cases our server never produces.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/address.hpp"
#include "smtp/client_session.hpp"
#include "smtp/server_session.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

namespace {

class StoringPolicy : public ServerPolicy {
 public:
  std::vector<Transaction> stored;
  bool refuse_sender = false;

  bool is_local_domain(std::string_view domain) const override { return domain == "b.example"; }
  bool is_local_user(const Mailbox& m) const override {
    return m.local_part == "bob" || m.local_part == "carol";
  }
  std::optional<Reply> on_mail_from(const Session&, const Transaction&, const Path&) override {
    if (refuse_sender) return make_reply(ReplyId::PolicyRejected, "SPF fail");
    return std::nullopt;
  }
  Reply on_message(const Session&, const Transaction& tx) override {
    stored.push_back(tx);
    return make_reply(ReplyId::MessageAccepted, "queued as " + std::to_string(stored.size()));
  }
};

Path path(const char* text) { return *parse_forward_path(text).path; }

ClientJob job(std::vector<Path> rcpts) {
  ClientJob j;
  j.mail_from = *parse_reverse_path("<alice@a.example>").path;
  j.rcpt_to = std::move(rcpts);
  j.message = "Subject: hi\r\n\r\n.leading dot\r\nbare\nlf\r\n";
  return j;
}

// Moves bytes between the two engines until neither has anything to say.
void wire(ServerSession& server, ClientSession& client, bool byte_at_a_time = false) {
  server.start("192.0.2.10", "client.example");
  for (int round = 0; round < 1000; ++round) {
    const std::string to_client = server.take_output();
    if (byte_at_a_time) for (char c : to_client) client.receive(std::string_view(&c, 1));
    else client.receive(to_client);
    const std::string to_server = client.take_output();
    if (byte_at_a_time) for (char c : to_server) server.receive(std::string_view(&c, 1));
    else server.receive(to_server);
    if (to_client.empty() && to_server.empty()) {
      if (server.wants_close() && !client.done()) client.connection_closed();
      return;
    }
  }
  FAIL("the engines did not finish");
}

std::vector<std::string> commands_sent(std::vector<Event> events) {
  std::vector<std::string> out;
  for (const Event& e : events)
    if (e.kind == EventKind::SmtpCommand) out.push_back(e.summary);
  return out;
}

}  // namespace

TEST_CASE("client and server deliver a message back to back", "[client]") {
  for (bool byte_at_a_time : {false, true}) {
    StoringPolicy policy;
    ServerConfig config;
    config.host_name = "mx.b.example";
    ServerSession server(config, policy);
    ClientConfig client_config;
    client_config.helo_name = "client.example";
    ClientSession client(client_config, job({path("<bob@b.example>"), path("<carol@b.example>")}));
    wire(server, client, byte_at_a_time);

    REQUIRE(client.done());
    const ClientResult& r = client.result();
    CHECK_FALSE(r.session_failure);
    REQUIRE(r.recipients.size() == 2);
    for (const RecipientResult& rr : r.recipients) CHECK(rr.reply.code == 250);
    CHECK(r.recipients[0].reply.lines[0] == "Message accepted for delivery: queued as 1");
    CHECK(std::find(r.extensions.begin(), r.extensions.end(), "PIPELINING") != r.extensions.end());
    REQUIRE(policy.stored.size() == 1);
    // The bare LF was sent as CRLF (RFC 5321 §2.3.8) and the dot survived the round trip.
    CHECK(policy.stored[0].content == "Subject: hi\r\n\r\n.leading dot\r\nbare\r\nlf\r\n");
    CHECK(policy.stored[0].rcpt_to.size() == 2);
    CHECK(policy.stored[0].declared_size == policy.stored[0].content.size());
    CHECK(server.state() == ServerState::Closing);

    const auto sent = commands_sent(client.take_events());
    REQUIRE(sent.size() == 7);
    CHECK(sent[0] == "EHLO client.example");
    // 13 + 2 + 14 + 6 + 4 = 39 octets (RFC 1870 §5: CRLFs count, stuffed dots do not).
    CHECK(sent[1] == "MAIL FROM:<alice@a.example> SIZE=39");
    CHECK(sent[2] == "RCPT TO:<bob@b.example>");
    CHECK(sent[4] == "DATA");
    CHECK(sent[5] == "<message, 43 bytes>");  // 39 + one stuffed dot + ".\r\n"
    CHECK(sent[6] == "QUIT");
  }
}

TEST_CASE("MAIL and RCPTs go in one packet with PIPELINING, one by one without", "[client]") {
  for (bool offered : {true, false}) {
    ClientSession client({}, job({path("<bob@b.example>"), path("<carol@b.example>")}));
    client.receive("220 mx ESMTP\r\n");
    CHECK(client.take_output() == "EHLO localhost\r\n");
    client.receive(offered ? "250-mx\r\n250 PIPELINING\r\n" : "250-mx\r\n250 8BITMIME\r\n");
    if (offered) {
      CHECK(client.take_output() ==
            "MAIL FROM:<alice@a.example>\r\nRCPT TO:<bob@b.example>\r\nRCPT TO:<carol@b.example>\r\n");
      client.receive("250 ok\r\n250 ok\r\n");
      CHECK(client.take_output().empty());  // still waiting for the second RCPT reply
      client.receive("250 ok\r\n");
      CHECK(client.take_output() == "DATA\r\n");
    } else {
      CHECK(client.take_output() == "MAIL FROM:<alice@a.example>\r\n");  // no SIZE offered
      client.receive("250 ok\r\n");
      CHECK(client.take_output() == "RCPT TO:<bob@b.example>\r\n");
      client.receive("250 ok\r\n");
      CHECK(client.take_output() == "RCPT TO:<carol@b.example>\r\n");
      client.receive("250 ok\r\n");
      CHECK(client.take_output() == "DATA\r\n");
    }
    CHECK(client.state() == ClientState::SentData);
  }
}

TEST_CASE("per-recipient failures: each recipient gets its own reply", "[client]") {
  StoringPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  ClientSession client({}, job({path("<nobody@b.example>"), path("<bob@b.example>"), path("<x@c.example>")}));
  wire(server, client);
  const ClientResult& r = client.result();
  CHECK_FALSE(r.session_failure);
  CHECK(r.recipients[0].reply.code == 550);
  CHECK(r.recipients[0].reply.status == EnhancedStatus{5, 1, 1});
  CHECK(r.recipients[1].reply.code == 250);
  CHECK(r.recipients[2].reply.code == 550);
  CHECK(r.recipients[2].reply.status == EnhancedStatus{5, 7, 1});
  REQUIRE(policy.stored.size() == 1);
  CHECK(policy.stored[0].rcpt_to.size() == 1);
}

TEST_CASE("no DATA when no recipient was accepted", "[client]") {
  StoringPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  ClientSession client({}, job({path("<nobody@b.example>"), path("<x@c.example>")}));
  wire(server, client);
  CHECK(client.done());
  CHECK(policy.stored.empty());
  const auto sent = commands_sent(client.take_events());
  CHECK(std::find(sent.begin(), sent.end(), "DATA") == sent.end());
  CHECK(sent.back() == "QUIT");
  CHECK(client.result().failure_reason == "no recipient was accepted");
}

TEST_CASE("a refused sender fails every recipient with that reply", "[client]") {
  StoringPolicy policy;
  policy.refuse_sender = true;
  ServerSession server(ServerConfig{}, policy);
  ClientSession client({}, job({path("<bob@b.example>"), path("<carol@b.example>")}));
  wire(server, client);
  const ClientResult& r = client.result();
  REQUIRE(r.session_failure);
  CHECK(r.session_failure->code == 550);
  for (const RecipientResult& rr : r.recipients) CHECK(rr.reply.code == 550);
  CHECK(policy.stored.empty());
  CHECK(client.done());
}

TEST_CASE("HELO fallback when the server does not know EHLO (RFC 5321 §3.2)", "[client]") {
  for (const char* refusal : {"500 what?\r\n", "502 not implemented\r\n"}) {
    ClientSession client({}, job({path("<bob@b.example>")}));
    client.receive("220 old.example\r\n");
    CHECK(client.take_output() == "EHLO localhost\r\n");
    client.receive(refusal);
    CHECK(client.take_output() == "HELO localhost\r\n");
    CHECK(client.state() == ClientState::SentHelo);
    client.receive("250 old.example\r\n");
    CHECK(client.take_output() == "MAIL FROM:<alice@a.example>\r\n");
    CHECK(client.result().extensions.empty());
  }
  ClientSession refused({}, job({path("<bob@b.example>")}));
  refused.receive("220 x\r\n");
  refused.receive("550 go away\r\n");
  CHECK(refused.take_output() == "EHLO localhost\r\nQUIT\r\n");
  REQUIRE(refused.result().session_failure);
  CHECK(refused.result().session_failure->code == 550);
}

TEST_CASE("malformed server replies end the session with a reason", "[client]") {
  const char* bad[] = {"250-a\r\n251 b\r\n", "hello\r\n", "25\r\n", "2500 x\r\n"};
  for (const char* reply : bad) {
    INFO(reply);
    ClientSession client({}, job({path("<bob@b.example>")}));
    client.receive("220 mx\r\n");
    client.take_output();
    client.receive(reply);
    CHECK(client.done());
    REQUIRE(client.result().session_failure);
    CHECK(client.result().session_failure->code == 421);
    CHECK_THAT(client.result().failure_reason, Catch::Matchers::Contains("malformed"));
    CHECK(client.result().recipients[0].reply.code == 421);
  }
}

TEST_CASE("greeting refusals, 421 and lost connections", "[client]") {
  SECTION("554 greeting: QUIT, and the recipients share the refusal") {
    ClientSession client({}, job({path("<bob@b.example>")}));
    client.receive("554 no service\r\n");
    CHECK(client.take_output() == "QUIT\r\n");
    CHECK(client.state() == ClientState::SentQuit);
    client.receive("221 bye\r\n");
    CHECK(client.done());
    CHECK(client.result().recipients[0].reply.code == 554);
  }
  SECTION("421 to any command ends the session without QUIT (RFC 5321 §3.8)") {
    ClientSession client({}, job({path("<bob@b.example>")}));
    client.receive("220 mx\r\n");
    client.take_output();
    client.receive("421 4.3.2 shutting down\r\n");
    CHECK(client.done());
    CHECK(client.take_output().empty());
    CHECK(client.result().session_failure->status == EnhancedStatus{4, 3, 2});
  }
  SECTION("the connection closes during DATA") {
    ClientSession client({}, job({path("<bob@b.example>")}));
    client.receive("220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n");
    CHECK(client.state() == ClientState::SentContent);
    client.connection_closed();
    CHECK(client.done());
    CHECK(client.result().session_failure->code == 421);
    CHECK_THAT(client.result().failure_reason, Catch::Matchers::Contains("sent_content"));
  }
  SECTION("a close after QUIT is the normal end") {
    ClientSession client({}, job({path("<bob@b.example>")}));
    client.receive("220 mx\r\n250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n");
    CHECK(client.state() == ClientState::SentQuit);
    client.connection_closed();
    CHECK_FALSE(client.result().session_failure);
    CHECK(client.result().recipients[0].reply.code == 250);
  }
}

TEST_CASE("the client's state changes follow its table", "[client]") {
  StoringPolicy policy;
  ServerSession server(ServerConfig{}, policy);
  ClientSession client({}, job({path("<bob@b.example>")}));
  wire(server, client);
  std::vector<std::string> moves;
  for (const Event& e : client.take_events())
    if (e.kind == EventKind::StateChange) moves.push_back(std::string(e.field("from")) + ">" + std::string(e.field("to")));
  CHECK(moves == std::vector<std::string>{"await_greeting>sent_ehlo", "sent_ehlo>sent_mail", "sent_mail>sent_rcpt",
                                          "sent_rcpt>sent_data", "sent_data>sent_content",
                                          "sent_content>sent_quit", "sent_quit>done"});
}

TEST_CASE("record_wire = false: the same bytes and states, without command and reply events", "[client]") {
  // In the simulator the server records the dialogue; a client with record_wire off
  // must behave identically on the wire and in its states, and only skip those events.
  std::vector<std::string> outputs[2];
  std::vector<Event> events[2];
  for (const bool record : {true, false}) {
    StoringPolicy policy;
    ServerConfig config;
    config.host_name = "mx.b.example";
    ServerSession server(config, policy);
    ClientConfig client_config;
    client_config.helo_name = "client.example";
    client_config.record_wire = record;
    ClientSession client(client_config, job({path("<bob@b.example>"), path("<carol@b.example>")}));
    server.start("192.0.2.10", "client.example");
    std::string to_server;
    for (int round = 0; round < 100; ++round) {
      client.receive(server.take_output());
      client.take_output(to_server);  // the swapping form: to_server's old bytes are dropped
      outputs[record ? 0 : 1].push_back(to_server);
      server.receive(to_server);
      if (to_server.empty() && client.done()) break;
    }
    REQUIRE(client.done());
    CHECK(policy.stored.size() == 1);
    client.take_events(events[record ? 0 : 1]);
  }
  CHECK(outputs[0] == outputs[1]);
  const auto count = [](const std::vector<Event>& list, EventKind kind) {
    return std::count_if(list.begin(), list.end(), [kind](const Event& e) { return e.kind == kind; });
  };
  CHECK(count(events[0], EventKind::SmtpCommand) == 7);
  CHECK(count(events[0], EventKind::SmtpReply) > 0);
  CHECK(count(events[1], EventKind::SmtpCommand) == 0);
  CHECK(count(events[1], EventKind::SmtpReply) == 0);
  // The state changes are the same, in the same order.
  std::vector<std::string> states[2];
  for (int i = 0; i < 2; ++i)
    for (const Event& e : events[i])
      if (e.kind == EventKind::StateChange) states[i].push_back(e.summary);
  CHECK_FALSE(states[0].empty());
  CHECK(states[0] == states[1]);
}

TEST_CASE("take_events(out) and take_output(out) hand over only what is new", "[client]") {
  ClientSession client({}, job({path("<bob@b.example>")}));
  std::vector<Event> events;
  std::string output;
  client.receive("220 mx ESMTP\r\n");
  client.take_output(output);
  CHECK(output == "EHLO localhost\r\n");
  client.take_events(events);
  CHECK_FALSE(events.empty());
  client.take_events(events);
  CHECK(events.empty());  // nothing new since
  client.take_output(output);
  CHECK(output.empty());
  client.receive("250 mx\r\n");
  client.take_output(output);
  CHECK(output == "MAIL FROM:<alice@a.example>\r\n");
}
