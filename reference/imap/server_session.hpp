// imap/server_session.hpp — the IMAP4rev1 server, teaching subset, as a sans-I/O state
// machine over a MailStore.
//
// Standards: RFC 3501 (IMAP4rev1: §3 states, §6.1 CAPABILITY NOOP LOGOUT, §6.2 STARTTLS
//            AUTHENTICATE LOGIN, §6.3 SELECT EXAMINE LIST STATUS, §6.4 CLOSE EXPUNGE
//            SEARCH FETCH STORE UID, §7 responses, §2.3.1.1 UIDs and UIDVALIDITY, §2.3.2
//            flags, §4.3 literals), RFC 2177 (IDLE), RFC 4959 (SASL-IR), RFC 4616
//            (PLAIN), RFC 5530 (response codes), RFC 8314 §3.3 (implicit TLS).
//
// API:
//   ServerSession s(config, store, authenticator);
//   s.start();  s.receive(bytes);  s.take_output();  s.take_events();
//   s.next_reply_delay_ms();    // wait this long before sending the pending output
//   s.mailbox_changed();        // the owner's MDA stored mail: "* n EXISTS" when idle
//   s.timeout(); s.wants_close(); s.set_now(now_ms);
//
// Mailboxes: INBOX and Junk (mda::folder_inbox, mda::folder_junk) of the logged-in user.
// Flags are the store's Maildir letters (\Seen = S ...), UIDs and UIDVALIDITY the
// store's (MailStore::uids), so both survive restarts with a MaildirStore.
//
// Trace: commands are SmtpCommand and responses SmtpReply events with protocol=imap
// (reported to the lead: core should gain imap_command / imap_response). LOGIN and
// AUTHENTICATE credentials are masked.
//
// FETCH ENVELOPE and INTERNALDATE: imap/envelope.hpp (the ALL and FAST macros too).
//
// Not implemented: BODYSTRUCTURE (and the FULL macro), BODY[section] other than []
// and [HEADER], partial fetches <a.b>, APPEND, COPY, CREATE/DELETE/RENAME, SUBSCRIBE/
// LSUB, CHECK, keywords, \Recent (always 0), search keys other than ALL SEEN UNSEEN FROM
// SUBJECT (and their AND), expunges by other sessions while selected, LITERAL+.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/trace.hpp"
#include "imap/command_reader.hpp"
#include "imap/responses.hpp"
#include "mda/mail_store.hpp"
#include "tls/pki.hpp"
#include "tls/session.hpp"

namespace smtplab::imap {

// Our choice, an interpretation of RFC 3501 §6.2.2: a SASL response line is not a
// command; PLAIN's is at most 3 x 255 octets before base64 (RFC 4616 §2).
inline constexpr std::size_t sasl_line_length_max = 2048;
// Our choice, as in pop3/: the third failed login closes the session (RFC 3501 sets
// no number), and each failure delays its NO by failures x this.
inline constexpr std::size_t auth_failures_max_default = 3;
inline constexpr TimeMs auth_failure_delay_ms_default = 1000;
// RFC 3501 §5.4: "If a server has an inactivity autologout timer, the duration of that
// timer MUST be at least 30 minutes." (RFC 2177 §3 asks IDLE clients to re-issue IDLE
// at least every 29 minutes for the same reason.)
inline constexpr TimeMs autologout_default_ms = 30LL * 60 * 1000;
// Our choice (STYLE §18): bytes of one response kept in its trace event.
inline constexpr std::size_t trace_bytes_max = 64 * 1024;

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual bool check_password(std::string_view user, std::string_view password) = 0;
};

struct ServerTlsConfig {
  std::shared_ptr<const tls::Identity> identity;
  Random* random = nullptr;
  TimeMs now_ms = 0;
};

struct ServerConfig {
  std::string host_name = "localhost";
  std::optional<ServerTlsConfig> tls;   // RFC 3501 §6.2.1: STARTTLS offered when set
  bool implicit_tls = false;            // RFC 8314 §3.3 (imaps, port 993)
  // The insecure lesson setting; by default LOGIN and AUTHENTICATE wait for TLS and
  // CAPABILITY says LOGINDISABLED (RFC 3501 §6.2.3).
  bool plaintext_login = false;
  std::size_t auth_failures_max = auth_failures_max_default;
  TimeMs auth_failure_delay_ms = auth_failure_delay_ms_default;
};

enum class ServerState {
  Connected, TlsHandshake, NotAuthenticated, Authenticate, Authenticated, Selected, Idle, Logout,
};
std::string_view to_string(ServerState state);

// One message of the selected mailbox, in sequence-number order (RFC 3501 §2.3.1.2).
struct MailboxEntry {
  std::uint32_t uid = 0;
  std::string id;     // the store's id
  std::string flags;  // Maildir letters
};

class ServerSession {
 public:
  ServerSession(ServerConfig config, mda::MailStore& store, Authenticator& authenticator);

  void start();
  void receive(std::string_view bytes);
  void mailbox_changed();
  void timeout();
  void set_now(TimeMs now_ms) { now_ms_ = now_ms; }

  std::string take_output();
  std::vector<Event> take_events();
  TimeMs next_reply_delay_ms() const { return reply_delay_ms_; }
  bool wants_close() const { return state_ == ServerState::Logout; }

  ServerState state() const { return state_; }
  const std::string& user() const { return user_; }
  const std::string& selected_mailbox() const { return mailbox_; }
  const std::vector<MailboxEntry>& messages() const { return messages_; }
  bool tls_active() const { return tls_ && tls_->established(); }

 private:
  void process(std::string_view input);
  void handle_command(Command& command);
  void handle_sasl_line(const Line& line);
  void start_tls();
  void pump_tls();
  void greet();
  bool plaintext_allowed() const { return config_.plaintext_login || tls_active(); }
  std::string capability_line() const;
  void login(const std::string& user, std::string_view password);
  void send_untagged(const std::string& text);
  void send_tagged(ResponseId id, std::string_view text = {});
  void send_bytes(const std::string& wire, std::string_view summary, std::string_view explain, std::string_view rfc);
  void enter_state(ServerState next, std::string_view trigger);
  std::optional<std::string> folder_of(std::string_view mailbox) const;
  std::vector<MailboxEntry> load(const std::string& folder, std::uint32_t* uid_validity);

  void do_select(const Command& command, bool read_only);
  void do_list(const Command& command);
  void do_status(const Command& command);
  void do_fetch(const std::vector<Arg>& args, bool by_uid);
  void do_store(const std::vector<Arg>& args, bool by_uid);
  void do_search(const std::vector<Arg>& args, bool by_uid);
  void do_expunge(bool silent);
  void do_authenticate(const Command& command);

  ServerConfig config_;
  mda::MailStore& store_;
  Authenticator& authenticator_;
  ServerState state_ = ServerState::Connected;
  CommandReader reader_;
  LineReader sasl_reader_{sasl_line_length_max};
  std::optional<tls::Session> tls_;
  std::string user_;
  std::string tag_;       // of the command in progress (AUTHENTICATE, IDLE)
  std::string mailbox_;   // selected mailbox name as the client sees it
  std::string folder_;    // and the store's folder
  bool read_only_ = false;
  std::uint32_t uid_validity_ = 0;
  std::vector<MailboxEntry> messages_;
  std::size_t auth_failures_ = 0;
  TimeMs reply_delay_ms_ = 0;
  TimeMs now_ms_ = 0;
  bool greeted_ = false;
  std::string output_;
  std::vector<Event> events_;
};

}  // namespace smtplab::imap
