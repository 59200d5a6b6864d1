// smtp/client_session.cpp — the SMTP client engine: one transaction, then QUIT.
//
// Standards: see client_session.hpp.
//
// Rules: the client keeps a queue of what each expected reply answers (`awaiting_`),
// because with PIPELINING several commands are in flight (RFC 2920 §3.1: "the client
// SMTP ... MUST check the responses in order"). Every command goes through
// send_command(), every change of state through enter_state(), and the session ends in
// finish(), which gives each recipient its outcome.
#include "smtp/client_session.hpp"

#include <stdexcept>
#include <utility>

#include "smtp/client_transitions.hpp"
#include "smtp/dot_stuffing.hpp"
#include "smtp/extensions.hpp"

namespace smtplab::smtp {

namespace {

bool has_8bit(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) > 127) return true;
  return false;
}

}  // namespace

std::string_view to_string(ClientState state) {
  switch (state) {
    case ClientState::AwaitGreeting: return "await_greeting";
    case ClientState::SentEhlo: return "sent_ehlo";
    case ClientState::SentHelo: return "sent_helo";
    case ClientState::SentMail: return "sent_mail";
    case ClientState::SentRcpt: return "sent_rcpt";
    case ClientState::SentData: return "sent_data";
    case ClientState::SentContent: return "sent_content";
    case ClientState::SentQuit: return "sent_quit";
    case ClientState::Done: return "done";
  }
  return "unknown";
}

ClientSession::ClientSession(ClientConfig config, ClientJob job)
    : config_(std::move(config)), job_(std::move(job)) {
  // RFC 5321 §3.3: a transaction needs at least one recipient; a job without one is the
  // owner's mistake.
  if (job_.rcpt_to.empty()) throw std::logic_error("ClientJob needs at least one recipient");
  for (const Path& rcpt : job_.rcpt_to) result_.recipients.push_back(RecipientResult{rcpt, Reply{}});
  awaiting_.push_back(Awaiting::Greeting);
}

void ClientSession::receive(std::string_view bytes) {
  if (done()) return;
  parser_.feed(bytes);
  while (!done()) {
    Reply reply;
    std::string wire;
    const ReplyParseStatus status = parser_.next(reply, &wire);
    if (status == ReplyParseStatus::NeedMore) return;
    if (status == ReplyParseStatus::Malformed && state_ == ClientState::SentQuit) {
      finish("221 or close");  // the transaction is over; a garbled goodbye changes nothing
      return;
    }
    if (status == ReplyParseStatus::Malformed) {
      // RFC 5321 §4.2 defines the only shape a reply may have; after a reply we cannot
      // read, we no longer know which command the next bytes answer. Say goodbye without
      // waiting, and let the MTA retry later.
      fail(make_reply(ReplyId::ServiceNotAvailable, "malformed reply: " + parser_.error()),
           "malformed reply from the server: " + parser_.error());
      send_command("QUIT", "QUIT", "RFC 5321 §4.1.1.10");
      finish("421, close or bad reply");
      return;
    }
    Event event;
    event.kind = EventKind::SmtpReply;
    event.summary = wire.substr(0, wire.find_first_of("\r\n"));
    event.bytes = std::move(wire);
    event.explain = "reply." + std::to_string(reply.code);
    event.rfc = "RFC 5321 §4.2";
    event.with("code", std::to_string(reply.code)).with("status", reply.status.to_string());
    events_.push_back(std::move(event));
    handle_reply(reply);
  }
}

void ClientSession::connection_closed() {
  if (done()) return;
  if (state_ == ClientState::SentQuit) {
    // RFC 5321 §4.1.1.10: after QUIT the server closes; whether we read its 221 first
    // does not matter.
    finish("221 or close");
    return;
  }
  const std::string reason = "connection closed in state " + std::string(to_string(state_));
  fail(make_reply(ReplyId::ServiceNotAvailable, reason), reason);
  finish("421, close or bad reply");
}

std::string ClientSession::take_output() { return std::exchange(output_, std::string()); }

std::vector<Event> ClientSession::take_events() { return std::exchange(events_, std::vector<Event>()); }

