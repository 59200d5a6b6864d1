// smtp/server_session.hpp — the SMTP server as a sans-I/O state machine.
//
// Standards: RFC 5321 (§3.1 session initiation, §3.3 mail transactions, §4.1.1
// commands, §4.1.4 order of commands, §4.2 replies, §4.5.2 transparency, §4.5.3.1
// limits), RFC 1869/5321 §2.2 (EHLO extensions), RFC 1870 (SIZE), RFC 6152
// (8BITMIME), RFC 2920 (PIPELINING), RFC 2034 (ENHANCEDSTATUSCODES), RFC 3207
// (STARTTLS), RFC 8314 §3 (implicit TLS), RFC 4954 (AUTH, see auth.hpp).
//
// API:
//   ServerSession s(config, policy);
//   s.start(peer_address, peer_name);   // greeting (or a refusal) is now in output
//   s.receive(bytes);                   // any split: one byte or many commands at once
//   s.take_output();                    // bytes to send to the client
//   s.take_events();                    // trace events: commands, replies, state changes
//   s.wants_close();                    // true after 221 or 421: close once output is sent
//   s.timeout();                        // the owner's idle timer fired: 421 4.4.2
//   s.set_now(now_ms);                  // the time for the next TLS handshake (optional)
//   s.defer_reply(); s.resume(reply);   // asynchronous end-of-data decisions, below
//
// Asynchronous decisions: checks such as SPF, DKIM and DMARC need DNS lookups, which the
// owner runs asynchronously. A policy's on_message may call defer_reply() on its session
// (the value it returns is then ignored): the engine sends nothing, keeps whatever the
// client sends next (pipelined commands, RFC 2920 §3.1) unprocessed, up to
// deferred_input_max octets, and waits for the owner's resume(reply), which sends the
// reply, ends the transaction as usual and then processes the kept input in order.
//
// TLS: the engine owns its tls::Session. After STARTTLS's 220 (or from the first byte
// with implicit_tls) receive() takes ciphertext and take_output() gives ciphertext, so
// the owner (simulator, Asio adapter) moves bytes exactly as before. TLS failures close
// the session (wants_close()) without a reply, since none could be read.
//
// The engine never touches a socket or a clock; see server_transitions.hpp for the
// transition table that drives it and commands.hpp for the command table (check, then
// apply). Misuse by the owner (receive before start, a zero size limit) throws
// std::logic_error; anything the peer sends gets a reply.
//
// Not implemented here (later issues): DSN, SMTPUTF8, CHUNKING; SCRAM-SHA-256.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/limits.hpp"
#include "core/line_reader.hpp"
#include "core/trace.hpp"
#include "smtp/dot_stuffing.hpp"
#include "smtp/seams.hpp"
#include "smtp/server_policy.hpp"
#include "tls/pki.hpp"
#include "tls/session.hpp"

namespace smtplab::smtp {

// What the server needs to offer TLS. The random source is the host's (seeded in the
// simulator, so handshakes repeat); it must outlive every session that uses it.
struct ServerTlsConfig {
  std::shared_ptr<const tls::Identity> identity;  // certificate chain and key
  Random* random = nullptr;
  TimeMs now_ms = 0;  // default time for handshakes; ServerSession::set_now overrides
};

struct ServerConfig {
  std::string host_name = "localhost";  // used in the greeting and the EHLO reply
  std::string greeting_text = "ESMTP smtplab";
  std::size_t message_size_max = limits::message_size_default_max;  // RFC 1870 SIZE
  std::size_t recipients_max = limits::recipients_max;
  bool advertise_pipelining = true;           // RFC 2920
  bool advertise_8bitmime = true;             // RFC 6152
  bool advertise_enhanced_status_codes = true;  // RFC 2034
  Seams seams;  // reference functions, or a student's (smtp/seams.hpp)

