// tls/session.cpp — mbedTLS driven over memory buffers, one handshake step at a time.
//
// Standards: see session.hpp.
//
// How the bytes move: mbedTLS reads ciphertext through recv_callback() from `in_` (what
// receive() was given) and writes it through send_callback() into `out_` (what
// take_output() hands back). Both callbacks also feed a RecordDecoder, so every byte
// that crosses the session is named in the trace. recv_callback() answers
// MBEDTLS_ERR_SSL_WANT_READ when `in_` is empty: that is mbedTLS's "need more data".
#include "tls/session.hpp"

#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "tls/pki_internal.hpp"
#include "tls/time_hook.hpp"

namespace smtplab::tls {

namespace {

// What our client offers: forward-secret AEAD suites only (RFC 7525 §4.2 recommends
// TLS_ECDHE_*_WITH_AES_*_GCM_*), for ECDSA certificates (the demo PKI) and RSA ones (real
// servers). A short list also keeps the ClientHello readable in the trace.
constexpr int client_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    0,
};

// Key exchange groups, in order of preference: X25519 (RFC 8422 §5.1.1, RFC 7748) and
// the NIST curves most clients have. mbedTLS's default list starts with secp521r1, which
// is slow and no safer in practice.
constexpr mbedtls_ecp_group_id groups[] = {
    MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE,
};

// Our choice: plaintext is read out of mbedTLS in pieces of this size.
constexpr std::size_t read_chunk_size = 4096;

}  // namespace

struct Session::Impl {
  SessionConfig config;
  Random* random;
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  mbedtls_x509_crt no_anchors;  // an empty trust list: every chain is "unknown CA"
  std::string in_;              // ciphertext received, not yet read by mbedTLS
  std::string out_;             // ciphertext to send
  std::string plaintext_in_;    // application data read, not yet taken
  std::string plaintext_out_;   // application data written before the handshake ended
  std::vector<Event> events_;
  RecordDecoder sent_;
  RecordDecoder received_;
  SessionState state_ = SessionState::Handshaking;
  std::string failure_;
  std::uint32_t verify_flags_ = 0;
  bool started_ = false;

  Impl(SessionConfig c, Random& r)
      : config(std::move(c)),
        random(&r),
        sent_(config.role == Role::Client ? Sender::Client : Sender::Server),
        received_(config.role == Role::Client ? Sender::Server : Sender::Client) {
    mbedtls_ssl_config_init(&conf);
    mbedtls_ssl_init(&ssl);
    mbedtls_x509_crt_init(&no_anchors);
  }
  ~Impl() {
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&no_anchors);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  static int send_callback(void* context, const unsigned char* data, std::size_t size) {
    auto* self = static_cast<Impl*>(context);
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    self->out_.append(bytes);
    self->sent_.feed(bytes, self->events_);
    return static_cast<int>(size);
  }

