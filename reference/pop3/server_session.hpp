// pop3/server_session.hpp — the POP3 server as a sans-I/O state machine over a MailStore.
//
// Standards: RFC 1939 (POP3: §3 states, commands and multi-line responses, §4
//            AUTHORIZATION, §5 TRANSACTION, §6 UPDATE, §7 TOP, UIDL, USER, PASS),
//            RFC 2449 (CAPA §5, capabilities §6, command length §4, response codes §8),
//            RFC 3206 (the [AUTH] response code), RFC 2595 §4 (STLS) and §2.2 (no
//            plaintext passwords before TLS), RFC 8314 §3.3 (implicit TLS, port 995),
//            RFC 5034 (AUTH) with RFC 4616 (PLAIN).
//
// API:
//   ServerSession s(config, store, authenticator);
//   s.start();                         // greeting (or the TLS handshake) is now pending
//   s.receive(bytes);                  // any split: one byte or many commands at once
//   s.next_reply_delay_ms();           // wait this long before sending the pending output
//   s.take_output();                   // bytes to send to the client (clears the delay)
//   s.take_events();                   // trace events: commands, replies, state changes
//   s.wants_close();                   // after QUIT, too many failures, TLS failure
//   s.timeout();                       // the owner's autologout timer fired
//   s.set_now(now_ms);                 // the time for the next TLS handshake
//
// Trace: core/trace.hpp has no POP3 kinds yet, so commands are SmtpCommand and
// responses SmtpReply events with a field protocol=pop3 (reported to the lead: core
// should gain pop3_command / pop3_reply). Passwords never reach the trace: PASS and
// AUTH lines are masked.
//
// Failed logins: each failure sets next_reply_delay_ms() to failures x
// auth_failure_delay_ms, a delay the owner applies before sending the -ERR (the engine
// has no clock); the auth_failures_max-th failure closes the session.
//
// Not implemented: APOP (RFC 1939 §7: MD5 of a shared secret, obsolete), the
// exclusive-access maildrop lock (RFC 1939 §8; see maildrop.hpp), LOGIN-DELAY and
// EXPIRE (RFC 2449 §6.5, §6.7), SASL mechanisms other than PLAIN, UTF8 (RFC 6856).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/line_reader.hpp"
#include "core/trace.hpp"
#include "mda/mail_store.hpp"
#include "pop3/maildrop.hpp"
#include "pop3/replies.hpp"
#include "tls/pki.hpp"
#include "tls/session.hpp"

namespace smtplab::pop3 {

// RFC 2449 §4: "The maximum length of a command is increased from 47 characters (4
// character command, single space, 40 character argument, CRLF) to 255 octets,
// including the terminating CRLF."
inline constexpr std::size_t command_line_length_max = 255;

// Our choice, an interpretation of RFC 5034 §4: a SASL response line after a "+"
// challenge is not a command, so the 255-octet limit does not bind it; PLAIN's response
// is at most 3 x 255 octets before base64 (RFC 4616 §2), so 2048 is ample.
inline constexpr std::size_t sasl_line_length_max = 2048;

// Our choice: the third failed login in a session closes it, as smtp/ does; RFC 1939
// sets no number (RFC 1939 §4 lets a server close after a failed authentication).
inline constexpr std::size_t auth_failures_max_default = 3;

// Our choice: the delay before a failed login's -ERR, multiplied by the failure count
// (1 s, 2 s, ...), so a guessing client gets a few tries a minute, not thousands.
inline constexpr TimeMs auth_failure_delay_ms_default = 1000;
// RFC 1939 §3: "A POP3 server MAY have an inactivity autologout timer. Such a timer MUST
// be of at least 10 minutes' duration." The default for the programs that run this engine.
inline constexpr TimeMs autologout_default_ms = 10LL * 60 * 1000;

// Our choice (STYLE §18): a trace event keeps at most this many bytes of a response
// (a RETR of a 10 MB message); the field bytes_truncated says when it was cut.
inline constexpr std::size_t trace_bytes_max = 64 * 1024;

// The server's credential check: a hook with no default (STYLE §6), implemented by the
// MTA's user database in the world, or by a test.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual bool check_password(std::string_view user, std::string_view password) = 0;
};

