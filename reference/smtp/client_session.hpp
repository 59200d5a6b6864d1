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
// Not implemented here (later issues): STARTTLS, AUTH, DSN parameters, 8-bit to 7-bit
// downgrade (RFC 6152 §3) when the server lacks 8BITMIME.
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

namespace smtplab::smtp {

struct ClientConfig {
  std::string helo_name = "localhost";  // our name in EHLO/HELO
  bool use_pipelining = true;           // when the server offers PIPELINING
};

struct ClientJob {
  Path mail_from;
  std::vector<Path> rcpt_to;
  std::string message;  // RFC 5322 message, CRLF line endings, not dot-stuffed
};

enum class ClientState {
  AwaitGreeting,
  SentEhlo,
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
};

class ClientSession {
 public:
  ClientSession(ClientConfig config, ClientJob job);
  void receive(std::string_view bytes);
  void connection_closed();

  std::string take_output();
  std::vector<Event> take_events();
  bool done() const { return state_ == ClientState::Done; }
  ClientState state() const { return state_; }
  const ClientResult& result() const { return result_; }

 private:
  // What each expected reply answers, in the order the replies will come.
  enum class Awaiting { Greeting, Ehlo, Helo, Mail, Rcpt, Data, Content, Quit };

  void handle_reply(const Reply& reply);
  void start_transaction(std::string_view trigger);
  void after_recipients();
  void send_command(const std::string& line, std::string_view verb, std::string_view rfc);
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
  std::deque<Awaiting> awaiting_;  // at most MAIL + every RCPT (the job bounds it)
  bool pipelined_ = false;         // RFC 2920: MAIL and RCPTs sent as one group
  bool mail_refused_ = false;
  std::size_t rcpt_sent_ = 0;      // RCPT commands sent so far
  std::size_t rcpt_answered_ = 0;  // RCPT replies read so far
  std::size_t rcpt_accepted_ = 0;  // of which 2xx
};

}  // namespace smtplab::smtp