void ClientSession::handle_reply(const Reply& reply) {
  if (awaiting_.empty()) {
    // A reply to nothing: the server is out of step with us (RFC 5321 §4.2: "every
    // command MUST generate exactly one reply").
    fail(make_reply(ReplyId::ServiceNotAvailable, "unexpected reply"), "the server sent a reply nobody asked for");
    send_command("QUIT", "QUIT", "RFC 5321 §4.1.1.10");
    finish("421, close or bad reply");
    return;
  }
  const Awaiting what = awaiting_.front();
  awaiting_.pop_front();

  // RFC 5321 §3.8: "421 <domain> Service not available, closing transmission channel"
  // may answer any command; the server closes, so we do not even send QUIT.
  if (reply.code == 421 && what != Awaiting::Quit) {
    fail(reply, "the server is closing the connection (421)");
    finish("421, close or bad reply");
    return;
  }

  switch (what) {
    case Awaiting::Greeting:
      if (reply.code == 220) {
        send_command("EHLO " + config_.helo_name, "EHLO", "RFC 5321 §4.1.1.1");
        awaiting_.push_back(Awaiting::Ehlo);
        enter_state(ClientState::SentEhlo, "220");
      } else {
        // RFC 5321 §3.1: after a 554 greeting the server waits for our QUIT.
        fail(reply, "the server refused the session in its greeting");
        send_quit("554 greeting");
      }
      return;

    case Awaiting::Ehlo:
      if (reply.first_digit() == 2) {
        const EhloReply ehlo = parse_ehlo_reply(reply);
        for (const EhloKeyword& keyword : ehlo.keywords) result_.extensions.push_back(keyword.keyword);
        start_transaction("250 to EHLO");
      } else if (reply.code == 500 || reply.code == 502) {
        // RFC 5321 §3.2: a client "SHOULD" fall back to HELO when the server does not
        // recognise EHLO (an old RFC 821 server answers 500 or 502).
        send_command("HELO " + config_.helo_name, "HELO", "RFC 5321 §4.1.1.1");
        awaiting_.push_back(Awaiting::Helo);
        enter_state(ClientState::SentHelo, "500/502 to EHLO");
      } else {
        fail(reply, "the server refused EHLO");
        send_quit("refused");
      }
      return;

    case Awaiting::Helo:
      if (reply.first_digit() == 2) {
        result_.extensions.clear();  // HELO: no extensions (RFC 5321 §4.1.1.1)
        start_transaction("250 to HELO");
      } else {
        fail(reply, "the server refused HELO");
        send_quit("refused");
      }
      return;

    case Awaiting::Mail:
      if (reply.first_digit() == 2) {
        if (!pipelined_) {
          send_command("RCPT TO:" + job_.rcpt_to[rcpt_sent_].to_string(), "RCPT", "RFC 5321 §4.1.1.3");
          ++rcpt_sent_;
          awaiting_.push_back(Awaiting::Rcpt);
        }
        enter_state(ClientState::SentRcpt, "250 to MAIL");
      } else {
        mail_refused_ = true;
        fail(reply, "the server refused the sender (MAIL)");
        // With pipelining, the RCPT replies are still on their way (most likely 503);
        // they are read and ignored before QUIT.
        if (awaiting_.empty()) send_quit("refused");
      }
      return;

    case Awaiting::Rcpt: {
      const std::size_t index = rcpt_answered_++;
      if (!mail_refused_) {
        if (reply.first_digit() == 2) ++rcpt_accepted_;
        else result_.recipients[index].reply = reply;  // this recipient's own failure
      }
      if (mail_refused_) {
        if (awaiting_.empty()) send_quit("refused");
        return;
      }
      if (!pipelined_ && rcpt_sent_ < job_.rcpt_to.size()) {
        send_command("RCPT TO:" + job_.rcpt_to[rcpt_sent_].to_string(), "RCPT", "RFC 5321 §4.1.1.3");
        ++rcpt_sent_;
        awaiting_.push_back(Awaiting::Rcpt);
        return;
      }
      if (rcpt_answered_ == job_.rcpt_to.size()) after_recipients();
      return;
    }

    case Awaiting::Data:
      if (reply.code == 354) {
        const std::string content = dot_stuff(job_.message) + ".\r\n";
        output_ += content;
        Event event;
        event.kind = EventKind::SmtpCommand;
        event.summary = "<message, " + std::to_string(content.size()) + " bytes>";
        event.bytes = content;
        event.explain = "command.message";
        event.rfc = "RFC 5321 §4.5.2";
        event.with("size", std::to_string(message_size(job_.message)));
        events_.push_back(std::move(event));
        awaiting_.push_back(Awaiting::Content);
        enter_state(ClientState::SentContent, "354");
      } else {
        fail(reply, "the server refused DATA");
        send_quit("refused");
      }
      return;

    case Awaiting::Content:
      // RFC 5321 §4.1.1.4: one reply for the whole message; it is the outcome of every
      // recipient that RCPT accepted.
      for (RecipientResult& r : result_.recipients)
        if (r.reply.code == 0) r.reply = reply;
      if (reply.first_digit() != 2) fail(reply, "the server refused the message at end of data");
      send_quit("reply to end of data");
      return;

    case Awaiting::Quit:
      finish("221 or close");
      return;
  }
}

