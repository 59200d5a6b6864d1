// imap/client_session.hpp — the IMAP4rev1 client (a reader's mail program) as a sans-I/O
// state machine: log in, run a short script of tagged commands, LOGOUT.
//
// Standards: RFC 3501 (IMAP4rev1: §2.2.1 tags, §4.3 literals in responses, §6.1.1
//            CAPABILITY, §6.1.3 LOGOUT, §6.2.1 STARTTLS, §6.2.3 LOGIN, §6.3.1 SELECT,
//            §6.4.5 FETCH, §6.4.6 STORE, §6.4.3 EXPUNGE, §6.4.8 UID, §7 responses: untagged
//            "*", continuation "+", tagged OK/NO/BAD), RFC 2177 (IDLE and DONE).
//
// API:
//   ClientSession c(config, {parse_action("select INBOX").value(), parse_action("idle").value()});
//   c.receive(bytes);  c.take_output();  c.take_events();  c.connection_closed();
//   c.idling();        // IDLE is in progress (the server said "+"): the owner may stop it
//   c.stop_idle();     // send DONE (the owner's IDLE timer fired)
//   c.done(); c.result();
//
// Flow: greeting -> CAPABILITY -> (STARTTLS -> TLS -> CAPABILITY again, RFC 3501 §6.2.1)
// -> LOGIN -> the actions, one tagged command at a time -> LOGOUT. The password is never
// sent without TLS unless config.allow_plaintext_login, nor when the server says
// LOGINDISABLED; the trace shows it masked. An "idle" action sends IDLE and, as soon as
// an untagged EXISTS says new mail has arrived, DONE (RFC 2177 §3), then goes on.
// A NO or BAD to an action is recorded and the script goes on (RFC 3501 §7.1).
//
// Not implemented: AUTHENTICATE (LOGIN only), sending literals (user names and passwords
// go as quoted strings; one with CR, LF or NUL is refused), implicit TLS (port 993),
// parsing ENVELOPE or BODYSTRUCTURE (the FETCH text is kept as it came).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/line_reader.hpp"
#include "core/state_machine.hpp"
#include "core/trace.hpp"
#include "tls/session.hpp"

namespace smtplab::imap {

// Our choice: a response line between literals. RFC 3501 sets no limit; 64 KiB covers
// any FETCH of flags, envelope and sizes for one message.
inline constexpr std::size_t response_line_length_max = 64 * 1024;
// Our choice (STYLE §18): the largest literal (a whole message in BODY[]) the client
// accepts; the simulator's messages are far smaller, and a server announcing more is
// not followed into unbounded memory.
inline constexpr std::size_t response_literal_octets_max = 16 * 1024 * 1024;

enum class TlsPolicy { Never, Opportunistic, Required };
std::string_view to_string(TlsPolicy policy);

struct ClientTlsConfig {
  TlsPolicy starttls = TlsPolicy::Never;  // RFC 3501 §6.2.1
  tls::SessionConfig session;
  Random* random = nullptr;               // needed when starttls is not Never
};

struct ClientConfig {
  std::string user;
  std::string password;
  ClientTlsConfig tls;
  bool allow_plaintext_login = false;  // the insecure lesson setting
};

// One command of the reader's script: the command line without its tag ("SELECT INBOX",
// "FETCH 1:* (FLAGS UID)"), or IDLE.
struct Action {
  std::string command;   // the verb upper-cased, the arguments as written
  std::string verb;      // "SELECT", "UID FETCH", "IDLE"
};
// "select INBOX", "examine INBOX", "fetch 1:* (FLAGS)", "uid fetch 2 (BODY[])",
// "store 1 +FLAGS (\Seen)", "uid store ...", "search UNSEEN", "expunge", "close", "noop",
// "list "" *", "status INBOX (MESSAGES)", "idle". nullopt and a reason for anything else.
std::optional<Action> parse_action(std::string_view text, std::string* error = nullptr);

// One untagged FETCH response (RFC 3501 §7.4.2).
struct Fetched {
  std::size_t number = 0;             // the message sequence number
  std::optional<std::uint32_t> uid;   // when UID was fetched
  std::optional<std::string> flags;   // the FLAGS list's inside: "\Seen \Flagged"
  std::string text;                   // the response with each literal shown as {n}
  std::vector<std::string> literals;  // BODY[] and other literal data, in order
};

struct TaggedResult {
  std::string tag;
  std::string command;   // as sent (LOGIN masked)
  std::string status;    // "OK", "NO", "BAD"
  std::string line;      // the whole tagged line
};

struct ClientResult {
  bool logged_in = false;
  bool tls = false;
  bool logout_ok = false;
  std::vector<std::string> capabilities;
  std::optional<std::size_t> exists;         // the latest EXISTS count
  std::optional<std::uint32_t> uid_validity; // from SELECT's OK [UIDVALIDITY n]
  std::vector<Fetched> fetched;
  std::vector<std::uint32_t> search;         // the latest SEARCH result
  std::vector<std::size_t> expunged;         // EXPUNGE responses, in order
  std::vector<std::size_t> idle_exists;      // EXISTS counts announced while idling
  std::vector<TaggedResult> completed;       // every tagged completion, in order
  std::string failure;
};

enum class ClientState {
  AwaitGreeting, SentCapability, SentStarttls, TlsHandshake, SentLogin, Authenticated, Idle, SentLogout, Done,
};
std::string_view to_string(ClientState state);

// The transitions ClientSession may make (STYLE §3), named "imap_client".
const StateMachine& client_state_machine();

class ClientSession {
 public:
  // Throws std::logic_error when STARTTLS is wanted and config.tls.random is missing.
  ClientSession(ClientConfig config, std::vector<Action> actions);

  void receive(std::string_view bytes);
  void connection_closed();
  void stop_idle();

  std::string take_output();
  std::vector<Event> take_events();
  bool idling() const { return state_ == ClientState::Idle && idle_accepted_ && !done_sent_; }
  bool done() const { return state_ == ClientState::Done; }
  ClientState state() const { return state_; }
  const ClientResult& result() const { return result_; }

 private:
  void process(std::string_view bytes);
  void handle_response(const std::string& text, std::vector<std::string>& literals);
  void handle_untagged(std::string_view text, std::vector<std::string>& literals);
  void handle_tagged(std::string_view status, const std::string& text);
  void after_capability();
  void login();
  void next_action();
  void send_tagged(const std::string& command, std::string_view verb, std::string_view rfc,
                   std::string_view shown = {});
  void send_logout(std::string_view trigger);
  void start_tls();
  void pump_tls();
  void enter_state(ClientState next, std::string_view trigger);
  void fail(std::string reason);

  ClientConfig config_;
  std::vector<Action> actions_;
  std::size_t next_action_ = 0;
  ClientState state_ = ClientState::AwaitGreeting;
  std::uint64_t tag_counter_ = 0;
  std::string tag_;             // of the command in progress
  std::string command_shown_;   // and the command as the trace shows it
  bool idle_accepted_ = false;  // "+" to IDLE seen
  bool done_sent_ = false;      // DONE sent
  bool stop_requested_ = false; // DONE wanted before the "+" came
  LineReader line_reader_{response_line_length_max};
  // A response being read: its text so far and its literals, and the octets of the
  // literal still to come.
  std::string pending_;
  std::vector<std::string> literals_;
  std::optional<std::size_t> literal_remaining_;
  std::optional<tls::Session> tls_;
  std::string output_;
  std::vector<Event> events_;
  ClientResult result_;
};

}  // namespace smtplab::imap
