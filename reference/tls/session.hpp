// tls/session.hpp — a TLS 1.2 session (mbedTLS 2.28) over memory buffers, stepped one
// handshake message at a time.
//
// Standards: RFC 5246 (TLS 1.2), RFC 8422 (ECDHE and ECDSA), RFC 6066 §3 (SNI), RFC 5280
//            and RFC 6125 (certificate checks, see verify.hpp), RFC 7435 (opportunistic
//            security), RFC 5246 §7.2.1 (close_notify).
//
// API (sans-I/O, like the SMTP engines: no socket, no clock, no global generator):
//   tls::Session s(config, random);      // random: the host's (seeded in the simulator)
//   s.start();                           // a client writes its ClientHello
//   s.receive(ciphertext);               // bytes from the peer, any split
//   s.take_output();                     // ciphertext to send to the peer
//   s.write(plaintext); s.take_plaintext();  // application data, once established
//   s.take_events();                     // tls_step events: one per handshake message
//   s.close();                           // close_notify
//   s.state(): Handshaking, Established, Closed, Failed; s.failure() says why it failed;
//   s.verify_failure(): why the server's certificate was not accepted (client).
//
// Every handshake message either side sends is reported as a tls_step event carrying
// its real bytes, decoded by tls/record_decoder.hpp from the ciphertext this session
// shuttles; the session adds one event when the handshake completes or fails.
//
// The random source comes from the caller (mbedtls_ssl_conf_rng), and so does the time
// (SessionConfig::now_ms) for certificate validity; see time_hook.hpp for the hello
// randoms' timestamps.
//
// Not implemented: TLS 1.3, session resumption, renegotiation (refused, RFC 5746), client
// certificates, ALPN.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/trace.hpp"
#include "tls/pki.hpp"
#include "tls/record_decoder.hpp"
#include "tls/verify.hpp"

namespace smtplab::tls {

enum class Role { Client, Server };
std::string_view to_string(Role role);

enum class SessionState {
  Handshaking,  // messages are being exchanged; application data waits
  Established,  // Finished exchanged both ways: application data flows
  Closed,       // close_notify sent or received
  Failed,       // a fatal error; failure() says which. Nothing more is sent or read.
};
std::string_view to_string(SessionState state);

struct SessionConfig {
  Role role = Role::Client;
  std::shared_ptr<const Identity> identity;   // server: its certificate chain and key
  std::shared_ptr<const TrustAnchors> trust;  // client: the CAs it trusts (none: no CA)
  std::string server_name;                    // client: SNI and the name to verify
  VerifyMode verify = VerifyMode::Required;   // client: what a bad certificate does
  TimeMs now_ms = 0;                          // the time for validity checks
  // Server, fault injection (sim::TlsFault): read the ClientHello, then end the
  // handshake with a fatal handshake_failure(40) alert instead of a ServerHello. RFC 5246
  // §7.2.2: handshake_failure "indicates that the sender was unable to negotiate an
  // acceptable set of security parameters given the options available".
  bool abort_after_client_hello = false;
};

// Our choice: plaintext read but not yet taken, and plaintext written before the
// handshake ends, are each held up to this much; beyond it the owner is not draining
// the session and it fails rather than grow (STYLE §18).
inline constexpr std::size_t plaintext_buffered_max = 1024 * 1024;

class Session {
 public:
  // Throws std::logic_error for our own misuse (a server without an identity).
  Session(SessionConfig config, Random& random);
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  void start();
  void receive(std::string_view ciphertext);
  void write(std::string_view plaintext);
  void close();

  std::string take_output();
  std::string take_plaintext();
  std::vector<Event> take_events();

  SessionState state() const;
  bool established() const { return state() == SessionState::Established; }
  const std::string& failure() const;
  VerifyFailure verify_failure() const;
  std::string cipher_suite() const;  // "" before the ServerHello
  std::string version() const;       // "TLSv1.2"
  const SessionConfig& config() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// How a protocol engine puts bytes on the wire: encrypted through `tls` once its
// handshake is done, as they are before that (or without TLS). Appends to `wire`.
void send_through(std::optional<Session>& tls, std::string_view plaintext, std::string& wire);

// RFC 5246 §7.2.1: end an established session with close_notify before the connection
// closes, so the peer can tell an orderly end from a truncation. Appends to `wire`.
void close_through(std::optional<Session>& tls, std::string& wire);

// How a protocol engine collects what its TLS session produced since the last call: the
// records to send (appended to `wire`) and the handshake's trace events (appended to
// `events`, in order). The engine then looks at state() to decide what comes next.
void drain_into(Session& tls, std::string& wire, std::vector<Event>& events);

// A client engine's STARTTLS/STLS: a client-side session made from the engine's TLS
// settings, started, so that its ClientHello is waiting to be drained.
void start_client(std::optional<Session>& tls, SessionConfig config, Random& random);

}  // namespace smtplab::tls
