// imap::ServerSession beyond the golden transcripts: IDLE told of a new arrival the
// moment the MDA stores it, STARTTLS with real TLS (and its command-injection attack), a
// real Maildir (flags in file names, UIDs and UIDVALIDITY that survive a restart), the
// stores' flag/UID/remove methods, the transition table, and garbage input.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "imap/command_reader.hpp"
#include "imap/server_session.hpp"
#include "imap/server_transitions.hpp"
#include "mda/maildir_store.hpp"
#include "tls/pki.hpp"
#include "tls/session.hpp"

using namespace smtplab;
using namespace smtplab::imap;

namespace {

constexpr TimeMs now_ms = 1'717'200'000'000LL;  // 2024-06-01T00:00:00Z
constexpr TimeMs day_ms = 24LL * 3600 * 1000;

class TestUsers : public Authenticator {
 public:
  bool check_password(std::string_view user, std::string_view password) override {
    return user == "bob" && password == "correct horse";
  }
};

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / ("smtplab-imap-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

ServerConfig plaintext_config() {
  ServerConfig config;
  config.host_name = "imap.b.example";
  config.plaintext_login = true;
  return config;
}

}  // namespace

TEST_CASE("IDLE: a new arrival is announced the moment it is stored (RFC 2177)", "[imap][idle]") {
  mda::MemoryMailStore store;
  TestUsers users;
  REQUIRE(store.deliver("bob", "INBOX", "Subject: first\r\n\r\n1\r\n", 0).ok());
  ServerSession server(plaintext_config(), store, users);
  server.start();
  server.receive("a1 LOGIN bob \"correct horse\"\r\na2 SELECT INBOX\r\na3 IDLE\r\n");
  const std::string before = server.take_output();
  CHECK(before.find("* 1 EXISTS\r\n") != std::string::npos);
  CHECK(before.size() >= 10);
  CHECK(before.substr(before.size() - 10) == "+ idling\r\n");
  CHECK(server.state() == ServerState::Idle);
  // The MDA stores a message; the owner tells the session.
  REQUIRE(store.deliver("bob", "INBOX", "Subject: second\r\n\r\n2\r\n", 1000).ok());
  server.mailbox_changed();
  CHECK(server.take_output() == "* 2 EXISTS\r\n");
  // Nothing new: nothing said.
  server.mailbox_changed();
  CHECK(server.take_output().empty());
  server.receive("DONE\r\na4 UID SEARCH UNSEEN\r\n");
  CHECK(server.take_output() == "a3 OK IDLE terminated\r\n* SEARCH 1 2\r\na4 OK UID SEARCH completed\r\n");
  CHECK(server.state() == ServerState::Selected);
  // Mail for another folder does not change the selected one.
  REQUIRE(store.deliver("bob", "Junk", "Subject: spam\r\n\r\n3\r\n", 2000).ok());
  server.receive("a5 NOOP\r\n");
  CHECK(server.take_output() == "a5 OK NOOP completed\r\n");
}

TEST_CASE("STARTTLS: LOGINDISABLED until TLS, then login and fetch inside TLS", "[imap][tls]") {
  SeededRandom random(42);
  const tls::PemPair ca = tls::make_ca(tls::demo_request("smtplab demo CA", now_ms), random);
  tls::CertificateRequest request = tls::demo_request("imap.b.example", now_ms);
  request.not_after_ms = now_ms + 30 * day_ms;
  const tls::PemPair host = tls::make_host_certificate(ca, request, random);
  SeededRandom server_random(1), client_random(2);

  mda::MemoryMailStore store;
  TestUsers users;
  REQUIRE(store.deliver("bob", "INBOX", "Subject: hi\r\n\r\nhello\r\n", 0).ok());
  ServerConfig config;
  config.host_name = "imap.b.example";
  config.tls = ServerTlsConfig{tls::Identity::load(host.certificate_pem, host.key_pem), &server_random, now_ms};
  ServerSession server(config, store, users);
  server.start();
  CHECK(server.take_output() ==
        "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED IDLE] imap.b.example IMAP4rev1 server ready\r\n");
  // A man in the middle appends a LOGIN to the STARTTLS packet: it is dropped.
  server.receive("a1 STARTTLS\r\na2 LOGIN mallory x\r\n");
  CHECK(server.take_output() == "a1 OK Begin TLS negotiation now\r\n");
  bool discarded = false;
  for (const Event& e : server.take_events())
    if (e.field("attack") == "CVE-2011-0411") discarded = true;
  CHECK(discarded);

  tls::SessionConfig client_config;
  client_config.trust = tls::TrustAnchors::load(ca.certificate_pem);
  client_config.server_name = "imap.b.example";
  client_config.now_ms = now_ms;
  tls::Session client(client_config, client_random);
  client.start();
  for (int i = 0; i < 10 && !client.established(); ++i) {
    server.receive(client.take_output());
    client.receive(server.take_output());
  }
  server.receive(client.take_output());
  REQUIRE(client.established());
  CHECK(client.take_plaintext().empty());  // no answer to the injected LOGIN
  auto talk = [&](std::string_view command) {
    client.write(command);
    server.receive(client.take_output());
    client.receive(server.take_output());
    return client.take_plaintext();
  };
  CHECK(talk("b1 CAPABILITY\r\n") == "* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR IDLE\r\nb1 OK CAPABILITY completed\r\n");
  CHECK(talk("b2 STARTTLS\r\n") == "b2 BAD STARTTLS not available\r\n");
  CHECK(talk("b3 AUTHENTICATE PLAIN\r\n") == "+ \r\n");
  CHECK(talk("AGJvYgBjb3JyZWN0IGhvcnNl\r\n") == "b3 OK Logged in\r\n");
  const std::string selected = talk("b4 SELECT INBOX\r\nb5 FETCH 1 BODY.PEEK[]\r\n");
  CHECK(selected.find("* 1 FETCH (BODY[] {22}\r\nSubject: hi\r\n\r\nhello\r\n)\r\nb5 OK FETCH completed\r\n") !=
        std::string::npos);
  for (const Event& e : server.take_events()) {
    CHECK(e.bytes.find("AGJvYgBjb3JyZWN0IGhvcnNl") == std::string::npos);
    CHECK(e.summary.find("correct horse") == std::string::npos);
  }
}

TEST_CASE("a Maildir: flags live in file names, UIDs and UIDVALIDITY survive a restart", "[imap][maildir]") {
  TempDir tmp("maildir");
  TestUsers users;
  std::string first_select;
  {
    mda::MaildirStore store(tmp.path, "imap.b.example");
    REQUIRE(store.deliver("bob", "INBOX", "Subject: one\n\nfirst\n", now_ms).ok());
    REQUIRE(store.deliver("bob", "INBOX", "Subject: two\n\nsecond\n", now_ms + 1000).ok());
    REQUIRE(store.deliver("bob", "INBOX", "Subject: three\n\nthird\n", now_ms + 2000).ok());
    ServerSession server(plaintext_config(), store, users);
    server.start();
    server.receive("a1 LOGIN bob \"correct horse\"\r\na2 SELECT INBOX\r\n");
    first_select = server.take_output();
    CHECK(first_select.find("* OK [UIDNEXT 4]") != std::string::npos);
    server.receive("a3 STORE 2 +FLAGS (\\Seen \\Answered)\r\na4 STORE 1 +FLAGS.SILENT (\\Deleted)\r\na5 EXPUNGE\r\n");
    CHECK(server.take_output() ==
          "* 2 FETCH (FLAGS (\\Answered \\Seen))\r\na3 OK STORE completed\r\na4 OK STORE completed\r\n"
          "* 1 EXPUNGE\r\na5 OK EXPUNGE completed\r\n");
    // The Maildir way (maildir.html): cur/<unique>:2,RS — a real Maildir reader sees it.
    bool found = false;
    for (const auto& entry : std::filesystem::directory_iterator(store.folder_path("bob", "INBOX") / "cur"))
      if (entry.path().filename().string().find(":2,RS") != std::string::npos) found = true;
    CHECK(found);
  }
  const std::size_t validity_at = first_select.find("[UIDVALIDITY ");
  REQUIRE(validity_at != std::string::npos);
  const std::string validity = first_select.substr(validity_at, first_select.find(']', validity_at) - validity_at);
  CHECK(validity != "[UIDVALIDITY 0");
  // A restarted server over the same directory.
  mda::MaildirStore store(tmp.path, "imap.b.example");
  // Delivered at the same virtual time as the expunged first message, with the store's
  // counter starting again: the Maildir reuses that file name. It must still get a new
  // UID (RFC 3501 §2.3.1.1), and sort after the older messages in sequence order.
  const std::string reused = store.deliver("bob", "INBOX", "Subject: four\n\nfourth\n", now_ms).id;
  REQUIRE(reused.find("M000000Q000001.") != std::string::npos);  // the name indeed reused
  ServerSession server(plaintext_config(), store, users);
  server.start();
  server.receive("a1 LOGIN bob \"correct horse\"\r\na2 SELECT INBOX\r\na3 FETCH 1:* (UID FLAGS)\r\n");
  const std::string out = server.take_output();
  CHECK(out.find(validity + "]") != std::string::npos);  // the same UIDVALIDITY
  // UIDs 2 and 3 kept; the new arrival gets 4 (never the expunged 1 again).
  CHECK(out.find("* 1 FETCH (UID 2 FLAGS (\\Answered \\Seen))\r\n"
                 "* 2 FETCH (UID 3 FLAGS ())\r\n"
                 "* 3 FETCH (UID 4 FLAGS ())\r\n") != std::string::npos);
  CHECK(out.find("[UIDNEXT 5]") != std::string::npos);
}

TEST_CASE("memory store: flags, UIDs and remove", "[imap][mda]") {
  mda::MemoryMailStore store;
  const std::string a = store.deliver("bob", "INBOX", "a", 0).id;
  const std::string b = store.deliver("bob", "Junk", "b", 0).id;
  const std::string c = store.deliver("bob", "INBOX", "c", 0).id;
  CHECK(store.flags("bob", "INBOX", a).empty());
  CHECK(store.set_flags("bob", "INBOX", a, "SXRSS"));
  CHECK(store.flags("bob", "INBOX", a) == "RS");  // sorted, unknown X dropped
  CHECK_FALSE(store.set_flags("bob", "INBOX", b, "S"));  // b is in Junk
  const mda::UidListing uids = store.uids("bob", "INBOX");
  REQUIRE(uids.messages.size() == 2);
  CHECK(uids.messages[0].first == 1);
  CHECK(uids.messages[1].first == 3);
  CHECK(uids.uid_next == 4);
  CHECK(store.remove("bob", "INBOX", a));
  CHECK_FALSE(store.remove("bob", "INBOX", a));
  CHECK(store.count("bob", "INBOX") == 1);
  CHECK(store.total() == 2);
  CHECK(store.read("bob", "INBOX", c) == std::optional<std::string>("c"));
}

TEST_CASE("maildir store: remove refuses paths, finds cur/ files with flags", "[imap][mda]") {
  TempDir tmp("remove");
  mda::MaildirStore store(tmp.path, "h");
  const std::string id = store.deliver("bob", "INBOX", "x\n", now_ms).id;
  CHECK_FALSE(store.remove("bob", "INBOX", "../x"));
  CHECK_FALSE(store.remove("bob", "INBOX", ".hidden"));
  CHECK(store.set_flags("bob", "INBOX", id, "S"));
  CHECK(store.flags("bob", "INBOX", id) == "S");
  CHECK(store.read("bob", "INBOX", id) == std::optional<std::string>("x\n"));
  CHECK(store.remove("bob", "INBOX", id));
  CHECK(store.count("bob", "INBOX") == 0);
}

TEST_CASE("the transition table names every state; every state change is a row", "[imap][state]") {
  const StateMachine& machine = server_state_machine();
  for (ServerState s : {ServerState::Connected, ServerState::TlsHandshake, ServerState::NotAuthenticated,
                        ServerState::Authenticate, ServerState::Authenticated, ServerState::Selected,
                        ServerState::Idle, ServerState::Logout}) {
    bool listed = false;
    for (std::string_view name : machine.states) listed = listed || name == to_string(s);
    CHECK(listed);
  }
  mda::MemoryMailStore store;
  TestUsers users;
  ServerSession server(plaintext_config(), store, users);
  server.start();
  server.receive("a AUTHENTICATE PLAIN\r\n*\r\nb LOGIN bob \"correct horse\"\r\nc SELECT INBOX\r\nd IDLE\r\nDONE\r\n"
                 "e CLOSE\r\nf LOGOUT\r\n");
  int changes = 0;
  for (const Event& e : server.take_events())
    if (e.kind == EventKind::StateChange) {
      ++changes;
      CHECK(machine.find(e.field("from"), e.field("to")) != nullptr);
    }
  CHECK(changes == 9);  // greeting, authenticate, cancel, login, select, idle, done, close, logout
  CHECK(server.wants_close());
}

TEST_CASE("command reader: literals, nesting limits, quoted escapes", "[imap][parser]") {
  const auto parsed = parse_command("t1 LOGIN \"a\\\"b\" {3}", {"x y"});
  REQUIRE(parsed);
  CHECK(parsed->name == "LOGIN");
  REQUIRE(parsed->args.size() == 2);
  CHECK(parsed->args[0].text == "a\"b");
  CHECK(parsed->args[1].text == "x y");
  CHECK_FALSE(parse_command("t1 X " + std::string(100, '('), {}));  // too deep
  CHECK_FALSE(parse_command("t1 X {3}", {}));                        // literal missing
  CHECK_FALSE(parse_command("t1 X \"\\a\"", {}));                    // bad escape
  CHECK(parse_command("t1 FETCH 1 BODY.PEEK[HEADER]", {})->args[1].text == "BODY.PEEK[HEADER]");
}

TEST_CASE("random bytes never crash the IMAP server and its output stays bounded", "[imap][robustness]") {
  SeededRandom random(11);
  for (int round = 0; round < 50; ++round) {
    mda::MemoryMailStore store;
    REQUIRE(store.deliver("bob", "INBOX", "Subject: a\r\n\r\nx\r\n", 0).ok());
    TestUsers users;
    ServerConfig config = plaintext_config();
    config.auth_failures_max = 1000;
    ServerSession server(config, store, users);
    server.start();
    server.receive("a LOGIN bob \"correct horse\"\r\nb SELECT INBOX\r\n");
    std::size_t output = server.take_output().size();
    static constexpr std::string_view alphabet = "a1 FETCHSTORE(){}[]\"*:,+\\\r\n";
    for (int chunk = 0; chunk < 40; ++chunk) {
      std::string bytes;
      const std::size_t size = random.uniform(64);
      for (std::size_t i = 0; i < size; ++i) bytes += alphabet[random.uniform(alphabet.size())];
      server.receive(bytes);
      output += server.take_output().size();
    }
    CHECK(output < 40 * 64 * 200);
  }
}
