// pop3::ServerSession beyond the golden transcripts: STLS and implicit TLS with real TLS
// (mbedTLS, no network), the STLS command-injection attack, autologout without UPDATE,
// a real Maildir (UIDL stable across restarts, DELE removes the file), credentials kept
// out of the trace, the transition table, and garbage input.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "mda/maildir_store.hpp"
#include "pop3/maildrop.hpp"
#include "pop3/server_session.hpp"
#include "pop3/server_transitions.hpp"
#include "tls/pki.hpp"
#include "tls/session.hpp"

using namespace smtplab;
using namespace smtplab::pop3;

namespace {

constexpr TimeMs now_ms = 1'717'200'000'000LL;  // 2024-06-01T00:00:00Z
constexpr TimeMs day_ms = 24LL * 3600 * 1000;

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
    tls::CertificateRequest host = tls::demo_request("pop.b.example", now_ms);
    host.not_after_ms = now_ms + 30 * day_ms;
    p.host = tls::make_host_certificate(p.ca, host, random);
    return p;
  }();
  return made;
}

struct World {
  mda::MemoryMailStore store;
  TestUsers users;
  SeededRandom server_random{1};
  SeededRandom client_random{2};

  ServerConfig config(bool implicit = false) {
    ServerConfig c;
    c.host_name = "pop.b.example";
    c.tls = ServerTlsConfig{tls::Identity::load(pki().host.certificate_pem, pki().host.key_pem), &server_random,
                            now_ms};
    c.implicit_tls = implicit;
    return c;
  }

  tls::Session client() {
    tls::SessionConfig c;
    c.trust = tls::TrustAnchors::load(pki().ca.certificate_pem);
    c.server_name = "pop.b.example";
    c.now_ms = now_ms;
    return tls::Session(c, client_random);
  }
};

void handshake(ServerSession& server, tls::Session& client) {
  client.start();
  for (int i = 0; i < 10 && !client.established(); ++i) {
    server.receive(client.take_output());
    client.receive(server.take_output());
  }
  server.receive(client.take_output());
  client.receive(server.take_output());
  REQUIRE(client.established());
}

std::string over_tls(ServerSession& server, tls::Session& client, std::string_view command) {
  client.write(command);
  server.receive(client.take_output());
  client.receive(server.take_output());
  return client.take_plaintext();
}

}  // namespace

TEST_CASE("STLS: plaintext login refused, then offered and accepted inside TLS (RFC 2595)", "[pop3][tls]") {
  World world;
  REQUIRE(world.store.deliver("bob", "INBOX", "Subject: hi\r\n\r\nhello\r\n", 0).ok());
  ServerSession server(world.config(), world.store, world.users);
  server.start();
  CHECK(server.take_output() == "+OK pop.b.example POP3 server ready\r\n");
  server.receive("CAPA\r\n");
  const std::string before = server.take_output();
  CHECK(before.find("STLS\r\n") != std::string::npos);
  CHECK(before.find("USER\r\n") == std::string::npos);
  server.receive("USER bob\r\n");
  CHECK(server.take_output() == "-ERR [AUTH] Plaintext login is only allowed after STLS\r\n");
  server.receive("STLS\r\n");
  CHECK(server.take_output() == "+OK Begin TLS negotiation\r\n");
  CHECK(server.state() == ServerState::TlsHandshake);

  tls::Session client = world.client();
  handshake(server, client);
  CHECK(server.state() == ServerState::Authorization);
  CHECK(server.tls_active());
  const std::string after = over_tls(server, client, "CAPA\r\n");
  CHECK(after.find("STLS\r\n") == std::string::npos);  // no second TLS layer
  CHECK(after.find("USER\r\n") != std::string::npos);
  CHECK(after.find("SASL PLAIN\r\n") != std::string::npos);
  CHECK(over_tls(server, client, "STLS\r\n") == "-ERR STLS not available now\r\n");
  CHECK(over_tls(server, client, "USER bob\r\nPASS correct horse\r\n") ==
        "+OK send PASS\r\n+OK maildrop has 1 messages (22 octets)\r\n");
  CHECK(over_tls(server, client, "RETR 1\r\n") == "+OK 22 octets\r\nSubject: hi\r\n\r\nhello\r\n.\r\n");
  CHECK(over_tls(server, client, "DELE 1\r\nQUIT\r\n") ==
        "+OK message 1 deleted\r\n+OK signing off, deleted messages removed\r\n");
  CHECK(server.wants_close());
  CHECK(world.store.count("bob", "INBOX") == 0);
}