  // RFC 3207: STARTTLS is offered when `tls` is set.
  std::optional<ServerTlsConfig> tls;
  // RFC 3207 §4: a server that is not publicly referenced may answer 530 5.7.0 to every
  // command but NOOP, EHLO, STARTTLS and QUIT until TLS is up (a submission server).
  bool tls_required = false;
  // RFC 8314 §3.3: TLS from the first byte ("submissions", port 465); needs `tls`.
  bool implicit_tls = false;
  // RFC 4954: the SASL mechanisms offered, in order; empty means no AUTH at all.
  std::vector<AuthMechanism> auth_mechanisms;
  // The insecure lesson setting: offer and accept AUTH before TLS. By default AUTH is
  // neither advertised nor accepted (538 5.7.11) on a plaintext session, because PLAIN
  // and LOGIN would send the password in the clear.
  bool auth_before_tls = false;
  std::size_t auth_failures_max = auth_failures_max_default;  // then 421 (session_types.hpp)
};

// Our choice: input kept while an end-of-data decision is pending. A pipelining client
// may send its next transaction (RFC 2920 §3.1) but has no reason to send much; beyond
// this the session ends with 421 rather than grow without bound.
inline constexpr std::size_t deferred_input_max = 64 * 1024;

enum class ServerState {
  Connected,   // before the greeting has been decided
  Greeted,     // 220 sent, waiting for HELO/EHLO
  Refused,     // 554 greeting sent: every command but QUIT gets 503 (RFC 5321 §3.1)
  Ready,       // HELO/EHLO done, no transaction
  MailGiven,   // MAIL accepted, waiting for RCPT
  RcptGiven,   // at least one RCPT accepted
  Data,        // 354 sent, reading message content
  TlsHandshake,  // 220 to STARTTLS sent (or implicit TLS): the TLS handshake runs
  Auth,        // 334 sent: the next line is a SASL response (RFC 4954 §4)
  Closing,     // 221 or 421 sent; nothing more is read
};
std::string_view to_string(ServerState state);

class ServerSession {
 public:
  ServerSession(ServerConfig config, ServerPolicy& policy);

  void start(std::string_view peer_address, std::string_view peer_name);
  void receive(std::string_view bytes);
  void timeout();
  void set_now(TimeMs now_ms) { now_ms_ = now_ms; }

  std::string take_output();
  // The same, swapped into `out` (its old contents are dropped), so that the caller's
  // buffer and the session's trade places and neither allocates again for the next reply.
  void take_output(std::string& out);
  std::vector<Event> take_events();
  // The same, swapped into `out` (its old contents are dropped); the vector that comes
  // back keeps its capacity for the next batch, so a busy connection reuses one buffer.
  void take_events(std::vector<Event>& out);
  // Lets the owner and its policy slot their own events (policy_check) into the
  // engine's stream, so the trace reads: command, checks, reply.
  void add_event(Event event) { events_.push_back(std::move(event)); }
  bool wants_close() const { return state_ == ServerState::Closing; }

  // Called by the policy from inside on_message: the reply will come later, by resume().
  void defer_reply() { defer_requested_ = true; }
  // The deferred end-of-data reply. Throws std::logic_error when nothing is pending.
  void resume(const Reply& reply);
  bool awaiting_decision() const { return awaiting_decision_; }

  ServerState state() const { return state_; }
  const Session& session() const { return session_; }
  const Transaction& transaction() const { return tx_; }
  const tls::Session* tls_session() const { return tls_ ? &*tls_ : nullptr; }

 private:
  void process(std::string_view input);
  void start_tls();
  void pump_tls();
  void tls_established();
  void greet();
  void send_bytes(const std::string& wire);
  void handle_auth_line(const Line& line);
  void handle_line(const Line& line);
  void handle_too_long_line();
  void end_of_data();
  void finish_data(const Reply& reply);
  void enter_state(ServerState next, std::string_view trigger);
  void send_reply(const Reply& reply);
  bool enhanced() const;

  ServerConfig config_;
  ServerPolicy& policy_;
  ServerState state_ = ServerState::Connected;
  Session session_;
  Transaction tx_;
  LineReader line_reader_;  // command lines, RFC 5321 §4.5.3.1.4
  DataReader data_reader_;  // message content after 354
  std::optional<tls::Session> tls_;  // from STARTTLS's 220 (or the start, implicit TLS)
  AuthExchange auth_;       // the SASL exchange in progress (state auth)
  TimeMs now_ms_ = 0;
  bool greeted_after_implicit_tls_ = false;
  bool defer_requested_ = false;    // set by defer_reply() during on_message
  bool awaiting_decision_ = false;  // between a deferred on_message and resume()
  std::string deferred_input_;      // plaintext received meanwhile, processed after resume
  std::string output_;
  std::vector<Event> events_;
};

}  // namespace smtplab::smtp
