// Tests of tls/session: two sessions back to back with no network, whole flights and one
// byte at a time; determinism with a seed; certificate failure reasons; garbage input.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tls/pki.hpp"
#include "tls/session.hpp"
#include "tls/time_hook.hpp"
#include "tls/verify.hpp"

using namespace smtplab;
using namespace smtplab::tls;

namespace {

// 2024-06-01T00:00:00Z, a fixed "now" like the simulator's epoch.
constexpr TimeMs now_ms = 1'717'200'000'000LL;
constexpr TimeMs day_ms = 24LL * 3600 * 1000;

struct Pki {
  PemPair ca;
  PemPair host;
};

Pki make_pki(std::uint64_t seed, const std::string& host_name, TimeMs not_before_ms, TimeMs not_after_ms) {
  SeededRandom random(seed);
  CertificateRequest ca_request;
  ca_request.common_name = "smtplab demo CA";
  ca_request.not_before_ms = now_ms - 10 * day_ms;
  ca_request.not_after_ms = now_ms + 3650 * day_ms;
  Pki pki;
  pki.ca = make_ca(ca_request, random);
  CertificateRequest host_request;
  host_request.common_name = host_name;
  host_request.not_before_ms = not_before_ms;
  host_request.not_after_ms = not_after_ms;
  pki.host = make_host_certificate(pki.ca, host_request, random);
  return pki;
}

Pki good_pki(std::uint64_t seed = 1) { return make_pki(seed, "mx.b.example", now_ms - day_ms, now_ms + 30 * day_ms); }

struct Pair {
  SeededRandom client_random;
  SeededRandom server_random;
  Session client;
  Session server;
  std::vector<Event> client_events;
  std::vector<Event> server_events;
  std::string client_wire;  // every byte the client sent
  std::string server_wire;

  Pair(const Pki& pki, std::uint64_t seed, std::string server_name = "mx.b.example",
       VerifyMode mode = VerifyMode::Required, const PemPair* trusted_ca = nullptr)
      : client_random(seed),
        server_random(seed + 1),
        client(client_config(pki, std::move(server_name), mode, trusted_ca), client_random),
        server(server_config(pki), server_random) {}

  static SessionConfig client_config(const Pki& pki, std::string name, VerifyMode mode, const PemPair* ca) {
    SessionConfig c;
    c.role = Role::Client;
    c.trust = TrustAnchors::load((ca != nullptr ? *ca : pki.ca).certificate_pem);
    REQUIRE(c.trust);
    c.server_name = std::move(name);
    c.verify = mode;
    c.now_ms = now_ms;
    return c;
  }
  static SessionConfig server_config(const Pki& pki) {
    SessionConfig c;
    c.role = Role::Server;
    std::string error;
    c.identity = Identity::load(pki.host.certificate_pem, pki.host.key_pem, &error);
    INFO(error);
    REQUIRE(c.identity);
    c.now_ms = now_ms;
    return c;
  }

  // Moves bytes both ways until neither side has anything to say.
  void run(bool byte_at_a_time) {
    client.start();
    server.start();
    for (int round = 0; round < 100; ++round) {
      std::string c = client.take_output();
      std::string s = server.take_output();
      client_wire += c;
      server_wire += s;
      if (c.empty() && s.empty()) break;
      deliver(server, c, byte_at_a_time);
      deliver(client, s, byte_at_a_time);
    }
    for (Event& e : client.take_events()) client_events.push_back(std::move(e));
    for (Event& e : server.take_events()) server_events.push_back(std::move(e));
  }