TEST_CASE("STLS command injection: plaintext pipelined after STLS is discarded (CVE-2011-0411)",
          "[pop3][tls][attack]") {
  World world;
  ServerSession server(world.config(), world.store, world.users);
  server.start();
  (void)server.take_output();
  // A man in the middle appends a command to the client's STLS packet.
  server.receive("STLS\r\nUSER mallory\r\n");
  CHECK(server.take_output() == "+OK Begin TLS negotiation\r\n");
  bool discarded = false;
  for (const Event& e : server.take_events())
    if (e.field("attack") == "CVE-2011-0411" && e.bytes == "USER mallory\r\n") discarded = true;
  CHECK(discarded);
  tls::Session client = world.client();
  handshake(server, client);
  CHECK(client.take_plaintext().empty());  // no answer to the injected USER
  // PASS now finds no USER: the injected one was never seen.
  CHECK(over_tls(server, client, "PASS x\r\n") == "-ERR USER first\r\n");
}

TEST_CASE("implicit TLS: the greeting is the first thing inside TLS (RFC 8314 §3.3)", "[pop3][tls]") {
  World world;
  ServerSession server(world.config(true), world.store, world.users);
  server.start();
  CHECK(server.state() == ServerState::TlsHandshake);
  CHECK(server.take_output().empty());  // the server waits for the ClientHello
  tls::Session client = world.client();
  handshake(server, client);
  CHECK(client.take_plaintext() == "+OK pop.b.example POP3 server ready\r\n");
  CHECK(over_tls(server, client, "STLS\r\n") == "-ERR STLS not available now\r\n");
}

TEST_CASE("garbage instead of a ClientHello closes the session without deleting", "[pop3][tls][attack]") {
  World world;
  ServerSession server(world.config(), world.store, world.users);
  server.start();
  server.receive("STLS\r\n");
  (void)server.take_output();
  server.receive(std::string(64, 'G'));
  CHECK(server.wants_close());
}

TEST_CASE("autologout: no UPDATE, no response, nothing deleted (RFC 1939 §3)", "[pop3]") {
  World world;
  REQUIRE(world.store.deliver("bob", "INBOX", "Subject: a\r\n\r\nx\r\n", 0).ok());
  ServerConfig config = world.config();
  config.plaintext_login = true;
  ServerSession server(config, world.store, world.users);
  server.start();
  server.receive("USER bob\r\nPASS correct horse\r\nDELE 1\r\n");
  (void)server.take_output();
  server.timeout();
  CHECK(server.wants_close());
  CHECK(server.take_output().empty());
  CHECK(world.store.count("bob", "INBOX") == 1);
}

TEST_CASE("passwords never reach the trace", "[pop3][attack]") {
  World world;
  ServerConfig config = world.config();
  config.plaintext_login = true;
  ServerSession server(config, world.store, world.users);
  server.start();
  server.receive("USER bob\r\nPASS correct horse\r\nQUIT\r\n");
  server.receive("");
  ServerSession second(config, world.store, world.users);
  second.start();
  second.receive("AUTH PLAIN\r\nAGJvYgBjb3JyZWN0IGhvcnNl\r\nQUIT\r\n");
  std::vector<Event> events = server.take_events();
  for (Event& e : second.take_events()) events.push_back(std::move(e));
  bool saw_pass = false;
  for (const Event& e : events) {
    INFO(e.summary);
    CHECK(e.summary.find("correct horse") == std::string::npos);
    CHECK(e.bytes.find("correct horse") == std::string::npos);
    CHECK(e.bytes.find("AGJvYgBjb3JyZWN0IGhvcnNl") == std::string::npos);
    for (const auto& [k, v] : e.fields) CHECK(v.find("correct horse") == std::string::npos);
    if (e.summary == "PASS *************") saw_pass = true;
    if (e.kind == EventKind::SmtpCommand || e.kind == EventKind::SmtpReply) CHECK(e.field("protocol") == "pop3");
  }
  CHECK(saw_pass);
  CHECK(second.state() == ServerState::Closing);
}