void ClientSession::start_transaction(std::string_view trigger) {
  const auto offered = [this](std::string_view keyword) {
    for (const std::string& k : result_.extensions)
      if (k == keyword) return true;
    return false;
  };
  // RFC 2920 §3.1: with PIPELINING, "the client SMTP may send MAIL FROM, RCPT TO ...
  // without waiting"; DATA ends the group, and we send it only once a RCPT succeeded.
  pipelined_ = config_.use_pipelining && offered("PIPELINING");
  std::string mail = "MAIL FROM:" + job_.mail_from.to_string();
  // RFC 1870 §6: "the SIZE parameter ... the estimated size of the message".
  if (offered("SIZE")) mail += " SIZE=" + std::to_string(message_size(job_.message));
  // RFC 6152 §3: 8-bit content is declared with BODY=8BITMIME.
  if (offered("8BITMIME") && has_8bit(job_.message)) mail += " BODY=8BITMIME";
  send_command(mail, "MAIL", "RFC 5321 §4.1.1.2");
  awaiting_.push_back(Awaiting::Mail);
  if (pipelined_) {
    for (const Path& rcpt : job_.rcpt_to) {
      send_command("RCPT TO:" + rcpt.to_string(), "RCPT", "RFC 5321 §4.1.1.3");
      awaiting_.push_back(Awaiting::Rcpt);
    }
    rcpt_sent_ = job_.rcpt_to.size();
  }
  enter_state(ClientState::SentMail, trigger);
}

void ClientSession::after_recipients() {
  // RFC 5321 §4.1.1.4 / RFC 2920 §3.1: DATA only when at least one recipient was
  // accepted; otherwise there is no one to deliver to.
  if (rcpt_accepted_ > 0) {
    send_command("DATA", "DATA", "RFC 5321 §4.1.1.4");
    awaiting_.push_back(Awaiting::Data);
    enter_state(ClientState::SentData, "a recipient accepted");
    return;
  }
  if (result_.failure_reason.empty()) result_.failure_reason = "no recipient was accepted";
  send_quit("no recipient accepted");
}

void ClientSession::send_command(const std::string& line, std::string_view verb, std::string_view rfc) {
  output_ += line;
  output_ += "\r\n";
  Event event;
  event.kind = EventKind::SmtpCommand;
  event.summary = line;
  event.bytes = line + "\r\n";
  event.explain = "command." + std::string(verb);
  event.rfc = std::string(rfc);
  event.with("verb", std::string(verb));
  events_.push_back(std::move(event));
}

void ClientSession::send_quit(std::string_view trigger) {
  send_command("QUIT", "QUIT", "RFC 5321 §4.1.1.10");
  awaiting_.clear();
  awaiting_.push_back(Awaiting::Quit);
  enter_state(ClientState::SentQuit, trigger);
}

void ClientSession::fail(const Reply& reply, std::string reason) {
  // The first failure is the one that explains the outcome; later ones are echoes.
  if (!result_.session_failure) result_.session_failure = reply;
  if (result_.failure_reason.empty()) result_.failure_reason = std::move(reason);
}

void ClientSession::finish(std::string_view trigger) {
  // Recipients without a reply of their own share the session's failure.
  for (RecipientResult& r : result_.recipients)
    if (r.reply.code == 0 && result_.session_failure) r.reply = *result_.session_failure;
  awaiting_.clear();
  enter_state(ClientState::Done, trigger);
}

void ClientSession::enter_state(ClientState next, std::string_view trigger) {
  const std::string_view from = to_string(state_);
  const std::string_view to = to_string(next);
  const Transition* row = client_state_machine().find(from, to);
  if (row == nullptr)  // our bug: the table is the whole truth about legal moves
    throw std::logic_error("smtp_client: no transition " + std::string(from) + " -> " + std::string(to));
  Event event;
  event.kind = EventKind::StateChange;
  event.summary = std::string(from) + " -> " + std::string(to);
  event.explain = "state.smtp_client." + std::string(to);
  event.rfc = std::string(row->rfc);
  event.with("machine", std::string(client_state_machine().name))
      .with("from", std::string(from))
      .with("to", std::string(to))
      .with("trigger", std::string(trigger))
      .with("rfc", std::string(row->rfc));
  events_.push_back(std::move(event));
  state_ = next;
}

}  // namespace smtplab::smtp
