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
// Not implemented here (later issues): STARTTLS, AUTH, DSN parameters.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/address.hpp"
#include "core/reply.hpp"
#include "core/trace.hpp"

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
  struct Impl;
  friend struct Impl;
  ClientConfig config_;
  ClientJob job_;
  ClientState state_ = ClientState::AwaitGreeting;
  ClientResult result_;
  std::string output_;
  std::vector<Event> events_;
};

}  // namespace smtplab::smtp