TEST_CASE("a Maildir: UIDL is stable across restarts and DELE removes the file", "[pop3][maildir]") {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("smtplab-pop3-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  TestUsers users;
  std::string first_listing;
  {
    mda::MaildirStore store(root, "pop.b.example");
    REQUIRE(store.deliver("bob", "INBOX", "Subject: one\n\nfirst\n", now_ms).ok());
    REQUIRE(store.deliver("bob", "INBOX", "Subject: two\n\nsecond\n", now_ms + 1000).ok());
    ServerConfig config;
    config.plaintext_login = true;
    ServerSession server(config, store, users);
    server.start();
    server.receive("USER bob\r\nPASS correct horse\r\n");
    (void)server.take_output();
    server.receive("UIDL\r\n");
    first_listing = server.take_output();
    server.receive("DELE 1\r\nQUIT\r\n");
    CHECK(server.take_output() == "+OK message 1 deleted\r\n+OK signing off, deleted messages removed\r\n");
    CHECK(store.count("bob", "INBOX") == 1);
  }
  // A new store object over the same directory: a restarted server.
  mda::MaildirStore store(root, "pop.b.example");
  const std::vector<std::string> ids = store.list("bob", "INBOX");
  REQUIRE(ids.size() == 1);
  // The surviving message keeps the unique-id it had as message 2 before the restart.
  CHECK(first_listing.find("2 " + ids[0] + "\r\n") != std::string::npos);
  ServerConfig config;
  config.plaintext_login = true;
  ServerSession server(config, store, users);
  server.start();
  server.receive("USER bob\r\nPASS correct horse\r\nUIDL 1\r\nRETR 1\r\n");
  const std::string out = server.take_output();
  CHECK(out.find("+OK 1 " + ids[0] + "\r\n") != std::string::npos);
  // The file has bare LF line endings; POP3 sends CRLF and counts it (RFC 1939 §11).
  CHECK(out.find("+OK 24 octets\r\nSubject: two\r\n\r\nsecond\r\n.\r\n") != std::string::npos);
  std::filesystem::remove_all(root);
}

TEST_CASE("unique-ids outside RFC 1939 §7's syntax become a fixed digest", "[pop3]") {
  CHECK(unique_id_of("1700000000.M1Q1.host") == "1700000000.M1Q1.host");
  const std::string spaced = unique_id_of("has space");
  CHECK(spaced.size() == 17);
  CHECK(spaced[0] == 'h');
  CHECK(unique_id_of("has space") == spaced);  // the same every time
  CHECK(unique_id_of(std::string(71, 'a')).size() == 17);
  CHECK(unique_id_of(std::string(70, 'a')) == std::string(70, 'a'));
  CHECK(multi_line("") == ".\r\n");
  CHECK(multi_line(".a\r\n..b\r\n") == "..a\r\n...b\r\n.\r\n");
  CHECK(wire_message("a\nb") == "a\r\nb\r\n");
}

TEST_CASE("the transition table names every state and is the only way to move", "[pop3][state]") {
  const StateMachine& machine = server_state_machine();
  CHECK(machine.name == "pop3_server");
  for (ServerState s : {ServerState::Connected, ServerState::TlsHandshake, ServerState::Authorization,
                        ServerState::Sasl, ServerState::Transaction, ServerState::Update, ServerState::Closing}) {
    bool listed = false;
    for (std::string_view name : machine.states) listed = listed || name == to_string(s);
    CHECK(listed);
  }
  for (const Transition& t : machine.transitions) {
    CHECK_FALSE(t.rfc.empty());
    bool from = false, to = false;
    for (std::string_view name : machine.states) {
      from = from || name == t.from;
      to = to || name == t.to;
    }
    CHECK(from);
    CHECK(to);
  }
  // Every state change an engine reports is a row of the table.
  World world;
  ServerConfig config = world.config();
  config.plaintext_login = true;
  ServerSession server(config, world.store, world.users);
  server.start();
  server.receive("AUTH PLAIN\r\n*\r\nUSER bob\r\nPASS correct horse\r\nQUIT\r\n");
  int changes = 0;
  for (const Event& e : server.take_events())
    if (e.kind == EventKind::StateChange) {
      ++changes;
      CHECK(machine.find(e.field("from"), e.field("to")) != nullptr);
    }
  CHECK(changes == 6);  // greeting, sasl, back, transaction, update, closing
}

TEST_CASE("random bytes never crash the server, and its output stays bounded", "[pop3][robustness]") {
  SeededRandom random(7);
  for (int round = 0; round < 50; ++round) {
    mda::MemoryMailStore store;
    REQUIRE(store.deliver("bob", "INBOX", "Subject: a\r\n\r\nx\r\n", 0).ok());
    TestUsers users;
    ServerConfig config;
    config.plaintext_login = true;
    config.auth_failures_max = 1000;  // keep the session open through the noise
    ServerSession server(config, store, users);
    server.start();
    server.receive("USER bob\r\nPASS correct horse\r\n");
    std::size_t output = server.take_output().size();
    for (int chunk = 0; chunk < 40; ++chunk) {
      std::string bytes;
      const std::size_t size = random.uniform(64);
      for (std::size_t i = 0; i < size; ++i) {
        // Mostly printable with many line ends, so that commands are formed and answered.
        const std::uint64_t r = random.uniform(20);
        bytes += r == 0 ? '\n' : r == 1 ? '\r' : r == 2 ? ' ' : static_cast<char>('A' + random.uniform(26));
      }
      server.receive(bytes);
      output += server.take_output().size();
    }
    // Each input byte can produce at most one status line (plus one short listing).
    CHECK(output < 40 * 64 * 80);
  }
}
