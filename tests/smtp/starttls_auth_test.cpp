// STARTTLS (RFC 3207) and AUTH (RFC 4954) in the SMTP engines: a client and a server
// back to back with real TLS (mbedTLS) and no network, and one regression test per
// attack class (STARTTLS command injection CVE-2011-0411, response injection, STARTTLS
// stripping, password guessing, credentials in the trace).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/address.hpp"
#include "smtp/auth.hpp"
#include "smtp/client_session.hpp"
#include "smtp/server_session.hpp"
#include "smtp/user_db.hpp"
#include "tls/pki.hpp"
#include "tls/session.hpp"

using namespace smtplab;
using namespace smtplab::smtp;

namespace {

constexpr TimeMs now_ms = 1'717'200'000'000LL;  // 2024-06-01T00:00:00Z
constexpr TimeMs day_ms = 24LL * 3600 * 1000;
constexpr std::uint32_t test_iterations = 1000;  // fast tests; the format is the same

struct Pki {
  tls::PemPair ca;
  tls::PemPair host;
};

Pki make_pki(TimeMs not_after_ms = now_ms + 30 * day_ms) {
  SeededRandom random(42);
  Pki pki;
  pki.ca = tls::make_ca(tls::demo_request("smtplab demo CA", now_ms), random);
  tls::CertificateRequest host = tls::demo_request("mx.b.example", now_ms);
  host.not_after_ms = not_after_ms;
  pki.host = tls::make_host_certificate(pki.ca, host, random);
  return pki;
}

// b.example is ours; alice's password is "correct horse", stored hashed.
class SubmissionPolicy : public ServerPolicy {
 public:
  explicit SubmissionPolicy(Random& random) {
    users.add("alice", hash_password("correct horse", random, test_iterations));
    // SCRAM-SHA-256 keys (RFC 7677 §4: at least 4096 iterations) for the same password.
    users.add_scram("alice", *make_scram_credentials("correct horse", random));
  }
  MemoryUserDb users;
  std::vector<std::string> messages;

  bool is_local_domain(std::string_view domain) const override { return domain == "b.example"; }
  bool check_password(const Session&, std::string_view user, std::string_view password) override {
    return users.check(user, password);
  }
  std::optional<ScramCredentials> find_scram_credentials(const Session&, std::string_view user) override {
    return users.find_scram(user);
  }
  Reply on_message(const Session&, const Transaction& tx) override {
    messages.push_back(tx.content);
    return make_reply(ReplyId::MessageAccepted);
  }
};

struct World {
  Pki pki = make_pki();
  SeededRandom server_random{1};
  SeededRandom client_random{2};
  SeededRandom user_random{3};
  SubmissionPolicy policy{user_random};

  ServerConfig server_config() {
    ServerConfig config;
    config.host_name = "mx.b.example";
    config.tls = ServerTlsConfig{tls::Identity::load(pki.host.certificate_pem, pki.host.key_pem), &server_random, now_ms};
    REQUIRE(config.tls->identity);
    config.auth_mechanisms = {AuthMechanism::Plain, AuthMechanism::Login};
    return config;
  }

