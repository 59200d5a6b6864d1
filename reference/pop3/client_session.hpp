// pop3/client_session.hpp — the POP3 client (a reader's mail program) as a sans-I/O
// state machine: log in, run a short script of commands, QUIT.
//
// Standards: RFC 1939 (POP3: §3 status indicators and multi-line responses with
//            byte-stuffing, §4 AUTHORIZATION, §5 STAT LIST RETR DELE NOOP RSET, §6 QUIT
//            and UPDATE, §7 TOP UIDL USER PASS), RFC 2449 §5 (CAPA), RFC 2595 §4 (STLS),
//            RFC 5034 §4 (AUTH with an initial response) with RFC 4616 (PLAIN).
//
// API:
//   ClientSession c(config, {parse_action("list").value(), parse_action("retr 1").value()});
//   c.receive(bytes);       // server bytes, any split (one byte or everything at once)
//   c.take_output();        // bytes to send (ciphertext once STLS is up)
//   c.take_events();        // trace events: commands, responses, state changes
//   c.connection_closed();  // the stream closed before we were done
//   c.done(); c.result();   // what was listed, retrieved, deleted
//
// Flow: greeting -> CAPA -> (STLS -> TLS handshake -> CAPA again, RFC 2595 §4) -> USER/PASS
// or AUTH PLAIN -> the actions in order -> QUIT. The password is never sent without TLS
// unless config.allow_plaintext_login (the insecure lesson setting); the trace shows it
// masked. An -ERR to an action is recorded and the script goes on (RFC 1939 §3: -ERR
// leaves the session usable); an -ERR to the login ends the session with QUIT.
//
// Not implemented: APOP (RFC 1939 §7), implicit TLS (port 995), SASL mechanisms other
// than PLAIN, pipelining (RFC 2449 §6.6): one command at a time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/line_reader.hpp"
#include "core/state_machine.hpp"
#include "core/trace.hpp"
#include "tls/session.hpp"

namespace smtplab::pop3 {

// RFC 2449 §4: "Multi-line responses (e.g., RETR) are unlimited in length" but "the
// maximum length of the first line of a response is increased to 512 octets, including
// the terminating CRLF." Our choice for the lines of a multi-line body: 1000 octets is
// RFC 5322 §2.1.1's limit on a message line, plus the stuffing dot, rounded up.
inline constexpr std::size_t response_line_length_max = 1024;
// Our choice (STYLE §18): the most octets one multi-line response may have before the
// client gives up on it, so that a server that never sends "." cannot grow our memory.
inline constexpr std::size_t multi_line_octets_max = 16 * 1024 * 1024;

enum class TlsPolicy { Never, Opportunistic, Required };
std::string_view to_string(TlsPolicy policy);

enum class LoginMethod { UserPass, AuthPlain };
std::string_view to_string(LoginMethod method);

struct ClientTlsConfig {
  TlsPolicy stls = TlsPolicy::Never;  // RFC 2595 §4
  tls::SessionConfig session;         // trust anchors, server name, verify mode, now_ms
  Random* random = nullptr;           // needed when stls is not Never
};

struct ClientConfig {
  std::string user;
  std::string password;
  LoginMethod login = LoginMethod::UserPass;
  ClientTlsConfig tls;
  bool allow_plaintext_login = false;  // RFC 2595 §2.2: the insecure lesson setting
};

// One command of the reader's script.
enum class ActionKind { Stat, List, Uidl, Retr, Top, Dele, Rset, Noop };
std::string_view to_string(ActionKind kind);

struct Action {
  ActionKind kind = ActionKind::Noop;
  std::optional<std::size_t> number;  // the message number (required for RETR TOP DELE)
  std::size_t lines = 0;              // TOP's body line count
  std::string text() const;           // the command line: "RETR 1"
};
// "stat", "list", "list 2", "uidl", "retr 1", "top 1 5", "dele 1", "rset", "noop" (any
// case). nullopt and a reason in *error for anything else.
std::optional<Action> parse_action(std::string_view text, std::string* error = nullptr);

// RFC 1939 §3: remove the byte-stuffing of one line of a multi-line response ("..x" is
// ".x"). The terminating "." line is not passed here.
std::string unstuff_line(std::string_view line);

struct Retrieved {
  std::size_t number = 0;
  std::string content;  // CRLF lines, byte-stuffing removed: the bytes the MDA stored
};

struct ClientResult {
  bool logged_in = false;
  bool tls = false;
  bool quit_ok = false;                  // +OK to QUIT: the deletions were committed (§6)
  std::vector<std::string> capabilities; // the last CAPA listing
  std::optional<std::pair<std::size_t, std::size_t>> stat;      // count, octets
  std::vector<std::pair<std::size_t, std::size_t>> listing;     // LIST: number, octets
  std::vector<std::pair<std::size_t, std::string>> unique_ids;  // UIDL: number, unique-id
  std::vector<Retrieved> retrieved;      // RETR (and TOP) in order
  std::vector<std::size_t> deleted;      // DELE answered +OK
  std::vector<std::string> errors;       // every -ERR line, in order
  std::string failure;                   // why the session ended early, or empty
};

enum class ClientState {
  AwaitGreeting, SentCapa, SentStls, TlsHandshake, SentUser, SentPass, SentAuth, Transaction, SentQuit, Done,
};
std::string_view to_string(ClientState state);

// The transitions ClientSession may make (STYLE §3), named "pop3_client".
const StateMachine& client_state_machine();

class ClientSession {
 public:
  // Throws std::logic_error when STLS is wanted and config.tls.random is missing.
  ClientSession(ClientConfig config, std::vector<Action> actions);

  void receive(std::string_view bytes);
  void connection_closed();

  std::string take_output();
  std::vector<Event> take_events();
  bool done() const { return state_ == ClientState::Done; }
  ClientState state() const { return state_; }
  const ClientResult& result() const { return result_; }

 private:
  void process(std::string_view bytes);
  void handle_response(const std::string& status_line, const std::vector<std::string>& body);
  bool expects_multi_line() const;
  void after_capa();
  void login();
  void next_action();
  void send_command(const std::string& line, std::string_view verb, std::string_view rfc,
                    std::string_view shown = {});
  void send_quit(std::string_view trigger);
  void start_tls();
  void pump_tls();
  void enter_state(ClientState next, std::string_view trigger);
  void fail(std::string reason);

  ClientConfig config_;
  std::vector<Action> actions_;
  std::size_t next_action_ = 0;
  std::optional<Action> current_;  // the action whose response we wait for
  ClientState state_ = ClientState::AwaitGreeting;
  LineReader line_reader_{response_line_length_max};
  std::optional<tls::Session> tls_;
  // A multi-line response being read: its status line and body lines so far.
  bool in_body_ = false;
  bool multi_ = false;  // the response being handled was multi-line
  std::string status_line_;
  std::vector<std::string> body_;
  std::size_t body_octets_ = 0;
  std::string output_;
  std::vector<Event> events_;
  ClientResult result_;
};

}  // namespace smtplab::pop3