  static int recv_callback(void* context, unsigned char* data, std::size_t size) {
    auto* self = static_cast<Impl*>(context);
    if (self->in_.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
    const std::size_t n = std::min(size, self->in_.size());
    std::copy_n(self->in_.data(), n, data);
    self->in_.erase(0, n);
    return static_cast<int>(n);
  }

  static int verify_callback(void* context, mbedtls_x509_crt* crt, int, std::uint32_t* flags) {
    auto* self = static_cast<Impl*>(context);
    // mbedTLS judged the dates by the system clock; the session's clock is the one that
    // counts (verify.hpp), so its verdict on dates is replaced by ours.
    *flags &= ~static_cast<std::uint32_t>(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    *flags |= validity_flags(*crt, self->config.now_ms);
    self->verify_flags_ |= *flags;
    return 0;
  }

  void setup() {
    const bool client = config.role == Role::Client;
    if (!client && !config.identity) throw std::logic_error("tls::Session: a server needs an identity");
    int ret = mbedtls_ssl_config_defaults(&conf, client ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) throw std::runtime_error("mbedtls_ssl_config_defaults: " + mbedtls_error_text(ret));
    // RFC 8996: TLS 1.0 and 1.1 are deprecated ("MUST NOT be used"); we speak 1.2 only.
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_rng(&conf, random_callback, random);
    mbedtls_ssl_conf_curves(&conf, groups);
    // RFC 5746 §4.4/§4.3: renegotiation is refused (mbedTLS's default, stated here).
    mbedtls_ssl_conf_renegotiation(&conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
    if (client) {
      mbedtls_ssl_conf_ciphersuites(&conf, client_suites);
      // RFC 3207 §4.1: "the SMTP client ... decides whether or not to continue" after
      // checking the server; Required fails the handshake with the right alert,
      // Opportunistic (RFC 7435) goes on and reports the reason.
      mbedtls_ssl_conf_authmode(&conf, config.verify == VerifyMode::Required ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                                              : MBEDTLS_SSL_VERIFY_OPTIONAL);
      mbedtls_ssl_conf_ca_chain(&conf, config.trust ? &config.trust->impl().cas : &no_anchors, nullptr);
      mbedtls_ssl_conf_verify(&conf, verify_callback, this);
      // Session tickets need ticket keys on the server side; resumption is not used.
      mbedtls_ssl_conf_session_tickets(&conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
    } else {
      ret = mbedtls_ssl_conf_own_cert(&conf, &config.identity->impl().chain, &config.identity->impl().key);
      if (ret != 0) throw std::runtime_error("mbedtls_ssl_conf_own_cert: " + mbedtls_error_text(ret));
      mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);  // no client certificates
    }
    ret = mbedtls_ssl_setup(&ssl, &conf);
    if (ret != 0) throw std::runtime_error("mbedtls_ssl_setup: " + mbedtls_error_text(ret));
    // RFC 6066 §3: the client names the server it wants; mbedTLS also checks the
    // certificate against this name (RFC 6125 §6.4).
    if (client && !config.server_name.empty()) {
      ret = mbedtls_ssl_set_hostname(&ssl, config.server_name.c_str());
      if (ret != 0) throw std::runtime_error("mbedtls_ssl_set_hostname: " + mbedtls_error_text(ret));
    }
    mbedtls_ssl_set_bio(&ssl, this, send_callback, recv_callback, nullptr);
  }

  Event note(std::string summary, std::string explain, std::string rfc) {
    Event event;
    event.kind = EventKind::TlsStep;
    event.summary = std::move(summary);
    event.explain = std::move(explain);
    event.rfc = std::move(rfc);
    event.with("sender", std::string(to_string(config.role)));
    return event;
  }

  void fail(int ret) {
    state_ = SessionState::Failed;
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED || (ret == MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED)) {
      VerifyFailure why = failure_from_flags(verify_flags_);
      if (why == VerifyFailure::None) why = VerifyFailure::UnknownCa;
      failure_ = std::string(describe(why));
    } else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
      // mbedTLS leaves the alert it read in in_msg: level, then description.
      failure_ = "the peer ended the handshake with a fatal alert: " + alert_name(ssl.in_msg[1]);
    } else if (received_.not_tls()) {
      failure_ = "the peer did not speak TLS";
    } else {
      failure_ = "TLS error: " + mbedtls_error_text(ret);
    }
    Event event = note("handshake failed: " + failure_, "tls.failed", "RFC 5246 §7.2.2");
    event.with("error", mbedtls_error_text(ret));
    if (config.role == Role::Client) event.with("verify", std::string(to_string(failure_from_flags(verify_flags_))));
    events_.push_back(std::move(event));
    in_.clear();
    plaintext_out_.clear();
  }

  // The ClientHello was read (mbedTLS's next step would write the ServerHello): send
  // a fatal handshake_failure alert and stop. RFC 5246 §7.2.2: "Upon transmission or
  // receipt of a fatal alert message, both parties immediately close the connection."
  void abort_with_handshake_failure() {
    mbedtls_ssl_send_alert_message(&ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE);
    state_ = SessionState::Failed;
    failure_ = "we ended the handshake with a fatal alert: handshake_failure (injected fault)";
    Event event = note("handshake aborted: fatal alert handshake_failure(40) sent (injected fault)", "tls.failed",
                       "RFC 5246 §7.2.2");
    event.with("alert", "handshake_failure");
    events_.push_back(std::move(event));
    in_.clear();
    plaintext_out_.clear();
  }

  void pump() {
    ScopedMbedtlsTime clock(config.now_ms);
    while (state_ == SessionState::Handshaking) {
      // RFC 5246 §7.3: the handshake is a sequence of messages; mbedTLS's state machine
      // takes one step per message, so each step's bytes show up as their own events.
      const int ret = mbedtls_ssl_handshake_step(&ssl);
      if (ret == MBEDTLS_ERR_SSL_WANT_READ) return;
      if (ret != 0) {
        fail(ret);
        return;
      }
      if (config.abort_after_client_hello && config.role == Role::Server && ssl.state == MBEDTLS_SSL_SERVER_HELLO) {
        abort_with_handshake_failure();
        return;
      }
      if (ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER) established();
    }
    if (state_ == SessionState::Established) read_application_data();
  }

  void established() {
    state_ = SessionState::Established;
    const VerifyFailure why = failure_from_flags(verify_flags_);
    Event event = note("handshake complete: " + std::string(mbedtls_ssl_get_version(&ssl)) + ", " +
                           mbedtls_ssl_get_ciphersuite(&ssl),
                       "tls.established", "RFC 5246 §7.4.9");
    event.with("version", mbedtls_ssl_get_version(&ssl)).with("suite", mbedtls_ssl_get_ciphersuite(&ssl));
    if (config.role == Role::Client) {
      event.with("verify", std::string(to_string(why)));
      // RFC 7435 §1.2: opportunistic security encrypts without authenticating; the trace
      // says so plainly, because an attacker in the middle would look just like this.
      if (why != VerifyFailure::None)
        event.summary += " (certificate NOT verified: " + std::string(describe(why)) + ")";
    }
    events_.push_back(std::move(event));
    if (!plaintext_out_.empty()) write_application_data(std::exchange(plaintext_out_, std::string()));
  }

  void read_application_data() {
    unsigned char buffer[read_chunk_size];
    while (state_ == SessionState::Established) {
      const int ret = mbedtls_ssl_read(&ssl, buffer, sizeof buffer);
      if (ret > 0) {
        if (plaintext_in_.size() + static_cast<std::size_t>(ret) > plaintext_buffered_max) {
          fail(MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL);
          return;
        }
        plaintext_in_.append(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(ret));
        continue;
      }
      if (ret == MBEDTLS_ERR_SSL_WANT_READ) return;
      if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == 0) {
        // RFC 5246 §7.2.1: "the other party MUST respond with a close_notify alert of its
        // own and close down the connection immediately".
        mbedtls_ssl_close_notify(&ssl);
        state_ = SessionState::Closed;
        events_.push_back(note("peer sent close_notify", "tls.closed", "RFC 5246 §7.2.1"));
        return;
      }
      fail(ret);
      return;
    }
  }