  ClientConfig client_config(StartTlsPolicy starttls = StartTlsPolicy::Required) {
    ClientConfig config;
    config.helo_name = "laptop.a.example";
    config.tls.starttls = starttls;
    config.tls.random = &client_random;
    config.tls.session.trust = tls::TrustAnchors::load(pki.ca.certificate_pem);
    config.tls.session.server_name = "mx.b.example";
    config.tls.session.now_ms = now_ms;
    return config;
  }
};

ClientJob job() {
  ClientJob j;
  j.mail_from.mailbox = {"alice", "a.example", false};
  Path rcpt;
  rcpt.mailbox = {"carol", "c.example", false};  // not local: relaying needs AUTH
  j.rcpt_to.push_back(rcpt);
  j.message = "Subject: hi\r\n\r\nSecret plans.\r\n";
  return j;
}

struct Transcript {
  std::vector<Event> client_events;
  std::vector<Event> server_events;
  std::string client_wire;  // every byte the client sent, as on the network
};

// Runs a client and a server back to back until the client is done.
Transcript run(ServerSession& server, ClientSession& client, bool byte_at_a_time) {
  Transcript t;
  server.start("192.0.2.10", "laptop.a.example");
  for (int round = 0; round < 200 && !client.done(); ++round) {
    const std::string to_client = server.take_output();
    if (!to_client.empty()) {
      if (byte_at_a_time) for (char c : to_client) client.receive(std::string_view(&c, 1));
      else client.receive(to_client);
    }
    const std::string to_server = client.take_output();
    t.client_wire += to_server;
    if (!to_server.empty()) {
      if (byte_at_a_time) for (char c : to_server) server.receive(std::string_view(&c, 1));
      else server.receive(to_server);
    }
    if (server.wants_close() && server.take_output().empty() && client.take_output().empty()) {
      client.connection_closed();
    }
    for (Event& e : client.take_events()) t.client_events.push_back(std::move(e));
    for (Event& e : server.take_events()) t.server_events.push_back(std::move(e));
  }
  for (Event& e : client.take_events()) t.client_events.push_back(std::move(e));
  for (Event& e : server.take_events()) t.server_events.push_back(std::move(e));
  return t;
}

bool trace_mentions(const std::vector<Event>& events, std::string_view secret) {
  for (const Event& e : events) {
    if (e.summary.find(secret) != std::string::npos || e.bytes.find(secret) != std::string::npos) return true;
    for (const auto& [key, value] : e.fields)
      if (value.find(secret) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> replies(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events)
    if (e.kind == EventKind::SmtpReply) out.push_back(e.summary);
  return out;
}

}  // namespace

TEST_CASE("a MUA submits over STARTTLS with AUTH, back to back with the server", "[starttls][auth]") {
  for (AuthMechanism mechanism : {AuthMechanism::Plain, AuthMechanism::Login, AuthMechanism::ScramSha256}) {
    for (bool byte_at_a_time : {false, true}) {
      SECTION(std::string(to_string(mechanism)) + (byte_at_a_time ? ", byte at a time" : ", whole packets")) {
        World world;
        ServerConfig server_config = world.server_config();
        if (mechanism == AuthMechanism::ScramSha256) server_config.auth_mechanisms.push_back(mechanism);
        ServerSession server(server_config, world.policy);
        ClientConfig config = world.client_config();
        config.auth = ClientAuth{"alice", "correct horse", mechanism, false};
        ClientSession client(config, job());
        const Transcript t = run(server, client, byte_at_a_time);

        REQUIRE(client.done());
        INFO(client.result().failure_reason);
        CHECK_FALSE(client.result().session_failure);
        CHECK(client.result().recipients.at(0).reply.code == 250);
        CHECK(client.result().tls);
        CHECK(client.result().tls_verify == tls::VerifyFailure::None);
        CHECK(client.result().authenticated_as == "alice");
        REQUIRE(world.policy.messages.size() == 1);
        CHECK(world.policy.messages[0] == "Subject: hi\r\n\r\nSecret plans.\r\n");
        CHECK(server.session().tls);
        CHECK(server.session().auth_user == "alice");

        // Everything after the 220 to STARTTLS is ciphertext on the wire.
        CHECK(t.client_wire.find("MAIL FROM") == std::string::npos);
        CHECK(t.client_wire.find("Secret plans") == std::string::npos);
        // The password, in clear or in base64, is nowhere in either trace.
        for (const auto* events : {&t.client_events, &t.server_events}) {
          CHECK_FALSE(trace_mentions(*events, "correct horse"));
          CHECK_FALSE(trace_mentions(*events, base64_encode(std::string("\0alice\0correct horse", 20))));
          CHECK_FALSE(trace_mentions(*events, base64_encode("correct horse")));
        }
        // The server's trace tells the story: EHLO with STARTTLS, 220, the handshake,
        // EHLO again with AUTH and without STARTTLS, 235, then the transaction.
        const std::vector<std::string> server_replies = replies(t.server_events);
        REQUIRE(server_replies.size() >= 6);
        CHECK(server_replies[2] == "220 2.0.0 Ready to start TLS");
        bool saw_tls_step = false, saw_auth_success = false;
        for (const Event& e : t.server_events) {
          if (e.kind == EventKind::TlsStep && e.field("message") == "ClientHello") saw_tls_step = true;
          if (e.kind == EventKind::AuthStep && e.field("result") == "success") {
            saw_auth_success = true;
            CHECK(e.field("user") == "alice");
            CHECK(e.field("mechanism") == to_string(mechanism));
            // SCRAM: the password never reached the server at all (RFC 5802 §3).
            CHECK(e.field("password") == (mechanism == AuthMechanism::ScramSha256 ? "(never sent)" : "(masked)"));
          }
        }
        CHECK(saw_tls_step);
        CHECK(saw_auth_success);
        CHECK(std::find(server_replies.begin(), server_replies.end(), "235 2.7.0 Authentication successful") !=
              server_replies.end());
      }
    }
  }
}

TEST_CASE("after STARTTLS the server forgets EHLO and stops offering STARTTLS (RFC 3207 §4.2)", "[starttls]") {
  World world;
  ServerSession server(world.server_config(), world.policy);
  server.start("192.0.2.10", "");
  server.receive("EHLO laptop.a.example\r\n");
  const std::string before = server.take_output();
  CHECK(before.find("250 STARTTLS\r\n") != std::string::npos);  // the last keyword
  CHECK(before.find("AUTH") == std::string::npos);  // not offered before TLS
  server.receive("STARTTLS\r\n");
  CHECK(server.take_output() == "220 2.0.0 Ready to start TLS\r\n");
  CHECK(server.state() == ServerState::TlsHandshake);

  tls::SessionConfig client_config;
  client_config.trust = tls::TrustAnchors::load(world.pki.ca.certificate_pem);
  client_config.server_name = "mx.b.example";
  client_config.now_ms = now_ms;
  tls::Session tls_client(client_config, world.client_random);
  tls_client.start();
  for (int i = 0; i < 10 && !tls_client.established(); ++i) {
    server.receive(tls_client.take_output());
    tls_client.receive(server.take_output());
  }
  server.receive(tls_client.take_output());
  REQUIRE(tls_client.established());
  CHECK(server.state() == ServerState::Greeted);
  CHECK(server.session().helo_name.empty());

  tls_client.write("MAIL FROM:<alice@a.example>\r\nEHLO laptop.a.example\r\n");
  server.receive(tls_client.take_output());
  tls_client.receive(server.take_output());
  const std::string after = tls_client.take_plaintext();
  CHECK(after.rfind("503 Send HELO or EHLO first\r\n", 0) == 0);  // EHLO was forgotten
  CHECK(after.find("STARTTLS") == std::string::npos);
  CHECK(after.find("250 AUTH PLAIN LOGIN\r\n") != std::string::npos);
  tls_client.write("STARTTLS\r\n");
  server.receive(tls_client.take_output());
  tls_client.receive(server.take_output());
  CHECK(tls_client.take_plaintext() == "503 5.5.1 Bad sequence of commands: TLS is already active\r\n");
}

TEST_CASE("STARTTLS command injection: plaintext pipelined after STARTTLS is discarded (CVE-2011-0411)",
          "[starttls][attack]") {
  World world;
  ServerSession server(world.server_config(), world.policy);
  server.start("192.0.2.10", "");
  server.receive("EHLO laptop.a.example\r\n");
  (void)server.take_output();
  // An attacker in the middle appends a command to the client's STARTTLS packet.
  server.receive("STARTTLS\r\nRSET\r\n");
  CHECK(server.take_output() == "220 2.0.0 Ready to start TLS\r\n");
  bool discarded = false;
  for (const Event& e : server.take_events())
    if (e.field("attack") == "CVE-2011-0411" && e.bytes == "RSET\r\n") discarded = true;
  CHECK(discarded);

  tls::SessionConfig client_config;
  client_config.trust = tls::TrustAnchors::load(world.pki.ca.certificate_pem);
  client_config.server_name = "mx.b.example";
  client_config.now_ms = now_ms;
  tls::Session tls_client(client_config, world.client_random);
  tls_client.start();
  for (int i = 0; i < 10; ++i) {
    server.receive(tls_client.take_output());
    tls_client.receive(server.take_output());
  }
  REQUIRE(tls_client.established());
  CHECK(server.state() == ServerState::Greeted);
  // No reply to the injected RSET arrives inside TLS.
  CHECK(tls_client.take_plaintext().empty());
  tls_client.write("NOOP\r\n");
  server.receive(tls_client.take_output());
  tls_client.receive(server.take_output());
  CHECK(tls_client.take_plaintext() == "250 OK\r\n");
}

TEST_CASE("STARTTLS response injection: the client drops plaintext after the 220", "[starttls][attack]") {
  World world;
  ClientSession client(world.client_config(), job());
  client.receive("220 mx.b.example ESMTP\r\n");
  CHECK(client.take_output() == "EHLO laptop.a.example\r\n");
  client.receive("250-mx.b.example\r\n250 STARTTLS\r\n");
  CHECK(client.take_output() == "STARTTLS\r\n");
  client.receive("220 go ahead\r\n250 2.1.0 injected\r\n");
  CHECK(client.state() == ClientState::TlsHandshake);
  const std::string hello = client.take_output();
  REQUIRE_FALSE(hello.empty());
  CHECK(hello[0] == '\x16');  // a TLS handshake record: the ClientHello
  bool dropped = false;
  for (const Event& e : client.take_events())
    if (e.explain == "reply.after_starttls" && e.field("discarded") == "20") dropped = true;
  CHECK(dropped);
}

TEST_CASE("garbage instead of a ClientHello closes the session cleanly", "[starttls][attack]") {
  World world;
  ServerSession server(world.server_config(), world.policy);
  server.start("192.0.2.10", "");
  server.receive("EHLO x.example\r\nSTARTTLS\r\n");
  (void)server.take_output();
  (void)server.take_events();
  server.receive("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(server.wants_close());
  CHECK(server.state() == ServerState::Closing);
  bool reply_sent = false, not_tls = false;
  for (const Event& e : server.take_events()) {
    if (e.kind == EventKind::SmtpReply) reply_sent = true;
    if (e.explain == "tls.not_tls") not_tls = true;
  }
  CHECK_FALSE(reply_sent);
  CHECK(not_tls);
  server.receive("more");  // ignored
  server.timeout();        // harmless
  CHECK(server.state() == ServerState::Closing);
}

TEST_CASE("STARTTLS stripping: a client that requires TLS does not go on without it", "[starttls][attack]") {
  World world;
  ServerConfig plain = world.server_config();
  plain.tls.reset();  // the attacker removed STARTTLS from the EHLO reply
  SECTION("required: fails with 454 and a reason, sends nothing else") {
    ServerSession server(plain, world.policy);
    ClientConfig config = world.client_config(StartTlsPolicy::Required);
    ClientSession client(config, job());
    run(server, client, false);
    REQUIRE(client.result().session_failure);
    CHECK(client.result().session_failure->code == 454);
    CHECK(client.result().failure_reason == "the server does not offer STARTTLS and TLS is required");
    CHECK(world.policy.messages.empty());
  }
  SECTION("opportunistic: goes on in plaintext and says so") {
    ServerSession server(plain, world.policy);
    ClientJob local = job();
    local.rcpt_to[0].mailbox = {"bob", "b.example", false};
    ClientSession client(world.client_config(StartTlsPolicy::Opportunistic), local);
    run(server, client, false);
    CHECK_FALSE(client.result().session_failure);
    CHECK_FALSE(client.result().tls);
    CHECK(world.policy.messages.size() == 1);
  }
}

TEST_CASE("a client that requires a verified certificate fails with the reason", "[starttls][verify]") {
  World world;
  world.pki = make_pki(now_ms - day_ms / 2);  // expired 12 hours ago
  ServerSession server(world.server_config(), world.policy);
  ClientSession client(world.client_config(), job());
  run(server, client, false);
  REQUIRE(client.result().session_failure);
  CHECK(client.result().session_failure->code == 454);
  CHECK(client.result().failure_reason == "TLS handshake failed: the server's certificate has expired");
  CHECK(client.result().tls_verify == tls::VerifyFailure::Expired);
  CHECK(server.wants_close());
  CHECK(world.policy.messages.empty());
}

TEST_CASE("a server that requires TLS answers 530 until STARTTLS (RFC 3207 §4)", "[starttls]") {
  World world;
  ServerConfig config = world.server_config();
  config.tls_required = true;
  ServerSession server(config, world.policy);
  server.start("192.0.2.10", "");
  server.receive("EHLO x.example\r\nNOOP\r\nMAIL FROM:<a@a.example>\r\nHELO x.example\r\n");
  const std::string out = server.take_output();
  CHECK(out.find("250 2.0.0 OK\r\n") != std::string::npos);  // NOOP is allowed
  CHECK(out.find("530 5.7.0 Must issue a STARTTLS command first\r\n530 5.7.0 Must issue a STARTTLS command first\r\n") !=
        std::string::npos);
}

TEST_CASE("AUTH rules: refused before TLS, wrong passwords rate-limited, masked", "[auth]") {
  World world;
  SECTION("538 before TLS by default") {
    ServerSession server(world.server_config(), world.policy);
    server.start("192.0.2.10", "");
    server.receive("EHLO x.example\r\nAUTH PLAIN AGFsaWNlAGNvcnJlY3QgaG9yc2U=\r\n");
    const std::string out = server.take_output();
    CHECK(out.find("538 5.7.11 Encryption required for requested authentication mechanism\r\n") != std::string::npos);
    CHECK(server.session().auth_user.empty());
    for (const Event& e : server.take_events()) CHECK(e.bytes.find("AGFsaWNl") == std::string::npos);
  }
  SECTION("the lesson setting: AUTH in plaintext; the third failure ends the session") {
    ServerConfig config = world.server_config();
    config.auth_before_tls = true;
    ServerSession server(config, world.policy);
    server.start("192.0.2.10", "");
    server.receive("EHLO x.example\r\n");
    CHECK(server.take_output().find("250 AUTH PLAIN LOGIN\r\n") != std::string::npos);
    const std::string wrong = "AUTH PLAIN " + base64_encode(std::string("\0alice\0wrong", 12)) + "\r\n";
    server.receive(wrong);
    CHECK(server.take_output() == "535 5.7.8 Authentication credentials invalid\r\n");
    server.receive("AUTH LOGIN\r\n");
    CHECK(server.take_output() == "334 VXNlcm5hbWU6\r\n");
    server.receive(base64_encode("nobody") + "\r\n");
    CHECK(server.take_output() == "334 UGFzc3dvcmQ6\r\n");
    server.receive(base64_encode("correct horse") + "\r\n");  // right password, wrong user
    CHECK(server.take_output() == "535 5.7.8 Authentication credentials invalid\r\n");
    server.receive("AUTH PLAIN\r\n");
    CHECK(server.take_output() == "334 \r\n");
    server.receive("*\r\n");  // cancel: RFC 4954 §4, 501; not a failed guess
    CHECK(server.take_output() == "501 5.7.0 Authentication cancelled\r\n");
    server.receive("AUTH PLAIN !!notbase64\r\n");
    CHECK(server.take_output() == "501 5.5.2 Cannot Base64-decode Client responses\r\n");
    server.receive("AUTH CRAM-MD5\r\n");
    CHECK(server.take_output() == "504 5.5.4 Unrecognized authentication type\r\n");
    server.receive(wrong);
    CHECK(server.take_output() == "421 4.7.0 Too many failed authentication attempts, closing connection\r\n");
    CHECK(server.wants_close());
    CHECK(server.session().auth_failures == 3);
    const std::vector<Event> events = server.take_events();
    CHECK_FALSE(trace_mentions(events, "correct horse"));
    CHECK_FALSE(trace_mentions(events, base64_encode("correct horse")));
    CHECK_FALSE(trace_mentions(events, base64_encode(std::string("\0alice\0wrong", 12))));
  }
  SECTION("a good login, then AUTH again is 503 and relaying is allowed") {
    ServerConfig config = world.server_config();
    config.auth_before_tls = true;
    ServerSession server(config, world.policy);
    server.start("192.0.2.10", "");
    server.receive("EHLO x.example\r\nAUTH PLAIN " + base64_encode(std::string("\0alice\0correct horse", 20)) +
                   "\r\nAUTH PLAIN =\r\nMAIL FROM:<alice@a.example>\r\nRCPT TO:<carol@c.example>\r\n");
    const std::string out = server.take_output();
    CHECK(out.find("235 2.7.0 Authentication successful\r\n503 5.5.1 Bad sequence of commands: already authenticated\r\n") !=
          std::string::npos);
    CHECK(out.find("250 2.1.5 Recipient OK\r\n") != std::string::npos);
  }
  SECTION("AUTH is not allowed inside a transaction (RFC 4954 §4)") {
    ServerConfig config = world.server_config();
    config.auth_before_tls = true;
    ServerSession server(config, world.policy);
    server.start("192.0.2.10", "");
    server.receive("EHLO x.example\r\nMAIL FROM:<a@a.example>\r\nAUTH LOGIN\r\n");
    CHECK(server.take_output().find("503 5.5.1 Bad sequence of commands\r\n") != std::string::npos);
  }
  SECTION("the client refuses to send a password without TLS") {
    ServerConfig config = world.server_config();
    config.tls.reset();
    config.auth_before_tls = true;
    ServerSession server(config, world.policy);
    ClientConfig client_config = world.client_config(StartTlsPolicy::Never);
    client_config.auth = ClientAuth{"alice", "correct horse", std::nullopt, false};
    ClientSession client(client_config, job());
    const Transcript t = run(server, client, false);
    REQUIRE(client.result().session_failure);
    CHECK(client.result().session_failure->code == 538);
    CHECK(t.client_wire.find("AUTH") == std::string::npos);
  }
}

TEST_CASE("passwords are stored as salted PBKDF2-SHA256 hashes", "[auth][user_db]") {
  SeededRandom random(9);
  const PasswordHash h = hash_password("correct horse", random, test_iterations);
  CHECK(verify_password(h, "correct horse"));
  CHECK_FALSE(verify_password(h, "correct horse "));
  CHECK_FALSE(verify_password(h, ""));
  const std::string text = h.to_string();
  CHECK(text.rfind("pbkdf2-sha256$1000$", 0) == 0);
  CHECK(text.find("correct") == std::string::npos);
  const auto parsed = PasswordHash::parse(text);
  REQUIRE(parsed);
  CHECK(verify_password(*parsed, "correct horse"));
  // The same password hashes differently with another salt.
  CHECK(hash_password("correct horse", random, test_iterations).hash != h.hash);
  CHECK_FALSE(PasswordHash::parse("md5$abc"));
  CHECK_FALSE(PasswordHash::parse("pbkdf2-sha256$0$AAAA$AAAA"));
  CHECK_FALSE(PasswordHash::parse("pbkdf2-sha256$99999999$AAAA$AAAA"));
  // RFC 7914 §11 gives PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64); its first 32 octets:
  PasswordHash vector{1, "salt", {}};
  const std::string expected_hex = "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc";
  for (std::size_t i = 0; i < expected_hex.size(); i += 2)
    vector.hash += static_cast<char>(std::stoi(expected_hex.substr(i, 2), nullptr, 16));
  CHECK(verify_password(vector, "passwd"));

  MemoryUserDb db;
  db.add("alice", h);
  CHECK(db.check("alice", "correct horse"));
  CHECK_FALSE(db.check("bob", "correct horse"));
  CHECK(base64_decode("AGFsaWNl") == std::string("\0alice", 6));
  CHECK_FALSE(base64_decode("AGF saWNl"));
  CHECK(mask_auth_command("AUTH PLAIN AGFsaWNl") == "AUTH PLAIN ********");
  CHECK(mask_auth_command("AUTH LOGIN") == "AUTH LOGIN");
}

TEST_CASE("implicit TLS: the greeting is the first thing inside TLS (RFC 8314 §3.3)", "[starttls][implicit]") {
  World world;
  ServerConfig server_config = world.server_config();
  server_config.implicit_tls = true;
  ServerSession server(server_config, world.policy);
  ClientConfig client_config = world.client_config(StartTlsPolicy::Never);
  client_config.tls.implicit = true;
  client_config.auth = ClientAuth{"alice", "correct horse", AuthMechanism::Login, false};
  ClientSession client(client_config, job());
  const Transcript t = run(server, client, false);
  INFO(client.result().failure_reason);
  CHECK_FALSE(client.result().session_failure);
  CHECK(client.result().tls);
  CHECK(client.result().authenticated_as == "alice");
  CHECK(world.policy.messages.size() == 1);
  CHECK(t.client_wire.find("EHLO") == std::string::npos);
  CHECK(t.client_wire.rfind("\x16\x03", 0) == 0);  // the first bytes are a TLS record
  // No STARTTLS is offered inside implicit TLS.
  for (const Event& e : t.server_events)
    if (e.kind == EventKind::SmtpReply) CHECK(e.bytes.find("STARTTLS") == std::string::npos);
}
