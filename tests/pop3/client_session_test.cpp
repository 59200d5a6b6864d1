// pop3::ClientSession driven against the real pop3::ServerSession in memory (client bytes
// -> server -> client): login, LIST/UIDL/RETR/DELE/QUIT, byte-stuffing removed, the
// response split at every byte, STLS with real TLS, refusing to send a password in
// plaintext, a wrong password, and the script parser.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "pop3/client_session.hpp"
#include "pop3/server_session.hpp"
#include "tls/pki.hpp"

using namespace smtplab;
using namespace smtplab::pop3;

namespace {

constexpr TimeMs now_ms = 1'717'200'000'000LL;  // 2024-06-01T00:00:00Z

class TestUsers : public Authenticator {
 public:
  bool check_password(std::string_view user, std::string_view password) override {
    return user == "bob" && password == "correct horse";
  }
};

struct Pki {
  tls::PemPair ca;
  tls::PemPair host;
};

const Pki& pki() {
  static const Pki made = [] {
    SeededRandom random(42);
    Pki p;
    p.ca = tls::make_ca(tls::demo_request("smtplab demo CA", now_ms), random);
    p.host = tls::make_host_certificate(p.ca, tls::demo_request("pop.b.example", now_ms), random);
    return p;
  }();
  return made;
}

// A message with a line that starts with "." (stuffed on the wire) and LF endings.
const std::string dotted = "Subject: dots\r\n\r\n.hidden line\r\n..two dots\r\nend\r\n";

std::vector<Action> script(std::initializer_list<const char*> lines) {
  std::vector<Action> out;
  for (const char* line : lines) {
    std::string error;
    auto action = parse_action(line, &error);
    INFO(line << ": " << error);
    REQUIRE(action);
    out.push_back(*action);
  }
  return out;
}

// Shuttles bytes until neither side has more to say; `chunk` > 0 feeds the client the
// server's output that many bytes at a time.
void run(ServerSession& server, ClientSession& client, std::size_t chunk = 0) {
  server.start();
  for (int round = 0; round < 1000 && !client.done(); ++round) {
    const std::string to_client = server.take_output();
    if (chunk == 0) client.receive(to_client);
    else
      for (std::size_t i = 0; i < to_client.size(); i += chunk) client.receive(to_client.substr(i, chunk));
    const std::string to_server = client.take_output();
    if (to_server.empty() && to_client.empty()) break;
    server.receive(to_server);
  }
}

ServerConfig plaintext_config() {
  ServerConfig c;
  c.host_name = "pop.b.example";
  c.plaintext_login = true;
  return c;
}

ClientConfig bob(LoginMethod login = LoginMethod::UserPass) {
  ClientConfig c;
  c.user = "bob";
  c.password = "correct horse";
  c.login = login;
  c.allow_plaintext_login = true;
  return c;
}

}  // namespace

TEST_CASE("POP3 client: list, uidl, retr and dele against the server; QUIT commits (RFC 1939)", "[pop3][client]") {
  mda::MemoryMailStore store;
  TestUsers users;
  REQUIRE(store.deliver("bob", "INBOX", "Subject: one\r\n\r\nfirst\r\n", 0).ok());
  REQUIRE(store.deliver("bob", "INBOX", dotted, 0).ok());
  ServerSession server(plaintext_config(), store, users);
  ClientSession client(bob(), script({"stat", "list", "uidl", "retr 2", "dele 1"}));
  run(server, client);

  REQUIRE(client.done());
  const ClientResult& r = client.result();
  CHECK(r.failure.empty());
  CHECK(r.logged_in);
  CHECK_FALSE(r.tls);
  REQUIRE(r.stat);
  CHECK(r.stat->first == 2);
  REQUIRE(r.listing.size() == 2);
  CHECK(r.listing[1].second == dotted.size());
  REQUIRE(r.unique_ids.size() == 2);
  CHECK(r.unique_ids[0].second != r.unique_ids[1].second);
  REQUIRE(r.retrieved.size() == 1);
  CHECK(r.retrieved[0].number == 2);
  CHECK(r.retrieved[0].content == dotted);  // byte-stuffing removed: the stored bytes
  CHECK(r.deleted == std::vector<std::size_t>{1});
  CHECK(r.quit_ok);
  CHECK(store.count("bob", "INBOX") == 1);  // RFC 1939 §6: DELE took effect at QUIT
}

TEST_CASE("POP3 client: a multi-line response split at every byte gives the same result", "[pop3][client]") {
  for (std::size_t chunk : {1, 2, 3, 7}) {
    mda::MemoryMailStore store;
    TestUsers users;
    REQUIRE(store.deliver("bob", "INBOX", dotted, 0).ok());
    ServerSession server(plaintext_config(), store, users);
    ClientSession client(bob(LoginMethod::AuthPlain), script({"list", "retr 1", "top 1 1"}));
    run(server, client, chunk);
    INFO("chunk " << chunk);
    REQUIRE(client.done());
    CHECK(client.result().failure.empty());
    REQUIRE(client.result().retrieved.size() == 2);
    CHECK(client.result().retrieved[0].content == dotted);
    CHECK(client.result().retrieved[1].content == "Subject: dots\r\n\r\n.hidden line\r\n");
    CHECK(client.result().listing.size() == 1);
  }
}