// What the server needs to offer TLS; the random source must outlive the session.
struct ServerTlsConfig {
  std::shared_ptr<const tls::Identity> identity;
  Random* random = nullptr;
  TimeMs now_ms = 0;
};

struct ServerConfig {
  std::string host_name = "localhost";  // in the greeting
  std::string folder = std::string(mda::folder_inbox);  // the maildrop POP3 shows
  // RFC 2595 §4: STLS is offered when `tls` is set (and TLS is not yet active).
  std::optional<ServerTlsConfig> tls;
  // RFC 8314 §3.3: TLS from the first byte (pop3s, port 995); needs `tls`.
  bool implicit_tls = false;
  // The insecure lesson setting: USER/PASS and AUTH PLAIN without TLS. By default they
  // are refused until TLS is up (RFC 2595 §2.2), since both send the password in clear.
  bool plaintext_login = false;
  std::size_t auth_failures_max = auth_failures_max_default;
  TimeMs auth_failure_delay_ms = auth_failure_delay_ms_default;
};

enum class ServerState {
  Connected,     // before start()
  TlsHandshake,  // after STLS's +OK (or implicit TLS): the handshake runs
  Authorization, // RFC 1939 §4: greeting sent, waiting for USER/PASS, AUTH, STLS, CAPA
  Sasl,          // RFC 5034 §4: "+ " sent, the next line is a SASL response
  Transaction,   // RFC 1939 §5: logged in, the maildrop is numbered
  Update,        // RFC 1939 §6: QUIT seen, deleted messages being removed
  Closing,       // nothing more is read
};
std::string_view to_string(ServerState state);

class ServerSession {
 public:
  // Throws std::logic_error for our own misuse (implicit TLS without a TLS config).
  ServerSession(ServerConfig config, mda::MailStore& store, Authenticator& authenticator);

  void start();
  void receive(std::string_view bytes);
  void timeout();
  void set_now(TimeMs now_ms) { now_ms_ = now_ms; }

  std::string take_output();
  std::vector<Event> take_events();
  TimeMs next_reply_delay_ms() const { return reply_delay_ms_; }
  bool wants_close() const { return state_ == ServerState::Closing; }

  ServerState state() const { return state_; }
  const std::string& user() const { return user_; }  // the logged-in (or USER) name
  bool tls_active() const { return tls_ && tls_->established(); }
  const Maildrop* maildrop() const { return maildrop_ ? &*maildrop_ : nullptr; }
  std::size_t auth_failures() const { return auth_failures_; }

 private:
  void process(std::string_view input);
  void handle_line(const Line& line);
  void handle_sasl_line(const Line& line);
  void handle_too_long_line();
  void start_tls();
  void pump_tls();
  void greet();
  void login(const std::string& user, std::string_view password, ServerState back_to);
  bool plaintext_allowed() const { return config_.plaintext_login || tls_active(); }
  std::string capabilities() const;
  void enter_state(ServerState next, std::string_view trigger);
  void send_reply(const Pop3Reply& reply, std::string_view body = {}, bool multi = false);
  void send_bytes(const std::string& wire);

  // One function per command (RFC 1939 §4-§7, RFC 2449 §5, RFC 2595 §4, RFC 5034 §4).
  void do_capa();
  void do_user(std::string_view argument);
  void do_pass(std::string_view argument);
  void do_auth(const std::vector<std::string_view>& args);
  void do_stls();
  void do_quit();
  void do_stat();
  void do_list(const std::vector<std::string_view>& args, bool unique_ids);
  void do_retr(const std::vector<std::string_view>& args);
  void do_top(const std::vector<std::string_view>& args);
  void do_dele(const std::vector<std::string_view>& args);
  void do_rset();

  ServerConfig config_;
  mda::MailStore& store_;
  Authenticator& authenticator_;
  ServerState state_ = ServerState::Connected;
  LineReader line_reader_;
  std::optional<tls::Session> tls_;
  std::optional<Maildrop> maildrop_;
  std::string user_;  // from USER (waiting for PASS), then the logged-in user
  bool user_given_ = false;
  std::size_t auth_failures_ = 0;
  TimeMs reply_delay_ms_ = 0;
  TimeMs now_ms_ = 0;
  bool greeted_ = false;
  std::string output_;
  std::vector<Event> events_;
};

}  // namespace smtplab::pop3
