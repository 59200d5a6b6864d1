// smtp/client_session.hpp — the SMTP client as a sans-I/O state machine: one
// transaction over one connection, as an MTA's delivery agent or a MUA uses it.
//
// Standards: RFC 5321 §3.1-3.3 and §4.1.1 (the client's side of the dialogue),
// §4.2 (reading replies, multi-line), §4.5.2 (dot-stuffing on send), §3.2 and
// §4.1.4 (fall back from EHLO to HELO on 500/502), RFC 2920 (pipelining MAIL/RCPT
// when the server advertises PIPELINING), RFC 1870 (SIZE=), RFC 3463.
//
// API:
//   ClientSession c(config, job);
//   c.receive(bytes);     // server bytes, any split
//   c.take_output();      // bytes to send
//   c.take_events();      // trace events
//   c.connection_closed();// the stream closed before we were done
//   c.done(); c.result(); // per-recipient outcome
//
// Failures that have no reply of their own (the connection closed, a malformed reply)
// are reported as 421 4.3.2 with the reason as its text: a transient failure, so the
// MTA keeps the message and tries again (RFC 5321 §4.2.1 on 4yz replies).
//
// STARTTLS (RFC 3207): with ClientTlsConfig::starttls the client sends STARTTLS when the
// server offers it (Required: fails with 454 4.7.0 when it does not, the defence against
// STARTTLS stripping), discards anything received after the 220 in plaintext, runs the
// handshake in its own tls::Session, forgets the EHLO reply and sends EHLO again (RFC
// 3207 §4.2). With `implicit` (RFC 8314) TLS starts before the greeting. receive() and
// take_output() then carry ciphertext.
// AUTH (RFC 4954): with ClientConfig::auth the client authenticates after EHLO with
// PLAIN (initial response) or LOGIN, or SCRAM-SHA-256 when ClientAuth::mechanism asks
// (RFC 7677: the proof, then the server's v= checked before the 235 is believed), never
// without TLS unless allowed; the trace shows the credentials masked.
//
// The transaction step (exercise 5): after every reply of the dialogue proper
// (greeting, EHLO, HELO, MAIL, RCPT, DATA, end of data) the session asks
// config.seams.transaction_step(view, reply) what to send next and whether a RCPT reply
// accepted its recipient; the reference is smtp::transaction_step. The session checks
// the answer is possible where it is (an impossible step fails the session with 421
// 4.3.2 rather than hang) and does the sending, the STARTTLS/AUTH detours, the trace
// and the 421 "closing" rule itself.
//
// Not implemented here (later issues): DSN parameters, 8-bit to 7-bit downgrade (RFC
// 6152 §3) when the server lacks 8BITMIME, SCRAM-SHA-256, DANE / MTA-STS.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/reply.hpp"
#include "core/trace.hpp"
#include "smtp/reply_parser.hpp"
#include "smtp/seams.hpp"
#include "smtp/session_types.hpp"
#include "tls/session.hpp"

namespace smtplab::smtp {

// RFC 3207 §4: whether the client uses STARTTLS. Opportunistic (RFC 7435) uses it when
// offered and goes on in plaintext otherwise; Required refuses to go on without it.
enum class StartTlsPolicy { Never, Opportunistic, Required };
std::string_view to_string(StartTlsPolicy policy);

struct ClientTlsConfig {
  StartTlsPolicy starttls = StartTlsPolicy::Never;
  bool implicit = false;        // RFC 8314 §3: TLS from the first byte (port 465)
  tls::SessionConfig session;   // trust anchors, server_name, verify mode, now_ms
  Random* random = nullptr;     // the host's random source; needed for TLS
};

struct ClientAuth {
  std::string user;
  std::string password;
  // none: PLAIN if offered, else LOGIN. SCRAM-SHA-256 (RFC 7677) only when named here:
  // it needs the host's random source (tls.random) for the client nonce.
  std::optional<AuthMechanism> mechanism;
  bool allow_without_tls = false;          // the insecure lesson setting
};

struct ClientConfig {
  std::string helo_name = "localhost";  // our name in EHLO/HELO
  bool use_pipelining = true;           // when the server offers PIPELINING
  Seams seams;                          // reference functions, or a student's
  ClientTlsConfig tls;
  std::optional<ClientAuth> auth;       // log in after EHLO (a MUA submitting)
  // Whether the session's events include what crosses the wire (commands, replies, TLS
  // handshake messages and SASL lines). In the simulator the server end is one of ours
  // and records the dialogue, so a client there sets this to false: it then reports only
  // its own notes (state changes, the TLS verdict), and builds no wire events at all.
  bool record_wire = true;
};

struct ClientJob {
  Path mail_from;
  std::vector<Path> rcpt_to;
  std::string message;  // RFC 5322 message, CRLF line endings, not dot-stuffed
};

// What the reply the client has just read answers (exercise 5's view of the dialogue).
enum class TransactionReplyTo { Greeting, Ehlo, Helo, Mail, Rcpt, Data, Content };
std::string_view to_string(TransactionReplyTo reply_to);

// What the client knows when a reply arrives: a plain value, so transaction_step is a
// pure function that a test can call without a session.
struct TransactionView {
  TransactionReplyTo reply_to = TransactionReplyTo::Greeting;
  bool pipelined = false;          // RFC 2920: MAIL and every RCPT went out as one group
  bool mail_refused = false;       // an earlier reply refused MAIL
  std::size_t rcpt_count = 0;      // recipients in the envelope (at least 1)
  std::size_t rcpt_sent = 0;       // RCPT commands sent so far
  std::size_t rcpt_index = 0;      // Rcpt: the recipient this reply is for (0-based)
  std::size_t rcpt_accepted = 0;   // RCPT replies before this one that accepted
};

// The next thing to send. None: nothing, wait for the next reply (pipelined replies
// are still on their way). Mail: start the transaction (after STARTTLS and AUTH when
// the configuration asks for them). Rcpt: RCPT TO for the recipient at
// view.rcpt_sent. Content: the message, dot-stuffed, and the final ".".
enum class NextCommand { None, Ehlo, Helo, Mail, Rcpt, Data, Content, Quit };
std::string_view to_string(NextCommand command);

// For a RCPT reply: Accepted means the recipient's outcome will be the reply to end of
// data; Refused means this reply is the recipient's outcome. None for other replies.
enum class RecipientVerdict { None, Accepted, Refused };
std::string_view to_string(RecipientVerdict verdict);

struct TransactionStep {
  NextCommand send = NextCommand::None;
  RecipientVerdict recipient = RecipientVerdict::None;
  bool failed = false;  // the session failed with this reply (its outcome for everyone
                        // without an outcome of their own)
  std::string reason;   // when failed: a sentence for the trace
};

enum class ClientState {
  AwaitGreeting,
  TlsHandshake,   // implicit TLS, or after the 220 to STARTTLS
  SentEhlo,
  SentStarttls,
  SentAuth,
  SentHelo,
  SentMail,
  SentRcpt,
  SentData,
  SentContent,
  SentQuit,
  Done,
};
std::string_view to_string(ClientState state);

struct RecipientResult {
  Path rcpt;
  Reply reply;  // the RCPT reply if it failed; else the reply to end of data
};

struct ClientResult {
  // Set when the session failed as a whole (greeting refused, MAIL refused, DATA
  // refused, end of data refused, connection lost, malformed reply); the recipients
  // without a reply of their own share it.
  std::optional<Reply> session_failure;
  std::string failure_reason;  // a sentence for the trace ("connection closed during DATA")
  std::vector<RecipientResult> recipients;  // one per job recipient, same order
  std::vector<std::string> extensions;      // EHLO keywords the server offered
  bool tls = false;                         // the session ran inside TLS
  std::string tls_suite;
  tls::VerifyFailure tls_verify = tls::VerifyFailure::None;  // why the cert did not verify
  std::string authenticated_as;             // after 235
};

class ClientSession {
 public:
  ClientSession(ClientConfig config, ClientJob job);
  void receive(std::string_view bytes);
  void connection_closed();

