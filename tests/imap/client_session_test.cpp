// imap::ClientSession driven against the real imap::ServerSession in memory: login,
// SELECT, FETCH with literals (the response split at every byte), UID FETCH, STORE,
// EXPUNGE, IDLE ended by an EXISTS when the store gets new mail, STARTTLS with real TLS,
// LOGINDISABLED respected, a wrong password, and the script parser.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "imap/client_session.hpp"
#include "imap/server_session.hpp"
#include "tls/pki.hpp"

using namespace smtplab;
using namespace smtplab::imap;

namespace {

constexpr TimeMs now_ms = 1'717'200'000'000LL;  // 2024-06-01T00:00:00Z

class TestUsers : public Authenticator {
 public:
  bool check_password(std::string_view user, std::string_view password) override {
    return user == "bob" && password == "correct \"horse\"";
  }
};

const std::string first = "Subject: one\r\n\r\nfirst\r\n";
const std::string second = "Subject: two\r\n\r\n.a dot line\r\n{5}\r\n* 9 EXISTS\r\nend\r\n";

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

// Shuttles bytes until the client is done or both sides are quiet; `chunk` > 0 feeds
// the client that many bytes at a time. `on_quiet` runs once when both are quiet.
template <typename F>
void run(ServerSession& server, ClientSession& client, std::size_t chunk, F on_quiet) {
  bool quiet_once = false;
  for (int round = 0; round < 2000 && !client.done(); ++round) {
    const std::string to_client = server.take_output();
    if (chunk == 0) client.receive(to_client);
    else
      for (std::size_t i = 0; i < to_client.size(); i += chunk) client.receive(to_client.substr(i, chunk));
    const std::string to_server = client.take_output();
    if (to_server.empty() && to_client.empty()) {
      if (quiet_once) break;
      quiet_once = true;
      on_quiet();
      continue;
    }
    server.receive(to_server);
  }
}
void run(ServerSession& server, ClientSession& client, std::size_t chunk = 0) {
  run(server, client, chunk, [] {});
}

ServerConfig plaintext_config() {
  ServerConfig c;
  c.host_name = "imap.b.example";
  c.plaintext_login = true;
  return c;
}

ClientConfig bob() {
  ClientConfig c;
  c.user = "bob";
  c.password = "correct \"horse\"";  // quoted with escapes on the wire (RFC 3501 §9)
  c.allow_plaintext_login = true;
  return c;
}

}  // namespace

TEST_CASE("IMAP client: select, fetch with literals, uid fetch, store, expunge (RFC 3501)", "[imap][client]") {
  for (std::size_t chunk : {0, 1, 2, 5}) {
    INFO("chunk " << chunk);
    mda::MemoryMailStore store;
    TestUsers users;
    REQUIRE(store.deliver("bob", "INBOX", first, 0).ok());
    REQUIRE(store.deliver("bob", "INBOX", second, 0).ok());
    ServerSession server(plaintext_config(), store, users);
    server.start();
    ClientSession client(bob(), script({"select INBOX", "fetch 1:* (UID FLAGS BODY.PEEK[])",
                                        "store 1 +FLAGS (\\Seen)", "uid fetch 2 (FLAGS)",
                                        "store 2 +FLAGS (\\Deleted)", "expunge", "search ALL"}));
    run(server, client, chunk);
    REQUIRE(client.done());
    const ClientResult& r = client.result();
    CHECK(r.failure.empty());
    CHECK(r.logged_in);
    CHECK(r.logout_ok);
    CHECK(r.uid_validity.has_value());
    // 2 from the FETCH, 1 from STORE's untagged FETCH, 1 from UID FETCH, 1 from STORE 2.
    REQUIRE(r.fetched.size() >= 3);
    CHECK(r.fetched[0].number == 1);
    REQUIRE(r.fetched[0].literals.size() == 1);
    CHECK(r.fetched[0].literals[0] == first);
    CHECK(r.fetched[1].literals.at(0) == second);  // "{5}" and "* 9 EXISTS" inside a literal are data
    CHECK(r.fetched[1].uid == 2u);
    CHECK(r.fetched[1].flags == std::string());  // BODY.PEEK[] did not set \Seen
    CHECK(store.flags("bob", "INBOX", "1") == "S");
    CHECK(r.expunged == std::vector<std::size_t>{2});
    CHECK(store.count("bob", "INBOX") == 1);
    CHECK(r.search == std::vector<std::uint32_t>{1});
    for (const auto& c : r.completed) CHECK(c.status == "OK");
  }
}

TEST_CASE("IMAP client: IDLE ends with DONE when the store gets new mail (RFC 2177)", "[imap][client]") {
  mda::MemoryMailStore store;
  TestUsers users;
  REQUIRE(store.deliver("bob", "INBOX", first, 0).ok());
  ServerSession server(plaintext_config(), store, users);
  server.start();
  ClientSession client(bob(), script({"select INBOX", "idle", "fetch 2 (BODY[])"}));
  bool delivered = false;
  run(server, client, 0, [&] {
    // Both sides are quiet: the client idles. The MDA stores a message now.
    REQUIRE(client.idling());
    REQUIRE(store.deliver("bob", "INBOX", second, 0).ok());
    server.mailbox_changed();
    delivered = true;
  });
  REQUIRE(delivered);
  REQUIRE(client.done());
  const ClientResult& r = client.result();
  CHECK(r.failure.empty());
  CHECK(r.idle_exists == std::vector<std::size_t>{2});
  REQUIRE(r.fetched.size() == 1);
  CHECK(r.fetched[0].number == 2);
  CHECK(r.fetched[0].literals.at(0) == second);
  CHECK(store.flags("bob", "INBOX", "2") == "S");  // BODY[] sets \Seen (RFC 3501 §6.4.5)
}