TEST_CASE("POP3 client: -ERR to an action is recorded and the script goes on", "[pop3][client]") {
  mda::MemoryMailStore store;
  TestUsers users;
  REQUIRE(store.deliver("bob", "INBOX", "Subject: x\r\n\r\nx\r\n", 0).ok());
  ServerSession server(plaintext_config(), store, users);
  ClientSession client(bob(), script({"retr 9", "dele 1", "rset", "list 1"}));
  run(server, client);
  REQUIRE(client.done());
  const ClientResult& r = client.result();
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].rfind("-ERR", 0) == 0);
  CHECK(r.deleted.empty());  // RSET unmarked it
  REQUIRE(r.listing.size() == 1);
  CHECK(r.listing[0].first == 1);
  CHECK(store.count("bob", "INBOX") == 1);
}

TEST_CASE("POP3 client: a wrong password ends with QUIT and no retrieval", "[pop3][client]") {
  mda::MemoryMailStore store;
  TestUsers users;
  ServerConfig config = plaintext_config();
  config.auth_failure_delay_ms = 0;
  ServerSession server(config, store, users);
  ClientConfig c = bob();
  c.password = "wrong";
  ClientSession client(c, script({"retr 1"}));
  run(server, client);
  REQUIRE(client.done());
  CHECK_FALSE(client.result().logged_in);
  CHECK(client.result().failure.find("login refused") == 0);
  CHECK(client.result().retrieved.empty());
}

TEST_CASE("POP3 client: no password in plaintext unless allowed; never in the trace", "[pop3][client]") {
  mda::MemoryMailStore store;
  TestUsers users;
  ServerSession server(plaintext_config(), store, users);
  ClientConfig c = bob();
  c.allow_plaintext_login = false;
  ClientSession client(c, script({"list"}));
  run(server, client);
  REQUIRE(client.done());
  CHECK_FALSE(client.result().logged_in);
  CHECK(client.result().failure == "refusing to send the password without TLS");

  ServerSession server2(plaintext_config(), store, users);
  ClientSession client2(bob(), script({}));
  server2.start();
  client2.receive(server2.take_output());
  std::vector<Event> events;
  for (int i = 0; i < 20 && !client2.done(); ++i) {
    server2.receive(client2.take_output());
    client2.receive(server2.take_output());
    for (auto& e : client2.take_events()) events.push_back(e);
  }
  REQUIRE(client2.result().logged_in);
  for (const auto& e : events) CHECK(e.bytes.find("correct horse") == std::string::npos);
}

TEST_CASE("POP3 client: STLS, then CAPA again and login inside TLS (RFC 2595 §4)", "[pop3][client][tls]") {
  mda::MemoryMailStore store;
  TestUsers users;
  REQUIRE(store.deliver("bob", "INBOX", dotted, 0).ok());
  SeededRandom server_random(1), client_random(2);
  ServerConfig sc;
  sc.host_name = "pop.b.example";
  sc.tls = ServerTlsConfig{tls::Identity::load(pki().host.certificate_pem, pki().host.key_pem), &server_random,
                           now_ms};
  ServerSession server(sc, store, users);
  ClientConfig c = bob();
  c.allow_plaintext_login = false;
  c.tls.stls = TlsPolicy::Required;
  c.tls.random = &client_random;
  c.tls.session.trust = tls::TrustAnchors::load(pki().ca.certificate_pem);
  c.tls.session.server_name = "pop.b.example";
  c.tls.session.now_ms = now_ms;
  ClientSession client(c, script({"retr 1"}));
  run(server, client);
  REQUIRE(client.done());
  CHECK(client.result().failure.empty());
  CHECK(client.result().tls);
  // After TLS the server offers USER (plaintext login is now allowed).
  CHECK(std::find(client.result().capabilities.begin(), client.result().capabilities.end(), "USER") !=
        client.result().capabilities.end());
  REQUIRE(client.result().retrieved.size() == 1);
  CHECK(client.result().retrieved[0].content == dotted);
}

TEST_CASE("POP3 client: STLS required but not offered: no login", "[pop3][client][tls]") {
  mda::MemoryMailStore store;
  TestUsers users;
  SeededRandom client_random(2);
  ServerSession server(plaintext_config(), store, users);  // no TLS configured
  ClientConfig c = bob();
  c.tls.stls = TlsPolicy::Required;
  c.tls.random = &client_random;
  ClientSession client(c, script({"list"}));
  run(server, client);
  REQUIRE(client.done());
  CHECK_FALSE(client.result().logged_in);
  CHECK(client.result().failure == "the server does not offer STLS and TLS is required");
}

TEST_CASE("POP3 client: script parsing and bad server input", "[pop3][client]") {
  std::string error;
  CHECK_FALSE(parse_action("retr", &error));
  CHECK_FALSE(parse_action("retr 0", &error));
  CHECK_FALSE(parse_action("frobnicate", &error));
  CHECK(error.find("unknown POP3 action") == 0);
  REQUIRE(parse_action("TOP 3 10"));
  CHECK(parse_action("top 3 10")->text() == "TOP 3 10");
  CHECK(unstuff_line("..x") == ".x");
  CHECK(unstuff_line("x.") == "x.");

  // A server that sends an over-long line inside a multi-line response: the client
  // discards it as it arrives (never buffering more than the limit) and then gives up with QUIT.
  ClientSession client(bob(), script({"retr 1"}));
  client.receive("+OK hi\r\n");
  CHECK(client.state() == ClientState::SentCapa);
  client.receive("+OK\r\n" + std::string(5000, 'x'));  // discarded as it comes: bounded
  CHECK(client.state() == ClientState::SentCapa);
  client.receive("\r\n");
  CHECK(client.state() == ClientState::SentQuit);
  CHECK(client.result().failure.find("longer than") != std::string::npos);
  client.connection_closed();
  CHECK(client.done());

  // Every transition the engine can take is a row of its table.
  CHECK(client_state_machine().find("sent_pass", "transaction") != nullptr);
  CHECK(client_state_machine().find("transaction", "sent_user") == nullptr);
}