  std::string take_output();
  // The same, swapped into `out` (its old contents are dropped), so that the caller's
  // buffer and the session's trade places and neither allocates again for the next reply.
  void take_output(std::string& out);
  std::vector<Event> take_events();
  // The same, swapped into `out` (its old contents are dropped); the vector that comes
  // back keeps its capacity for the next batch, so a busy connection reuses one buffer.
  void take_events(std::vector<Event>& out);
  bool done() const { return state_ == ClientState::Done; }
  ClientState state() const { return state_; }
  const ClientResult& result() const { return result_; }

 private:
  void drop_unrecorded_events();  // the wire events, when record_wire is off
  // What each expected reply answers, in the order the replies will come.
  enum class Awaiting { Greeting, Ehlo, Helo, Starttls, Auth, Mail, Rcpt, Data, Content, Quit };

  void handle_reply(const Reply& reply);
  bool step_allowed(const TransactionView& view, const TransactionStep& step) const;
  void start_transaction(std::string_view trigger);
  void send_command(const std::string& line, std::string_view verb, std::string_view rfc,
                    std::string_view shown = {});
  void send_bytes(const std::string& bytes);
  void process_replies(std::string_view bytes);
  void after_ehlo(std::string_view trigger);
  void start_tls();
  void pump_tls();
  void begin_auth(std::string_view trigger);
  void handle_auth_reply(const Reply& reply);
  void handle_scram_challenge(const Reply& reply);
  void send_quit(std::string_view trigger);
  void fail(const Reply& reply, std::string reason);
  void finish(std::string_view trigger);
  void enter_state(ClientState next, std::string_view trigger);

  ClientConfig config_;
  ClientJob job_;
  ClientState state_ = ClientState::AwaitGreeting;
  ClientResult result_;
  std::string output_;
  std::vector<Event> events_;
  ReplyParser parser_;
  std::optional<tls::Session> tls_;  // after the 220 to STARTTLS, or from the start
  std::vector<std::string> auth_offered_;  // mechanisms after "AUTH" in the EHLO reply
  AuthMechanism auth_mechanism_ = AuthMechanism::Plain;
  int auth_step_ = 0;              // LOGIN: 0 user next, 1 password next; PLAIN: 0
                                   // SCRAM: 1 server-first next, 2 server-final, 3 done
  std::shared_ptr<ScramClient> scram_;  // SCRAM-SHA-256 in progress (smtp/auth.hpp)
  std::string auth_cancel_reason_;      // why we answered a challenge with "*"
  std::deque<Awaiting> awaiting_;  // at most MAIL + every RCPT (the job bounds it)
  bool pipelined_ = false;         // RFC 2920: MAIL and RCPTs sent as one group
  bool mail_refused_ = false;
  std::size_t rcpt_sent_ = 0;      // RCPT commands sent so far
  std::size_t rcpt_answered_ = 0;  // RCPT replies read so far
  std::size_t rcpt_accepted_ = 0;  // of which 2xx
  std::vector<bool> accepted_;     // per recipient: its RCPT reply accepted it
};

}  // namespace smtplab::smtp