  void write_application_data(std::string_view plaintext) {
    ScopedMbedtlsTime clock(config.now_ms);
    while (!plaintext.empty() && state_ == SessionState::Established) {
      // mbedtls_ssl_write sends at most one record (2^14 octets, RFC 5246 §6.2.1) a call.
      const int ret = mbedtls_ssl_write(&ssl, reinterpret_cast<const unsigned char*>(plaintext.data()),
                                        plaintext.size());
      if (ret < 0) {
        fail(ret);
        return;
      }
      plaintext.remove_prefix(static_cast<std::size_t>(ret));
    }
  }
};

std::string_view to_string(Role role) { return role == Role::Client ? "client" : "server"; }

std::string_view to_string(SessionState state) {
  switch (state) {
    case SessionState::Handshaking: return "handshaking";
    case SessionState::Established: return "established";
    case SessionState::Closed: return "closed";
    case SessionState::Failed: return "failed";
  }
  return "unknown";
}

Session::Session(SessionConfig config, Random& random) : impl_(std::make_unique<Impl>(std::move(config), random)) {
  impl_->setup();
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

void Session::start() {
  if (impl_->started_) throw std::logic_error("tls::Session::start called twice");
  impl_->started_ = true;
  impl_->pump();  // a client writes its ClientHello; a server finds nothing to read yet
}

void Session::receive(std::string_view ciphertext) {
  Impl& s = *impl_;
  if (!s.started_) throw std::logic_error("tls::Session::receive before start");
  if (s.state_ == SessionState::Failed || s.state_ == SessionState::Closed) return;
  s.received_.feed(ciphertext, s.events_);
  s.in_.append(ciphertext);
  s.pump();
}

void Session::write(std::string_view plaintext) {
  Impl& s = *impl_;
  if (s.state_ == SessionState::Handshaking) {
    if (s.plaintext_out_.size() + plaintext.size() > plaintext_buffered_max)
      throw std::logic_error("tls::Session::write: too much data before the handshake completed");
    s.plaintext_out_.append(plaintext);
    return;
  }
  if (s.state_ != SessionState::Established) return;  // nothing can be sent any more
  s.write_application_data(plaintext);
}

void Session::close() {
  Impl& s = *impl_;
  if (s.state_ != SessionState::Established && s.state_ != SessionState::Handshaking) return;
  ScopedMbedtlsTime clock(s.config.now_ms);
  // RFC 5246 §7.2.1: "the client and the server must share knowledge that the connection
  // is ending in order to avoid a truncation attack".
  if (s.state_ == SessionState::Established) mbedtls_ssl_close_notify(&s.ssl);
  s.state_ = SessionState::Closed;
}

std::string Session::take_output() { return std::exchange(impl_->out_, std::string()); }
std::string Session::take_plaintext() { return std::exchange(impl_->plaintext_in_, std::string()); }
std::vector<Event> Session::take_events() { return std::exchange(impl_->events_, std::vector<Event>()); }

SessionState Session::state() const { return impl_->state_; }
const std::string& Session::failure() const { return impl_->failure_; }
VerifyFailure Session::verify_failure() const { return failure_from_flags(impl_->verify_flags_); }
std::string Session::cipher_suite() const {
  const char* suite = mbedtls_ssl_get_ciphersuite(&impl_->ssl);
  return suite != nullptr ? suite : "";
}
std::string Session::version() const { return mbedtls_ssl_get_version(&impl_->ssl); }
const SessionConfig& Session::config() const { return impl_->config; }

void send_through(std::optional<Session>& tls, std::string_view plaintext, std::string& wire) {
  if (!tls || !tls->established()) {
    wire += plaintext;
    return;
  }
  tls->write(plaintext);
  wire += tls->take_output();
}

void close_through(std::optional<Session>& tls, std::string& wire) {
  if (!tls || !tls->established()) return;
  tls->close();
  wire += tls->take_output();
}

void drain_into(Session& tls, std::string& wire, std::vector<Event>& events) {
  wire += tls.take_output();
  for (Event& event : tls.take_events()) events.push_back(std::move(event));
}

void start_client(std::optional<Session>& tls, SessionConfig config, Random& random) {
  config.role = Role::Client;
  tls.emplace(std::move(config), random);
  tls->start();
}

}  // namespace smtplab::tls
