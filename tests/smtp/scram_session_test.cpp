// tests/smtp/scram_session_test.cpp — AUTH SCRAM-SHA-256 inside the SMTP engines (RFC
// 4954 §4 carrying RFC 5802 §5): the server's answers to unknown users, malformed and
// wrong messages, what it advertises and when, and a client that will not trust a
// server which cannot prove it holds the keys. The whole happy dialogue is the golden
// transcript tests/smtp/golden/auth_scram.txt; the TLS run is in starttls_auth_test.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/explain.hpp"
#include "smtp/auth.hpp"
#include "smtp/client_session.hpp"
#include "smtp/server_session.hpp"
#include "smtp/user_db.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

namespace {

class ScramPolicy : public ServerPolicy {
 public:
  explicit ScramPolicy(Random& random) { users.add_scram("alice", *make_scram_credentials("correct horse", random)); }
  MemoryUserDb users;
  bool is_local_domain(std::string_view domain) const override { return domain == "b.example"; }
  std::optional<ScramCredentials> find_scram_credentials(const Session&, std::string_view user) override {
    return users.find_scram(user);
  }
};

// A server in the lesson setting (AUTH before TLS) so that the test can read the wire;
// `with_random` = false leaves SCRAM without its nonce source.
struct Server {
  SeededRandom user_random{3};
  SeededRandom host_random{9};
  ScramPolicy policy{user_random};
  ServerSession session;

  static ServerConfig config(SeededRandom& random, bool with_random, bool before_tls) {
    ServerConfig c;
    c.host_name = "mx.b.example";
    c.auth_mechanisms = {AuthMechanism::ScramSha256, AuthMechanism::Plain};
    c.auth_before_tls = before_tls;
    if (with_random) c.tls = ServerTlsConfig{nullptr, &random, 0};
    return c;
  }
  explicit Server(bool with_random = true, bool before_tls = true)
      : session(config(host_random, with_random, before_tls), policy) {
    session.start("192.0.2.10", "laptop.a.example");
    session.take_output();
  }
  std::string send(const std::string& line) {
    session.receive(line + "\r\n");
    return session.take_output();
  }
  // The decoded text of a "334 <base64>" reply.
  static std::string challenge(const std::string& reply) {
    REQUIRE(reply.rfind("334 ", 0) == 0);
    const auto decoded = base64_decode(reply.substr(4, reply.size() - 6));
    REQUIRE(decoded);
    return *decoded;
  }
};

}  // namespace

TEST_CASE("SCRAM in the server: the exchange, then 235 only after the client's empty line") {
  Server server;
  CHECK_THAT(server.send("EHLO laptop.a.example"), Catch::Matchers::Contains("250 AUTH SCRAM-SHA-256 PLAIN\r\n"));
  ScramClient client("alice", "correct horse", "clientnonce123");
  const std::string first = Server::challenge(server.send("AUTH SCRAM-SHA-256 " + base64_encode(client.client_first())));
  CHECK(first.rfind("r=clientnonce123", 0) == 0);
  CHECK_THAT(first, Catch::Matchers::EndsWith(",i=4096"));
  const auto final_message = client.client_final(first);
  REQUIRE(final_message);
  const std::string server_final = Server::challenge(server.send(base64_encode(*final_message)));
  CHECK(client.verify_server_final(server_final));
  CHECK(server.session.state() == ServerState::Auth);
  CHECK(server.session.session().auth_user.empty());  // not yet: the exchange is not over
  CHECK(server.send("") == "235 2.7.0 Authentication successful\r\n");
  CHECK(server.session.session().auth_user == "alice");
  bool saw_first = false, saw_final = false;
  for (const Event& e : server.session.take_events()) {
    saw_first = saw_first || e.explain == "auth.scram_server_first";
    saw_final = saw_final || e.explain == "auth.scram_server_final";
    INFO(e.explain);
    CHECK(explain(e.explain) != nullptr);  // every step has a text for the visualizer
    // The proof is a credential for this exchange: never in the trace.
    CHECK(e.bytes.find(base64_encode(*final_message)) == std::string::npos);
  }
  CHECK(saw_first);
  CHECK(saw_final);
}

