// smtp/server_session.cpp — the SMTP server engine: frames bytes into command lines
// and message content, dispatches commands through the command table, sends replies,
// and moves along the transition table.
//
// Standards: see server_session.hpp. The per-command rules live in commands.cpp; this
// file holds the rules about the stream: pipelining (§RFC 2920 §3.1: process every
// complete line in order), line length (RFC 5321 §4.5.3.1.4), the end of data and the
// smuggling defence (dot_stuffing.cpp), enhanced status codes (RFC 2034), and closing.
//
// Rules: every change of state goes through enter_state(); every byte we send goes
// through send_reply() and send_bytes() (which encrypts once TLS is up); both record the
// trace event that describes them. Once a tls::Session exists, every byte received is
// ciphertext and goes through it first (receive -> pump_tls -> process).
#include "smtp/server_session.hpp"

#include <stdexcept>
#include <string>
#include <utility>

#include "smtp/auth.hpp"
#include "smtp/commands.hpp"
#include "smtp/server_transitions.hpp"

namespace smtplab::smtp {

namespace {

// The RFC section behind a reply, for the trace: the table row whose code, status and
// text it was built from, else the general section on replies.
std::string_view reply_rfc(const Reply& reply) {
  const std::string_view first = reply.lines.empty() ? std::string_view() : std::string_view(reply.lines.front());
  for (int i = 0; i < static_cast<int>(ReplyId::Count_); ++i) {
    const ReplyInfo& info = reply_info(static_cast<ReplyId>(i));
    if (info.code == reply.code && info.status == reply.status && first.substr(0, info.text.size()) == info.text)
      return info.rfc;
  }
  return "RFC 5321 §4.2";
}

}  // namespace

std::string_view to_string(ServerState state) {
  switch (state) {
    case ServerState::Connected: return "connected";
    case ServerState::Greeted: return "greeted";
    case ServerState::Refused: return "refused";
    case ServerState::Ready: return "ready";
    case ServerState::MailGiven: return "mail_given";
    case ServerState::RcptGiven: return "rcpt_given";
    case ServerState::Data: return "data";
    case ServerState::TlsHandshake: return "tls_handshake";
    case ServerState::Auth: return "auth";
    case ServerState::Closing: return "closing";
  }
  return "unknown";
}

ServerSession::ServerSession(ServerConfig config, ServerPolicy& policy)
    : config_(std::move(config)),
      policy_(policy),
      line_reader_(limits::command_line_length_max),
      data_reader_(config_.message_size_max) {
  // Our own misuse, not the peer's (STYLE §17): a limit of zero would advertise "SIZE 0",
  // which RFC 1870 §4 reads as "no limit at all".
  if (config_.message_size_max == 0) throw std::logic_error("ServerConfig.message_size_max must be > 0");
  if (config_.recipients_max == 0) throw std::logic_error("ServerConfig.recipients_max must be > 0");
  data_reader_.use_scanner(config_.seams.scan_data);  // nullptr: the incremental reader
}

void ServerSession::start(std::string_view peer_address, std::string_view peer_name) {
  if (state_ != ServerState::Connected) throw std::logic_error("ServerSession::start called twice");
  session_.peer_address = std::string(peer_address);
  session_.peer_name = peer_name.empty() ? std::string(peer_address) : std::string(peer_name);
  if (config_.implicit_tls) {
    // RFC 8314 §3.3: on a port for implicit TLS the TLS handshake comes first; the 220
    // greeting is the first thing sent inside TLS.
    enter_state(ServerState::TlsHandshake, "implicit TLS");
    start_tls();
    return;
  }
  greet();
}

void ServerSession::greet() {
  if (std::optional<Reply> refusal = policy_.on_connect(session_)) {
    send_reply(*refusal);
    // RFC 5321 §3.1: "a 554 response MAY be given in the initial connection opening
    // message instead of the 220. A server taking this approach MUST still wait for the
    // client to send a QUIT". A 421 (§3.8) closes at once.
    if (refusal->permanent_failure()) enter_state(ServerState::Refused, "554 greeting");
    else enter_state(ServerState::Closing, "421 greeting");
    return;
  }
  // RFC 5321 §4.2: Greeting = "220 " (Domain / address-literal) [ SP textstring ] CRLF.
  // The text is configuration, so the row gives only the code.
  Reply greeting;
  greeting.code = reply_info(ReplyId::ServiceReady).code;
  greeting.lines.push_back(config_.host_name + " " + config_.greeting_text);
  send_reply(greeting);
  enter_state(ServerState::Greeted, "220 greeting");
}

void ServerSession::receive(std::string_view bytes) {
  if (state_ == ServerState::Connected) throw std::logic_error("ServerSession::receive before start");
  if (state_ == ServerState::Closing) return;
  if (!tls_) {
    process(bytes);
    return;
  }
  // From STARTTLS's 220 on, the client's bytes are TLS records.
  tls_->receive(bytes);
  pump_tls();
  if (state_ == ServerState::Closing) return;
  const std::string plaintext = tls_->take_plaintext();
  process(plaintext);
}

void ServerSession::process(std::string_view input) {
  // RFC 2920 §3.1 ("the server ... MUST process the commands in the order received")
  // in effect: every complete line of this chunk is handled now, in order, and its
  // reply appended to the output in the same order. A chunk may switch between command
  // lines and message content any number of times.
  while (!input.empty()) {
    if (awaiting_decision_) {
      // The reply to end of data is not decided yet: keep the rest for after it.
      if (deferred_input_.size() + input.size() > deferred_input_max) {
        deferred_input_.clear();
        awaiting_decision_ = false;
        send_reply(make_reply(ReplyId::ServiceNotAvailable, "too much input while a decision was pending"));
        enter_state(ServerState::Closing, "input limit while deferred");
        return;
      }
      deferred_input_.append(input);
      return;
    }
    // RFC 5321 §4.1.1.10: after 221 (and after 421, §3.8) the server closes; whatever
    // the client sent after QUIT is ignored.
    if (state_ == ServerState::Closing) return;
    if (state_ == ServerState::TlsHandshake) {
      // CVE-2011-0411 (plaintext command injection): RFC 3207 §4 has the client wait for
      // the 220 before it starts TLS, so anything it sent after STARTTLS in the same
      // packet was not protected by TLS and may come from an attacker in the middle.
      // Buffering it and answering it after the handshake would let the attacker speak
      // inside the encrypted session. It is thrown away.
      Event event;
      event.kind = EventKind::SmtpCommand;
      event.summary = "<" + std::to_string(input.size()) + " bytes after STARTTLS, discarded>";
      event.bytes = std::string(input);
      event.explain = "command.after_starttls";
      event.rfc = "RFC 3207 §4";
      event.with("discarded", std::to_string(input.size())).with("attack", "CVE-2011-0411");
      events_.push_back(std::move(event));
      return;
    }
    if (state_ == ServerState::Data) {
      if (data_reader_.feed(input) == DataStatus::Complete) end_of_data();
      continue;
    }
    Line line;
    switch (line_reader_.next(input, line)) {
      case LineStatus::Complete:
        if (state_ == ServerState::Auth) handle_auth_line(line);
        else handle_line(line);
        break;
      case LineStatus::TooLong: handle_too_long_line(); break;
      case LineStatus::NeedMore: break;  // the reader kept the partial line; input is empty
    }
  }
}

void ServerSession::start_tls() {
  tls::SessionConfig tls_config;
  tls_config.role = tls::Role::Server;
  tls_config.identity = config_.tls->identity;
  tls_config.now_ms = now_ms_;
  // A fault injector may spoil this handshake (smtp::TlsHandshakeFault); the engine
  // runs it like any other, so the trace shows what a real failure looks like.
  if (std::optional<TlsHandshakeFault> fault = policy_.on_tls_handshake(session_)) {
    tls_config.abort_after_client_hello = fault->abort;
    if (fault->identity) tls_config.identity = fault->identity;
  }
  tls_.emplace(std::move(tls_config), *config_.tls->random);
  tls_->start();
  // Whatever was left of a partial command line was sent in plaintext: gone too.
  line_reader_.reset();
  pump_tls();
}

void ServerSession::pump_tls() {
  tls::drain_into(*tls_, output_, events_);
  switch (tls_->state()) {
    case tls::SessionState::Failed:
      // RFC 3207 §4.1: when the handshake fails the connection cannot carry SMTP any
      // more (neither side knows what the other has seen); we close it without a reply.
      // The alert, if mbedTLS wrote one, is already in the output.
      if (state_ != ServerState::Closing) enter_state(ServerState::Closing, "TLS failed, timeout or 421");
      return;
    case tls::SessionState::Closed:
      if (state_ != ServerState::Closing) {
        output_ += tls_->take_output();
        enter_state(ServerState::Closing, "TLS closed");
      }
      return;
    case tls::SessionState::Established:
      if (state_ == ServerState::TlsHandshake) tls_established();
      return;
    case tls::SessionState::Handshaking:
      return;
  }
}

void ServerSession::tls_established() {
  // RFC 3207 §4.2: "Upon completion of the TLS handshake, the SMTP protocol is reset to
  // the initial state (the state in SMTP after a server issues a 220 service ready
  // greeting). The server MUST discard any knowledge obtained from the client, such as
  // the argument to the EHLO command, which was not obtained from the TLS negotiation
  // itself." So the client must send EHLO again, and sees STARTTLS no more.
  session_.helo_name.clear();
  session_.esmtp = false;
  session_.auth_user.clear();
  session_.tls = true;
  session_.tls_suite = tls_->cipher_suite();
  tx_ = Transaction{};
  auth_ = AuthExchange{};
  line_reader_.reset();
  if (config_.implicit_tls && !greeted_after_implicit_tls_) {
    greeted_after_implicit_tls_ = true;
    greet();  // RFC 8314 §3.3: the greeting is the first thing inside TLS
    return;
  }
  enter_state(ServerState::Greeted, "TLS established");
}

void ServerSession::timeout() {
  // RFC 5321 §4.5.3.2: a server "SHOULD have a timeout of at least 5 minutes while it is
  // awaiting the next command from the sender"; then 421 and close (§3.8).
  if (state_ == ServerState::Connected || state_ == ServerState::Closing) return;
  if (state_ == ServerState::TlsHandshake) {
    // In the middle of a handshake a 421 could not be read by anyone: just close.
    enter_state(ServerState::Closing, "TLS failed, timeout or 421");
    return;
  }
  send_reply(make_reply(ReplyId::Timeout));
  enter_state(ServerState::Closing, "421 timeout");
}

std::string ServerSession::take_output() { return std::exchange(output_, std::string()); }

void ServerSession::take_output(std::string& out) {
  out.clear();
  out.swap(output_);
}

// Our choice: one exchange (a command or reply, the answer, a state change or two) makes
// a handful of events, so the next batch gets room for this many at once and its vector
// is allocated once instead of growing 1, 2, 4, 8 (measured: bench/delivery_bench.cpp).
constexpr std::size_t server_events_reserved = 8;

std::vector<Event> ServerSession::take_events() {
  std::vector<Event> taken = std::exchange(events_, std::vector<Event>());
  events_.reserve(server_events_reserved);
  return taken;
}

void ServerSession::take_events(std::vector<Event>& out) {
  out.clear();
  out.swap(events_);
}

void ServerSession::handle_line(const Line& line) {
  const Command command = parse_command(line.text);
  const CommandSpec* spec = find_command(command.verb);

  // AUTH's initial response is a credential: the trace shows it masked (auth.hpp).
  std::string shown = command.verb == Verb::Auth ? mask_auth_command(line.text) : line.text;
  Event event;
  event.kind = EventKind::SmtpCommand;
  const std::string_view ending = line.crlf ? "\r\n" : "\n";
  event.bytes.reserve(shown.size() + ending.size());  // one allocation (the hot path)
  event.bytes.append(shown).append(ending);
  const std::string_view explain_name = spec != nullptr ? spec->name : std::string_view("unknown");
  event.explain.reserve(std::string_view("command.").size() + explain_name.size());
  event.explain.append("command.").append(explain_name);
  event.rfc = spec != nullptr ? std::string(spec->rfc) : std::string("RFC 5321 §4.2.4");
  event.with("verb", command.verb_text)
      .with("argument", command.verb == Verb::Auth ? shown.substr(std::min(shown.size(), command.verb_text.size() + 1))
                                                   : command.argument);
  if (!line.crlf) event.with("line_ending", "bare LF");
  event.summary = std::move(shown);  // last: the argument above may still read it
  events_.push_back(std::move(event));

  if (spec == nullptr) {
    // RFC 5321 §4.2.4: "500 ... command unrecognized"; after a 554 greeting, 503 (§3.1).
    send_reply(make_reply(state_ == ServerState::Refused ? ReplyId::BadSequence : ReplyId::SyntaxErrorCommand));
    return;
  }
  // RFC 3207 §4: a server that requires TLS "SHOULD return the reply code 530 ... to every
  // command other than NOOP, EHLO, STARTTLS, or QUIT" until TLS is up.
  if (config_.tls_required && !session_.tls && state_ != ServerState::Refused && command.verb != Verb::Noop &&
      command.verb != Verb::Ehlo && command.verb != Verb::Starttls && command.verb != Verb::Quit) {
    send_reply(make_reply(ReplyId::EncryptionRequired));
    return;
  }
  if (!spec->allowed_in(state_)) {
    send_reply(sequence_reply(command.verb, state_));
    return;
  }
  // STYLE §4: check (may refuse, changes nothing), then apply.
  const CheckContext check{config_, policy_, state_, session_, tx_};
  if (std::optional<Reply> refusal = spec->check(check, command)) {
    send_reply(*refusal);
    return;
  }
  ApplyContext apply{config_, state_, session_, tx_, policy_, auth_, events_};
  CommandOutcome outcome = spec->apply(apply, command);
  send_reply(outcome.reply);
  if (outcome.next != state_) enter_state(outcome.next, outcome.trigger);
  if (state_ == ServerState::Data) data_reader_.reset();
  // The 220 went out in plaintext; from here on the bytes are TLS.
  if (state_ == ServerState::TlsHandshake) start_tls();
  // RFC 4954 §4 lets a SASL response line be longer than a command line.
  line_reader_.set_line_length_max(state_ == ServerState::Auth ? auth_line_length_max
                                                               : limits::command_line_length_max);
}

void ServerSession::handle_auth_line(const Line& line) {
  // The line is a SASL response, a credential: the trace gets it masked.
  Event event;
  event.kind = EventKind::AuthStep;
  event.summary = "<SASL response for " + std::string(to_string(auth_.step)) + ", masked>";
  event.bytes = masked_response(line.text) + (line.crlf ? "\r\n" : "\n");
  event.explain = "auth.response";
  event.rfc = "RFC 4954 §4";
  event.with("mechanism", std::string(to_string(auth_.mechanism))).with("step", std::string(to_string(auth_.step)));
  events_.push_back(std::move(event));
  ApplyContext apply{config_, state_, session_, tx_, policy_, auth_, events_};
  CommandOutcome outcome = continue_auth(apply, line.text);
  send_reply(outcome.reply);
  if (outcome.next != state_) enter_state(outcome.next, outcome.trigger);
  line_reader_.set_line_length_max(state_ == ServerState::Auth ? auth_line_length_max
                                                               : limits::command_line_length_max);
}

void ServerSession::handle_too_long_line() {
  if (state_ == ServerState::Auth) {
    // An over-long SASL response ends the exchange like a bad one (RFC 4954 §4: "500 5.5.6
    // Authentication Exchange line is too long").
    auth_ = AuthExchange{};
    line_reader_.set_line_length_max(limits::command_line_length_max);
    send_reply(make_reply(ReplyId::LineTooLong, "authentication exchange line is too long"));
    enter_state(ServerState::Ready, "235, 535 or 501");
    return;
  }
  Event event;
  event.kind = EventKind::SmtpCommand;
  event.summary = "<command line over " + std::to_string(limits::command_line_length_max) + " octets, discarded>";
  event.explain = "command.too_long";
  event.rfc = "RFC 5321 §4.5.3.1.4";
  events_.push_back(std::move(event));
  // RFC 5321 §4.5.3.1: "500 Line too long" — the line is gone, the session goes on.
  send_reply(make_reply(ReplyId::LineTooLong));
}

void ServerSession::end_of_data() {
  Event content;
  content.kind = EventKind::SmtpCommand;
  content.summary = "<message, " + std::to_string(data_reader_.wire_size()) + " bytes>";
  content.bytes = data_reader_.wire();
  content.explain = "command.message";
  content.rfc = "RFC 5321 §4.1.1.4";
  content.with("size", std::to_string(data_reader_.size()));
  if (data_reader_.wire_truncated()) content.with("bytes_truncated", "true");
  if (data_reader_.bare_cr()) content.with("bare_cr", "true");
  if (data_reader_.bare_lf()) content.with("bare_lf", "true");
  events_.push_back(std::move(content));

  Reply reply;
  if (data_reader_.bare_line_ending()) {
    // RFC 5321 §2.3.8: "SMTP client implementations MUST NOT transmit these characters
    // except when they are intended as line terminators and then MUST transmit them only
    // as a <CRLF> sequence." A message with a bare CR or LF is the raw material of SMTP
    // smuggling (CVE-2023-51764): relayed as is, a weaker next hop may see an end of
    // data inside it. We refuse it after its real end, never accept or relay it.
    reply = make_reply(ReplyId::BareLineEnding);
  } else if (data_reader_.too_big()) {
    // RFC 1870 §6: a message larger than the declared maximum is refused with 552.
    reply = make_reply(ReplyId::MessageTooBigForSystem,
                       "the limit is " + std::to_string(config_.message_size_max) + " octets");
  } else if (data_reader_.line_too_long()) {
    // RFC 5321 §4.5.3.1.6 (1000 octets a text line), answered with §4.5.3.1's
    // "500 Line too long".
    reply = make_reply(ReplyId::LineTooLong, "a text line is over 1000 octets");
  } else {
    tx_.content = data_reader_.take_content();
    // RFC 5321 §4.1.1.4: the 250 means the server "has accepted responsibility"; the
    // policy stores the message before it says so.
    defer_requested_ = false;
    reply = policy_.on_message(session_, tx_);
    if (defer_requested_) {
      // The owner decides later (DNS lookups for SPF/DKIM/DMARC); see resume().
      defer_requested_ = false;
      awaiting_decision_ = true;
      return;
    }
  }
  finish_data(reply);
}

void ServerSession::resume(const Reply& reply) {
  if (!awaiting_decision_) throw std::logic_error("ServerSession::resume without a deferred decision");
  awaiting_decision_ = false;
  if (state_ == ServerState::Closing) return;  // timed out meanwhile: nobody to answer
  finish_data(reply);
  // The input that arrived meanwhile, in order (RFC 2920 §3.1).
  const std::string pending = std::exchange(deferred_input_, std::string());
  process(pending);
}

void ServerSession::finish_data(const Reply& reply) {
  if (reply.first_digit() == 2) ++session_.transactions;
  send_reply(reply);
  // RFC 5321 §4.1.1.4: after the reply to end of data the transaction is over, whatever
  // the reply said; the session goes on.
  tx_ = Transaction{};
  data_reader_.reset();
  enter_state(ServerState::Ready, "end of data");
}

void ServerSession::enter_state(ServerState next, std::string_view trigger) {
  events_.push_back(server_state_machine().transition_event(to_string(state_), to_string(next), trigger));
  state_ = next;
  if (next == ServerState::Closing) tls::close_through(tls_, output_);  // RFC 5246 §7.2.1
}

void ServerSession::send_bytes(const std::string& wire) {
  tls::send_through(tls_, wire, output_);
}

bool ServerSession::enhanced() const {
  // RFC 2034 §4: once the server has advertised ENHANCEDSTATUSCODES in its EHLO reply,
  // the status code goes on the text of every later reply. A HELO session never saw the
  // keyword, so it gets plain replies.
  return session_.esmtp && config_.advertise_enhanced_status_codes;
}

void ServerSession::send_reply(const Reply& reply) {
  const bool with_status = enhanced();
  std::string wire = reply.format(with_status);
  send_bytes(wire);
  Event event;
  event.kind = EventKind::SmtpReply;
  // Reply::first_line(), cut from the wire text we already have instead of formatted again.
  event.summary = wire.substr(0, wire.find("\r\n"));
  event.bytes = std::move(wire);
  event.explain = "reply." + std::to_string(reply.code);
  event.rfc = std::string(reply_rfc(reply));
  event.with("code", std::to_string(reply.code))
      .with("status", with_status ? reply.status.to_string() : std::string());
  events_.push_back(std::move(event));
}

}  // namespace smtplab::smtp