TEST_CASE("IMAP client: the owner's timer ends IDLE with DONE", "[imap][client]") {
  mda::MemoryMailStore store;
  TestUsers users;
  ServerSession server(plaintext_config(), store, users);
  server.start();
  ClientSession client(bob(), script({"select INBOX", "idle", "noop"}));
  run(server, client, 0, [&] { client.stop_idle(); });
  REQUIRE(client.done());
  CHECK(client.result().idle_exists.empty());
  CHECK(client.result().logout_ok);
  CHECK(client.result().completed.size() == 6);  // CAPABILITY LOGIN SELECT IDLE NOOP LOGOUT
}

TEST_CASE("IMAP client: LOGINDISABLED and plaintext refusal; a wrong password", "[imap][client]") {
  mda::MemoryMailStore store;
  TestUsers users;
  ServerConfig secure;  // no TLS, no plaintext login: the server says LOGINDISABLED
  ServerSession server(secure, store, users);
  server.start();
  ClientSession client(bob(), script({"select INBOX"}));
  run(server, client);
  REQUIRE(client.done());
  CHECK_FALSE(client.result().logged_in);
  CHECK(client.result().failure.find("LOGINDISABLED") != std::string::npos);

  ServerConfig config = plaintext_config();
  config.auth_failure_delay_ms = 0;
  ServerSession server2(config, store, users);
  server2.start();
  ClientConfig wrong = bob();
  wrong.password = "nope";
  ClientSession client2(wrong, script({"select INBOX"}));
  run(server2, client2);
  REQUIRE(client2.done());
  CHECK_FALSE(client2.result().logged_in);
  CHECK(client2.result().failure.find("login refused") == 0);

  ServerSession server3(plaintext_config(), store, users);
  server3.start();
  ClientConfig cautious = bob();
  cautious.allow_plaintext_login = false;
  ClientSession client3(cautious, script({}));
  run(server3, client3);
  CHECK(client3.result().failure == "refusing to send the password without TLS");
}

TEST_CASE("IMAP client: STARTTLS, CAPABILITY again, LOGIN inside TLS (RFC 3501 §6.2.1)", "[imap][client][tls]") {
  SeededRandom pki_random(42), server_random(1), client_random(2);
  const tls::PemPair ca = tls::make_ca(tls::demo_request("smtplab demo CA", now_ms), pki_random);
  const tls::PemPair host = tls::make_host_certificate(ca, tls::demo_request("imap.b.example", now_ms), pki_random);
  mda::MemoryMailStore store;
  TestUsers users;
  REQUIRE(store.deliver("bob", "INBOX", first, 0).ok());
  ServerConfig sc;
  sc.host_name = "imap.b.example";
  sc.tls = ServerTlsConfig{tls::Identity::load(host.certificate_pem, host.key_pem), &server_random, now_ms};
  ServerSession server(sc, store, users);
  server.start();
  ClientConfig c = bob();
  c.allow_plaintext_login = false;
  c.tls.starttls = TlsPolicy::Required;
  c.tls.random = &client_random;
  c.tls.session.trust = tls::TrustAnchors::load(ca.certificate_pem);
  c.tls.session.server_name = "imap.b.example";
  c.tls.session.now_ms = now_ms;
  ClientSession client(c, script({"select INBOX", "fetch 1 (BODY[])"}));
  run(server, client);
  REQUIRE(client.done());
  CHECK(client.result().failure.empty());
  CHECK(client.result().tls);
  REQUIRE(client.result().fetched.size() == 1);
  CHECK(client.result().fetched[0].literals.at(0) == first);
  // After TLS, LOGINDISABLED is gone from the fresh capability list.
  const auto& caps = client.result().capabilities;
  CHECK(std::find(caps.begin(), caps.end(), "LOGINDISABLED") == caps.end());
}

TEST_CASE("IMAP client: script parsing, unknown tags and oversized input", "[imap][client]") {
  std::string error;
  CHECK_FALSE(parse_action("login bob x", &error));
  CHECK(error.find("unknown IMAP action") == 0);
  CHECK_FALSE(parse_action("fetch", &error));
  CHECK_FALSE(parse_action("expunge now", &error));
  CHECK_FALSE(parse_action("uid copy 1 Junk", &error));
  REQUIRE(parse_action("uid fetch 1:* (UID)"));
  CHECK(parse_action("uid fetch 1:* (UID)")->command == "UID FETCH 1:* (UID)");
  CHECK(parse_action("  idle ")->verb == "IDLE");

  ClientSession client(bob(), script({"noop"}));
  client.receive("* OK hi\r\n");
  CHECK(client.state() == ClientState::SentCapability);
  CHECK(client.take_output() == "a1 CAPABILITY\r\n");
  client.receive("zz OK not ours\r\n");  // a tag we never sent: noted, still waiting
  CHECK(client.state() == ClientState::SentCapability);
  CHECK(client.result().completed.back().command == "(unknown tag)");
  // A literal announced beyond the limit: the client stops rather than buffer it.
  client.receive("* 1 FETCH (BODY[] {999999999999}\r\n");
  CHECK(client.done());
  CHECK(client.result().failure.find("over the limit") != std::string::npos);

  CHECK(client_state_machine().find("idle", "authenticated") != nullptr);
  CHECK(client_state_machine().find("await_greeting", "authenticated") == nullptr);
}