TEST_CASE("SCRAM in the server: an unknown user gets a normal-looking challenge, then 535") {
  Server server;
  server.send("EHLO laptop.a.example");
  ScramClient client("mallory", "guess", "n0nce");
  const std::string first = Server::challenge(server.send("AUTH SCRAM-SHA-256 " + base64_encode(client.client_first())));
  // RFC 5802 §5.1: same shape as for a real user (salt, i=4096), same salt every time.
  CHECK_THAT(first, Catch::Matchers::Contains(",s="));
  CHECK_THAT(first, Catch::Matchers::EndsWith(",i=4096"));
  const auto final_message = client.client_final(first);
  REQUIRE(final_message);
  CHECK(server.send(base64_encode(*final_message)) == "535 5.7.8 Authentication credentials invalid\r\n");
  CHECK(server.session.session().auth_failures == 1);
  CHECK(server.session.state() == ServerState::Ready);
}

TEST_CASE("SCRAM in the server: malformed messages get 501 5.5.2 and do not count as failures") {
  Server server;
  server.send("EHLO laptop.a.example");
  // Not SCRAM at all, as the initial response.
  CHECK(server.send("AUTH SCRAM-SHA-256 " + base64_encode("hello")) == "501 5.5.2 Malformed SASL message\r\n");
  // A client-final without a proof.
  ScramClient client("alice", "correct horse", "abc");
  const std::string first = Server::challenge(server.send("AUTH SCRAM-SHA-256 " + base64_encode(client.client_first())));
  CHECK(server.send(base64_encode("c=biws,r=" + first.substr(2, first.find(',') - 2))) ==
        "501 5.5.2 Malformed SASL message\r\n");
  // Not base64 (RFC 4954 §4).
  server.send("AUTH SCRAM-SHA-256 " + base64_encode(client.client_first()));
  CHECK(server.send("!!!") == "501 5.5.2 Cannot Base64-decode Client responses\r\n");
  CHECK(server.session.session().auth_failures == 0);
  CHECK(server.session.state() == ServerState::Ready);
}

TEST_CASE("SCRAM in the server: the acknowledgement must be empty; '*' there cancels") {
  for (const std::string& answer : {std::string("*"), base64_encode("v=whatever")}) {
    Server server;
    server.send("EHLO laptop.a.example");
    ScramClient client("alice", "correct horse", "abc");
    server.send("AUTH SCRAM-SHA-256");  // no initial response: "334 " asks for it
    const std::string first = Server::challenge(server.send(base64_encode(client.client_first())));
    const auto final_message = client.client_final(first);
    REQUIRE(final_message);
    Server::challenge(server.send(base64_encode(*final_message)));
    const std::string reply = server.send(answer);
    CHECK(reply.rfind("501 ", 0) == 0);
    CHECK(server.session.session().auth_user.empty());  // a proof alone is not a login
  }
}

TEST_CASE("SCRAM in the server: a wrong proof is 535 and three failures close the session") {
  Server server;
  server.send("EHLO laptop.a.example");
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ScramClient client("alice", "wrong horse", "abc" + std::to_string(attempt));
    const std::string first =
        Server::challenge(server.send("AUTH SCRAM-SHA-256 " + base64_encode(client.client_first())));
    const auto final_message = client.client_final(first);
    REQUIRE(final_message);
    const std::string reply = server.send(base64_encode(*final_message));
    if (attempt < 3) CHECK(reply == "535 5.7.8 Authentication credentials invalid\r\n");
    else CHECK(reply.rfind("421 4.7.0", 0) == 0);
  }
  CHECK(server.session.wants_close());
}