  static void deliver(Session& to, const std::string& bytes, bool byte_at_a_time) {
    if (!byte_at_a_time) {
      if (!bytes.empty()) to.receive(bytes);
      return;
    }
    for (char b : bytes) to.receive(std::string_view(&b, 1));
  }
};

std::vector<std::string> summaries(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(std::string(e.field("sender")) + ": " + e.summary);
  return out;
}

const Event* find_message(const std::vector<Event>& events, std::string_view message) {
  for (const Event& e : events)
    if (e.field("message") == message) return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("a client and a server complete a TLS 1.2 handshake back to back", "[tls]") {
  const Pki pki = good_pki();
  for (bool byte_at_a_time : {false, true}) {
    SECTION(byte_at_a_time ? "one byte at a time" : "whole flights") {
      Pair pair(pki, 7);
      pair.run(byte_at_a_time);
      REQUIRE(pair.client.state() == SessionState::Established);
      REQUIRE(pair.server.state() == SessionState::Established);
      CHECK(pair.client.verify_failure() == VerifyFailure::None);
      CHECK(pair.client.cipher_suite() == pair.server.cipher_suite());
      CHECK(pair.client.version() == "TLSv1.2");

      // Each side reports every handshake message, the ones it sent and the ones it read.
      const std::vector<std::string> expected_order = {
          "ClientHello", "ServerHello", "Certificate", "ServerKeyExchange", "ServerHelloDone", "ClientKeyExchange"};
      for (const auto* events : {&pair.client_events, &pair.server_events}) {
        std::vector<std::string> messages;
        for (const Event& e : *events)
          if (!e.field("message").empty()) messages.emplace_back(e.field("message"));
        CHECK(messages == expected_order);
        std::size_t ccs = 0, finished = 0;
        for (const Event& e : *events) {
          CHECK(e.kind == EventKind::TlsStep);
          if (e.summary == "ChangeCipherSpec") ++ccs;
          if (e.summary == "Finished (encrypted)") ++finished;
        }
        CHECK(ccs == 2);
        CHECK(finished == 2);
        CHECK(events->back().explain == "tls.established");
      }

      const Event* hello = find_message(pair.client_events, "ClientHello");
      REQUIRE(hello != nullptr);
      CHECK(hello->field("sni") == "mx.b.example");
      CHECK(hello->field("sender") == "client");
      CHECK_THAT(std::string(hello->field("suites")),
                 Catch::Matchers::Contains("TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"));
      // The event carries the real bytes: handshake type 1, and they occur in the wire.
      REQUIRE(hello->bytes.size() > 40);
      CHECK(hello->bytes[0] == '\x01');
      CHECK(pair.client_wire.find(hello->bytes) == 5);  // right after the record header

      const Event* server_hello = find_message(pair.server_events, "ServerHello");
      REQUIRE(server_hello != nullptr);
      CHECK(server_hello->field("suite") == pair.server.cipher_suite());
      CHECK(server_hello->field("sender") == "server");

      const Event* certificate = find_message(pair.client_events, "Certificate");
      REQUIRE(certificate != nullptr);
      CHECK(certificate->field("subject") == "CN=mx.b.example, O=smtplab lab");
      CHECK(certificate->field("issuer") == "CN=smtplab demo CA, O=smtplab lab");
      CHECK(certificate->field("dns_names") == "mx.b.example");
      CHECK(certificate->field("valid_to") == "2024-07-01 00:00:00");

      const Event* key_exchange = find_message(pair.client_events, "ServerKeyExchange");
      REQUIRE(key_exchange != nullptr);
      CHECK(key_exchange->field("curve") == "x25519");

      // Application data both ways, then close_notify.
      pair.client.write("EHLO c.example\r\n");
      pair.server.receive(pair.client.take_output());
      CHECK(pair.server.take_plaintext() == "EHLO c.example\r\n");
      pair.server.write("250 ok\r\n");
      const std::string ciphertext = pair.server.take_output();
      CHECK(ciphertext.find("250 ok") == std::string::npos);
      pair.client.receive(ciphertext);
      CHECK(pair.client.take_plaintext() == "250 ok\r\n");
      pair.client.close();
      pair.server.receive(pair.client.take_output());
      CHECK(pair.server.state() == SessionState::Closed);
    }
  }
}

TEST_CASE("the same seed gives the same handshake", "[tls][determinism]") {
  const Pki a = good_pki(3);
  const Pki b = good_pki(3);
  CHECK(a.ca.certificate_pem == b.ca.certificate_pem);
  CHECK(a.host.certificate_pem == b.host.certificate_pem);
  CHECK(a.host.key_pem == b.host.key_pem);
  CHECK(good_pki(4).host.key_pem != a.host.key_pem);

  Pair first(a, 11);
  first.run(false);
  Pair second(b, 11);
  second.run(false);
  REQUIRE(first.client.established());
  CHECK(summaries(first.client_events) == summaries(second.client_events));
  CHECK(summaries(first.server_events) == summaries(second.server_events));
  if (!mbedtls_time_is_ours()) {
    // See tls/time_hook.hpp: without the link option mbedTLS stamps the hello randoms
    // with the real clock, so the bytes can differ between runs.
    WARN("mbedTLS reads the system clock (build without -Wl,--wrap=time): byte-identical handshakes not checked");
    return;
  }
  CHECK(first.client_wire == second.client_wire);
  CHECK(first.server_wire == second.server_wire);
  Pair other(a, 12);
  other.run(false);
  CHECK(other.client_wire != first.client_wire);
}

TEST_CASE("a certificate that does not verify fails with a clear reason", "[tls][verify]") {
  struct Case {
    const char* name;
    Pki pki;
    std::string server_name;
    bool other_ca;
    VerifyFailure expected;
    const char* alert;
  };
  const Pki stranger = good_pki(99);
  std::vector<Case> cases = {
      {"expired", make_pki(5, "mx.b.example", now_ms - 60 * day_ms, now_ms - day_ms), "mx.b.example", false,
       VerifyFailure::Expired, "certificate_expired"},
      {"not yet valid", make_pki(5, "mx.b.example", now_ms + day_ms, now_ms + 60 * day_ms), "mx.b.example", false,
       VerifyFailure::NotYetValid, "certificate_unknown"},
      {"wrong name", good_pki(5), "mail.evil.example", false, VerifyFailure::WrongName, "bad_certificate"},
      {"unknown CA", good_pki(5), "mx.b.example", true, VerifyFailure::UnknownCa, "unknown_ca"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      Pair pair(c.pki, 21, c.server_name, VerifyMode::Required, c.other_ca ? &stranger.ca : nullptr);
      pair.run(false);
      CHECK(pair.client.state() == SessionState::Failed);
      CHECK(pair.client.verify_failure() == c.expected);
      CHECK(pair.client.failure() == describe(c.expected));
      // The client told the server why, in a fatal alert (RFC 5246 §7.2.2).
      CHECK(pair.server.state() == SessionState::Failed);
      bool alert_seen = false;
      for (const Event& e : pair.server_events)
        if (e.field("description") == c.alert && e.field("sender") == "client") alert_seen = true;
      if (!alert_seen) for (const Event& e : pair.server_events) UNSCOPED_INFO(e.summary);
      CHECK(alert_seen);
      CHECK(pair.client_events.back().explain == "tls.failed");
      CHECK(pair.client_events.back().field("verify") == to_string(c.expected));
    }
  }
  SECTION("opportunistic: encrypt anyway and say why it is not verified") {
    Pair pair(cases[0].pki, 21, "mx.b.example", VerifyMode::Opportunistic);
    pair.run(false);
    CHECK(pair.client.state() == SessionState::Established);
    CHECK(pair.client.verify_failure() == VerifyFailure::Expired);
    CHECK_THAT(pair.client_events.back().summary, Catch::Matchers::Contains("NOT verified"));
  }
}

TEST_CASE("garbage instead of a ClientHello fails the server session cleanly", "[tls]") {
  const Pki pki = good_pki();
  SeededRandom random(1);
  SessionConfig config = Pair::server_config(pki);
  Session server(config, random);
  server.start();
  server.receive("RSET\r\nQUIT\r\n");
  CHECK(server.state() == SessionState::Failed);
  CHECK(server.failure() == "the peer did not speak TLS");
  const std::vector<Event> events = server.take_events();
  REQUIRE(events.size() >= 2);
  CHECK(events.front().explain == "tls.not_tls");
  CHECK(events.back().explain == "tls.failed");
  server.receive("more garbage");  // ignored, never a crash
  CHECK(server.take_plaintext().empty());
}

TEST_CASE("a record claiming a huge length is refused without buffering it", "[tls]") {
  const Pki pki = good_pki();
  SeededRandom random(1);
  Session server(Pair::server_config(pki), random);
  server.start();
  std::string header = "\x16\x03\x03\xff\xff";  // handshake, TLS 1.2, 65535 octets
  server.receive(header);
  server.receive(std::string(1000, 'A'));
  CHECK(server.state() == SessionState::Failed);
}

TEST_CASE("identities and trust anchors report what is wrong with their PEM", "[tls][pki]") {
  const Pki pki = good_pki();
  const Pki other = good_pki(2);
  std::string error;
  CHECK(Identity::load(pki.host.certificate_pem, pki.host.key_pem, &error) != nullptr);
  CHECK(Identity::load(pki.host.certificate_pem, other.host.key_pem, &error) == nullptr);
  CHECK_THAT(error, Catch::Matchers::Contains("does not match"));
  CHECK(Identity::load("not a pem", pki.host.key_pem, &error) == nullptr);
  CHECK_THAT(error, Catch::Matchers::Contains("certificate"));
  CHECK(TrustAnchors::load("", &error) == nullptr);

  const auto summary = describe_certificate(pki.host.certificate_pem);
  REQUIRE(summary);
  CHECK(summary->subject == "CN=mx.b.example, O=smtplab lab");
  CHECK(summary->valid_from == "2024-05-31 00:00:00");
  CHECK(summary->dns_names == std::vector<std::string>{"mx.b.example"});
}

TEST_CASE("X.509 times convert to epoch seconds", "[tls][verify]") {
  CHECK(epoch_seconds(1970, 1, 1, 0, 0, 0) == 0);
  CHECK(epoch_seconds(2000, 3, 1, 0, 0, 0) == 951'868'800);
  CHECK(epoch_seconds(2024, 6, 1, 0, 0, 0) * 1000 == now_ms);
  CHECK(to_string(VerifyFailure::WrongName) == "wrong_name");
  CHECK(to_string(SessionState::Established) == "established");
}
