// smtp/server_session.hpp — the SMTP server as a sans-I/O state machine.
//
// Standards: RFC 5321 (§3.1 session initiation, §3.3 mail transactions, §4.1.1
// commands, §4.1.4 order of commands, §4.2 replies, §4.5.2 transparency, §4.5.3.1
// limits), RFC 1869/5321 §2.2 (EHLO extensions), RFC 1870 (SIZE), RFC 6152
// (8BITMIME), RFC 2920 (PIPELINING), RFC 2034 (ENHANCEDSTATUSCODES).
//
// API:
//   ServerSession s(config, policy);
//   s.start(peer_address, peer_name);   // greeting (or a refusal) is now in output
//   s.receive(bytes);                   // any split: one byte or many commands at once
//   s.take_output();                    // bytes to send to the client
//   s.take_events();                    // trace events: commands, replies, state changes
//   s.wants_close();                    // true after 221 or 421: close once output is sent
//   s.timeout();                        // the owner's idle timer fired: 421 4.4.2
//
// The engine never touches a socket or a clock; see server_transitions.hpp for the
// transition table that drives it and commands.hpp for the command table (check, then
// apply). Misuse by the owner (receive before start, a zero size limit) throws
// std::logic_error; anything the peer sends gets a reply.
//
// Not implemented here (later issues): STARTTLS, AUTH, DSN, SMTPUTF8, CHUNKING.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.hpp"
#include "core/line_reader.hpp"
#include "core/trace.hpp"
#include "smtp/dot_stuffing.hpp"
#include "smtp/server_policy.hpp"

namespace smtplab::smtp {

struct ServerConfig {
  std::string host_name = "localhost";  // used in the greeting and the EHLO reply
  std::string greeting_text = "ESMTP smtplab";
  std::size_t message_size_max = limits::message_size_default_max;  // RFC 1870 SIZE
  std::size_t recipients_max = limits::recipients_max;
  bool advertise_pipelining = true;           // RFC 2920
  bool advertise_8bitmime = true;             // RFC 6152
  bool advertise_enhanced_status_codes = true;  // RFC 2034
};

enum class ServerState {
  Connected,   // before the greeting has been decided
  Greeted,     // 220 sent, waiting for HELO/EHLO
  Refused,     // 554 greeting sent: every command but QUIT gets 503 (RFC 5321 §3.1)
  Ready,       // HELO/EHLO done, no transaction
  MailGiven,   // MAIL accepted, waiting for RCPT
  RcptGiven,   // at least one RCPT accepted
  Data,        // 354 sent, reading message content
  Closing,     // 221 or 421 sent; nothing more is read
};
std::string_view to_string(ServerState state);

class ServerSession {
 public:
  ServerSession(ServerConfig config, ServerPolicy& policy);

  void start(std::string_view peer_address, std::string_view peer_name);
  void receive(std::string_view bytes);
  void timeout();

  std::string take_output();
  std::vector<Event> take_events();
  // Lets the owner and its policy slot their own events (policy_check) into the
  // engine's stream, so the trace reads: command, checks, reply.
  void add_event(Event event) { events_.push_back(std::move(event)); }
  bool wants_close() const { return state_ == ServerState::Closing; }

  ServerState state() const { return state_; }
  const Session& session() const { return session_; }
  const Transaction& transaction() const { return tx_; }

 private:
  void handle_line(const Line& line);
  void handle_too_long_line();
  void end_of_data();
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
  std::string output_;
  std::vector<Event> events_;
};

}  // namespace smtplab::smtp