TEST_CASE("SCRAM is advertised and accepted only where it can run") {
  SECTION("without a random source for the nonce: not offered, 504") {
    Server server(false);
    CHECK_THAT(server.send("EHLO laptop.a.example"), Catch::Matchers::Contains("250 AUTH PLAIN\r\n"));
    CHECK(server.send("AUTH SCRAM-SHA-256") == "504 5.5.4 Unrecognized authentication type\r\n");
  }
  SECTION("before TLS (the default): no AUTH line, and 538") {
    Server server(true, false);
    CHECK_THAT(server.send("EHLO laptop.a.example"), !Catch::Matchers::Contains("AUTH"));
    CHECK(server.send("AUTH SCRAM-SHA-256").rfind("538 5.7.11", 0) == 0);
  }
}

TEST_CASE("SCRAM in the client: a server that cannot prove it knows the keys is refused") {
  // The server side is scripted here: a real server-first, then a forged v=.
  ClientConfig config;
  config.helo_name = "laptop.a.example";
  SeededRandom client_random(5);
  config.tls.random = &client_random;
  config.auth = ClientAuth{"alice", "correct horse", AuthMechanism::ScramSha256, true};
  ClientJob job;
  job.mail_from.mailbox = {"alice", "a.example", false};
  Path rcpt;
  rcpt.mailbox = {"carol", "c.example", false};
  job.rcpt_to.push_back(rcpt);
  job.message = "Subject: hi\r\n\r\nhello\r\n";
  ClientSession client(config, job);
  client.receive("220 mx.b.example ESMTP\r\n");
  client.take_output();
  client.receive("250-mx.b.example\r\n250 AUTH SCRAM-SHA-256 PLAIN\r\n");
  const std::string auth_line = client.take_output();
  REQUIRE(auth_line.rfind("AUTH SCRAM-SHA-256 ", 0) == 0);  // chosen although PLAIN is offered
  const auto client_first = base64_decode(auth_line.substr(19, auth_line.size() - 21));
  REQUIRE(client_first);
  std::string why;
  const auto parsed = parse_scram_client_first(*client_first, &why);
  INFO(why);
  REQUIRE(parsed);
  CHECK(parsed->user == "alice");
  // A server with keys from another password (an impostor who guessed the salt).
  SeededRandom other_random(6);
  ScramServer impostor(*parsed, make_scram_credentials("not the password", other_random), "servernonce");
  client.receive("334 " + base64_encode(impostor.server_first()) + "\r\n");
  const std::string proof_line = client.take_output();
  const auto client_final = base64_decode(proof_line.substr(0, proof_line.size() - 2));
  REQUIRE(client_final);
  CHECK(client_final->find(",p=") != std::string::npos);
  client.receive("334 " + base64_encode("v=" + base64_encode(std::string(32, 'x'))) + "\r\n");
  CHECK(client.take_output() == "*\r\n");  // RFC 4954 §4: cancel
  client.receive("501 5.7.0 Authentication cancelled\r\n");
  CHECK(client.result().authenticated_as.empty());
  CHECK_THAT(client.result().failure_reason, Catch::Matchers::Contains("v="));
  CHECK(client.take_output() == "QUIT\r\n");
}

TEST_CASE("SCRAM in the client: a 235 before the server's signature is not trusted") {
  ClientConfig config;
  SeededRandom client_random(5);
  config.tls.random = &client_random;
  config.auth = ClientAuth{"alice", "correct horse", AuthMechanism::ScramSha256, true};
  ClientJob job;
  job.mail_from.mailbox = {"alice", "a.example", false};
  Path rcpt;
  rcpt.mailbox = {"carol", "c.example", false};
  job.rcpt_to.push_back(rcpt);
  job.message = "x\r\n";
  ClientSession client(config, job);
  client.receive("220 mx.b.example ESMTP\r\n");
  client.take_output();
  client.receive("250-mx.b.example\r\n250 AUTH SCRAM-SHA-256\r\n");
  REQUIRE(client.take_output().rfind("AUTH SCRAM-SHA-256 ", 0) == 0);
  client.receive("235 2.7.0 Authentication successful\r\n");
  CHECK(client.result().authenticated_as.empty());
  CHECK(client.take_output() == "QUIT\r\n");
}
