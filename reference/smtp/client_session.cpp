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

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/limits.hpp"
#include "smtp/auth.hpp"
#include "smtp/client_transitions.hpp"
#include "smtp/dot_stuffing.hpp"
#include "smtp/extensions.hpp"
#include "smtp/user_db.hpp"

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
    case ClientState::TlsHandshake: return "tls_handshake";
    case ClientState::SentEhlo: return "sent_ehlo";
    case ClientState::SentStarttls: return "sent_starttls";
    case ClientState::SentAuth: return "sent_auth";
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
    : config_(std::move(config)), job_(std::move(job)), parser_(config_.seams.parse_reply_lines) {
  // RFC 5321 §3.3: a transaction needs at least one recipient; a job without one is the
  // owner's mistake.
  if (job_.rcpt_to.empty()) throw std::logic_error("ClientJob needs at least one recipient");
  for (const Path& rcpt : job_.rcpt_to) result_.recipients.push_back(RecipientResult{rcpt, Reply{}});
  accepted_.assign(job_.rcpt_to.size(), false);
  const bool wants_tls = config_.tls.implicit || config_.tls.starttls != StartTlsPolicy::Never;
  if (wants_tls && config_.tls.random == nullptr) throw std::logic_error("ClientConfig.tls needs a random source");
  awaiting_.push_back(Awaiting::Greeting);
  if (config_.tls.implicit) {
    // RFC 8314 §3.3: on an implicit-TLS port the client starts the handshake as soon as
    // the connection is open; the greeting comes inside TLS.
    enter_state(ClientState::TlsHandshake, "implicit TLS");
    start_tls();
  }
}

std::string_view to_string(StartTlsPolicy policy) {
  switch (policy) {
    case StartTlsPolicy::Never: return "never";
    case StartTlsPolicy::Opportunistic: return "opportunistic";
    case StartTlsPolicy::Required: return "required";
  }
  return "unknown";
}

void ClientSession::start_tls() {
  tls::start_client(tls_, config_.tls.session, *config_.tls.random);
  pump_tls();
}

void ClientSession::pump_tls() {
  tls::drain_into(*tls_, output_, events_);
  if (done()) return;
  switch (tls_->state()) {
    case tls::SessionState::Failed: {
      // RFC 3207 §4.1: after a failed handshake the connection is unusable for SMTP; we
      // cannot even send QUIT. A 4xx, so that an MTA keeps the message and retries (or
      // an operator fixes the certificate).
      result_.tls_verify = tls_->verify_failure();
      const std::string reason = "TLS handshake failed: " + tls_->failure();
      fail(make_reply(ReplyId::TlsNotAvailable, reason), reason);
      finish("TLS failed or close");
      return;
    }
    case tls::SessionState::Closed: {
      // The server's close_notify may share a packet with its last reply (221): read
      // the reply first, then treat the close like the connection closing.
      const std::string rest = tls_->take_plaintext();
      if (!rest.empty()) process_replies(rest);
      output_ += tls_->take_output();
      connection_closed();
      return;
    }
    case tls::SessionState::Established:
      if (state_ != ClientState::TlsHandshake) return;
      result_.tls = true;
      result_.tls_suite = tls_->cipher_suite();
      result_.tls_verify = tls_->verify_failure();
      if (config_.tls.implicit && awaiting_.size() == 1 && awaiting_.front() == Awaiting::Greeting) {
        enter_state(ClientState::AwaitGreeting, "TLS established (implicit)");
        return;
      }
      // RFC 3207 §4.2: "The client MUST discard any knowledge obtained from the server,
      // such as the list of SMTP service extensions, which was not obtained from the TLS
      // negotiation itself. The client SHOULD send an EHLO command as the first command
      // after a successful TLS negotiation."
      result_.extensions.clear();
      auth_offered_.clear();
      send_command("EHLO " + config_.helo_name, "EHLO", "RFC 3207 §4.2");
      awaiting_.push_back(Awaiting::Ehlo);
      enter_state(ClientState::SentEhlo, "TLS established");
      return;
    case tls::SessionState::Handshaking:
      return;
  }
}

void ClientSession::receive(std::string_view bytes) {
  if (done()) return;
  if (!tls_) {
    process_replies(bytes);
    return;
  }
  tls_->receive(bytes);
  pump_tls();
  if (done()) return;
  const std::string plaintext = tls_->take_plaintext();
  if (!plaintext.empty()) process_replies(plaintext);
}

void ClientSession::process_replies(std::string_view bytes) {
  parser_.feed(bytes);
  while (!done()) {
    Reply reply;
    std::string wire;
    const ReplyParseStatus status = parser_.next(reply, config_.record_wire ? &wire : nullptr);
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
    if (config_.record_wire) {
      Event event;
      event.kind = EventKind::SmtpReply;
      // The first line (find, not find_first_of: that tests every byte against a set).
      event.summary = wire.substr(0, std::min(wire.find('\r'), wire.find('\n')));
      event.bytes = std::move(wire);
      event.explain = "reply." + std::to_string(reply.code);
      event.rfc = "RFC 5321 §4.2";
      event.with("code", std::to_string(reply.code)).with("status", reply.status.to_string());
      events_.push_back(std::move(event));
    }
    handle_reply(reply);
    if (state_ == ClientState::TlsHandshake && !tls_) {
      // The mirror image of CVE-2011-0411 (STARTTLS response injection): bytes that came
      // after the 220 in the same plaintext packet were not protected by TLS, and a
      // man in the middle could use them to answer our first commands inside TLS. They
      // are thrown away before the handshake starts.
      const std::size_t discarded = parser_.buffered();
      parser_ = ReplyParser(config_.seams.parse_reply_lines);
      if (discarded > 0) {
        Event dropped;
        dropped.kind = EventKind::SmtpReply;
        dropped.summary = "<" + std::to_string(discarded) + " bytes after the 220 to STARTTLS, discarded>";
        dropped.explain = "reply.after_starttls";
        dropped.rfc = "RFC 3207 §4";
        dropped.with("discarded", std::to_string(discarded));
        events_.push_back(std::move(dropped));
      }
      start_tls();
      return;
    }
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

void ClientSession::take_output(std::string& out) {
  out.clear();
  out.swap(output_);
}

// Our choice: one exchange (a command or reply, the answer, a state change or two) makes
// a handful of events, so the next batch gets room for this many at once and its vector
// is allocated once instead of growing 1, 2, 4, 8 (measured: bench/delivery_bench.cpp).
constexpr std::size_t client_events_reserved = 8;

namespace {

// What crosses the wire: commands, replies, and the TLS handshake messages and SASL lines
// that carry bytes. With record_wire off these are not kept: the busy ones (commands and
// replies) are never built, and the rest are dropped here, in one place.
bool is_wire_event(const Event& e) {
  const bool tls_or_auth_bytes = (e.kind == EventKind::TlsStep || e.kind == EventKind::AuthStep) && !e.bytes.empty();
  return e.kind == EventKind::SmtpCommand || e.kind == EventKind::SmtpReply || tls_or_auth_bytes;
}

}  // namespace

void ClientSession::drop_unrecorded_events() {
  if (!config_.record_wire) std::erase_if(events_, is_wire_event);
}

std::vector<Event> ClientSession::take_events() {
  drop_unrecorded_events();
  std::vector<Event> taken = std::exchange(events_, std::vector<Event>());
  events_.reserve(client_events_reserved);
  return taken;
}

void ClientSession::take_events(std::vector<Event>& out) {
  drop_unrecorded_events();
  out.clear();
  out.swap(events_);
}

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
    case Awaiting::Starttls:
      if (reply.code == 220) {
        // RFC 3207 §4: "220 Ready to start TLS"; the handshake starts once this reply is
        // handled (see process_replies, which also drops what followed it).
        enter_state(ClientState::TlsHandshake, "220 to STARTTLS");
        return;
      }
      // RFC 3207 §4: "If the client receives the 454 response, the client must decide
      // whether or not to continue the SMTP session."
      if (config_.tls.starttls == StartTlsPolicy::Required) {
        fail(reply, "the server refused STARTTLS and TLS is required");
        send_quit("refused");
        return;
      }
      if (config_.auth) begin_auth("refused, go on without TLS");
      else start_transaction("refused, go on without TLS");
      return;

    case Awaiting::Auth:
      handle_auth_reply(reply);
      return;

    case Awaiting::Quit:
      finish("221 or close");
      return;

    default:
      break;
  }

  // The dialogue proper: the transaction step (the reference, or a student's) decides.
  TransactionView view;
  switch (what) {
    case Awaiting::Greeting: view.reply_to = TransactionReplyTo::Greeting; break;
    case Awaiting::Ehlo: view.reply_to = TransactionReplyTo::Ehlo; break;
    case Awaiting::Helo: view.reply_to = TransactionReplyTo::Helo; break;
    case Awaiting::Mail: view.reply_to = TransactionReplyTo::Mail; break;
    case Awaiting::Rcpt: view.reply_to = TransactionReplyTo::Rcpt; break;
    case Awaiting::Data: view.reply_to = TransactionReplyTo::Data; break;
    default: view.reply_to = TransactionReplyTo::Content; break;
  }
  view.pipelined = pipelined_;
  view.mail_refused = mail_refused_;
  view.rcpt_count = job_.rcpt_to.size();
  view.rcpt_sent = rcpt_sent_;
  view.rcpt_index = what == Awaiting::Rcpt ? rcpt_answered_ : 0;
  view.rcpt_accepted = rcpt_accepted_;
  const TransactionStep step = config_.seams.transaction_step(view, reply);
  // The triggers are the labels of the client's transition table (client_transitions.cpp).
  std::string trigger = "refused";
  switch (step.send) {
    case NextCommand::Ehlo: trigger = "220"; break;
    case NextCommand::Helo: trigger = "500/502 to EHLO"; break;
    case NextCommand::Mail: trigger = what == Awaiting::Ehlo ? "250 to EHLO" : "250 to HELO"; break;
    case NextCommand::None:
    case NextCommand::Rcpt: trigger = "250 to MAIL"; break;
    case NextCommand::Data: trigger = "a recipient accepted"; break;
    case NextCommand::Content: trigger = "354"; break;
    case NextCommand::Quit:
      if (what == Awaiting::Greeting) trigger = "554 greeting";
      else if (what == Awaiting::Content) trigger = "reply to end of data";
      else if (state_ == ClientState::SentRcpt) trigger = "no recipient accepted";
      break;
  }

  if (!step_allowed(view, step)) {
    const std::string reason = "transaction_step answered " + std::string(to_string(step.send)) +
                               " to the reply to " + std::string(to_string(view.reply_to)) +
                               ", which is not possible there";
    fail(make_reply(ReplyId::ServiceNotAvailable, reason), reason);
    send_quit("impossible step");
    return;
  }

  // What the reply tells about the transaction and its recipients.
  if (what == Awaiting::Ehlo && step.send != NextCommand::Helo && reply.first_digit() == 2) {
    const EhloReply ehlo = parse_ehlo_reply(reply);
    for (const EhloKeyword& keyword : ehlo.keywords) result_.extensions.push_back(keyword.keyword);
    if (const EhloKeyword* auth = ehlo.find("AUTH")) auth_offered_ = auth->params;
  }
  if (what == Awaiting::Helo) result_.extensions.clear();  // HELO: no extensions (RFC 5321 §4.1.1.1)
  if (what == Awaiting::Mail && step.failed) mail_refused_ = true;
  if (what == Awaiting::Rcpt) {
    const std::size_t index = rcpt_answered_++;
    if (!mail_refused_ && index < accepted_.size()) {
      if (step.recipient == RecipientVerdict::Accepted) {
        accepted_[index] = true;
        ++rcpt_accepted_;
      } else if (step.recipient == RecipientVerdict::Refused) {
        result_.recipients[index].reply = reply;  // this recipient's own failure
      }
    }
  }
  if (what == Awaiting::Content) {
    // RFC 5321 §4.1.1.4: one reply for the whole message; it is the outcome of every
    // recipient that RCPT accepted.
    for (std::size_t i = 0; i < result_.recipients.size(); ++i)
      if (accepted_[i] && result_.recipients[i].reply.code == 0) result_.recipients[i].reply = reply;
  }
  if (step.failed) fail(reply, step.reason.empty() ? "the transaction failed" : step.reason);
  else if (!step.reason.empty() && result_.failure_reason.empty()) result_.failure_reason = step.reason;

  // What to send next.
  switch (step.send) {
    case NextCommand::None:
      // MAIL accepted while its pipelined RCPTs are still being answered.
      if (what == Awaiting::Mail && !step.failed) enter_state(ClientState::SentRcpt, trigger);
      return;
    case NextCommand::Ehlo:
      send_command("EHLO " + config_.helo_name, "EHLO", "RFC 5321 §4.1.1.1");
      awaiting_.push_back(Awaiting::Ehlo);
      enter_state(ClientState::SentEhlo, trigger);
      return;
    case NextCommand::Helo:
      send_command("HELO " + config_.helo_name, "HELO", "RFC 5321 §4.1.1.1");
      awaiting_.push_back(Awaiting::Helo);
      enter_state(ClientState::SentHelo, trigger);
      return;
    case NextCommand::Mail:
      if (what == Awaiting::Ehlo) after_ehlo(trigger);
      else start_transaction(trigger);
      return;
    case NextCommand::Rcpt:
      send_command("RCPT TO:" + job_.rcpt_to[rcpt_sent_].to_string(), "RCPT", "RFC 5321 §4.1.1.3");
      ++rcpt_sent_;
      awaiting_.push_back(Awaiting::Rcpt);
      if (state_ != ClientState::SentRcpt) enter_state(ClientState::SentRcpt, trigger);
      return;
    case NextCommand::Data:
      send_command("DATA", "DATA", "RFC 5321 §4.1.1.4");
      awaiting_.push_back(Awaiting::Data);
      enter_state(ClientState::SentData, trigger);
      return;
    case NextCommand::Content: {
      const std::string content = config_.seams.dot_stuff(job_.message) + ".\r\n";
      send_bytes(content);
      if (config_.record_wire) {
        Event event;
        event.kind = EventKind::SmtpCommand;
        event.summary = "<message, " + std::to_string(content.size()) + " bytes>";
        event.bytes = content;
        event.explain = "command.message";
        event.rfc = "RFC 5321 §4.5.2";
        event.with("size", std::to_string(message_size(job_.message)));
        events_.push_back(std::move(event));
      }
      awaiting_.push_back(Awaiting::Content);
      enter_state(ClientState::SentContent, trigger);
      return;
    }
    case NextCommand::Quit:
      send_quit(trigger);
      return;
  }
}

bool ClientSession::step_allowed(const TransactionView& view, const TransactionStep& step) const {
  // Our own guard around a function that may be a student's: every answer must lead
  // somewhere, so a wrong one shows in the trace instead of hanging the dialogue.
  const bool replies_pending = !awaiting_.empty();
  const bool rcpt_left = !pipelined_ && rcpt_sent_ < job_.rcpt_to.size();
  switch (step.send) {
    case NextCommand::None: return replies_pending;
    case NextCommand::Ehlo: return view.reply_to == TransactionReplyTo::Greeting;
    case NextCommand::Helo: return view.reply_to == TransactionReplyTo::Ehlo;
    case NextCommand::Mail:
      return view.reply_to == TransactionReplyTo::Ehlo || view.reply_to == TransactionReplyTo::Helo;
    case NextCommand::Rcpt:
      return (view.reply_to == TransactionReplyTo::Mail || view.reply_to == TransactionReplyTo::Rcpt) && rcpt_left &&
             !replies_pending && !mail_refused_ && !step.failed;
    case NextCommand::Data:
      // From the state that has the move to sent_data: after the last RCPT reply.
      return view.reply_to == TransactionReplyTo::Rcpt && state_ == ClientState::SentRcpt && !replies_pending;
    case NextCommand::Content: return view.reply_to == TransactionReplyTo::Data;
    case NextCommand::Quit: return true;
  }
  return false;
}

void ClientSession::after_ehlo(std::string_view trigger) {
  const auto offered = [this](std::string_view keyword) {
    for (const std::string& k : result_.extensions)
      if (k == keyword) return true;
    return false;
  };
  const bool tls_wanted = config_.tls.starttls != StartTlsPolicy::Never && !config_.tls.implicit;
  if (tls_wanted && !tls_) {
    if (offered("STARTTLS")) {
      send_command("STARTTLS", "STARTTLS", "RFC 3207 §4");
      awaiting_.push_back(Awaiting::Starttls);
      enter_state(ClientState::SentStarttls, "250 to EHLO, STARTTLS offered");
      return;
    }
    if (config_.tls.starttls == StartTlsPolicy::Required) {
      // Without STARTTLS in the EHLO reply we cannot tell a server that lacks it from an
      // attacker who deleted it (STARTTLS stripping); a client that requires TLS stops.
      const std::string reason = "the server does not offer STARTTLS and TLS is required";
      fail(make_reply(ReplyId::TlsNotAvailable, reason), reason);
      send_quit("refused");
      return;
    }
  }
  if (config_.auth && result_.authenticated_as.empty()) {
    begin_auth(trigger);
    return;
  }
  start_transaction(trigger);
}

void ClientSession::begin_auth(std::string_view trigger) {
  const ClientAuth& auth = *config_.auth;
  // RFC 4616 §6 / RFC 4954 §4: PLAIN and LOGIN send the password itself; we do not send
  // it over a connection without TLS unless told to (a lesson showing why not).
  if (!(tls_ && tls_->established()) && !auth.allow_without_tls) {
    const std::string reason = "not sending a password without TLS";
    fail(make_reply(ReplyId::EncryptionRequiredForAuth, reason), reason);
    send_quit("refused");
    return;
  }
  const auto server_has = [this](AuthMechanism m) {
    for (const std::string& name : auth_offered_)
      if (parse_auth_mechanism(name) == m) return true;
    return false;
  };
  std::optional<AuthMechanism> chosen;
  if (auth.mechanism) {
    if (server_has(*auth.mechanism)) chosen = auth.mechanism;
  } else if (server_has(AuthMechanism::Plain)) {
    chosen = AuthMechanism::Plain;
  } else if (server_has(AuthMechanism::Login)) {
    chosen = AuthMechanism::Login;
  }
  if (!chosen) {
    const std::string reason = "the server does not offer a SASL mechanism we can use";
    fail(make_reply(ReplyId::AuthRequired, reason), reason);
    send_quit("refused");
    return;
  }
  auth_mechanism_ = *chosen;
  auth_step_ = 0;
  auth_cancel_reason_.clear();
  if (auth_mechanism_ == AuthMechanism::ScramSha256) {
    // RFC 5802 §5.1 r=: the client nonce must be fresh and unpredictable: from the host's
    // random source (seeded in the simulator).
    if (config_.tls.random == nullptr) {
      const std::string reason = "SCRAM-SHA-256 needs a random source for its nonce";
      fail(make_reply(ReplyId::AuthRequired, reason), reason);
      send_quit("refused");
      return;
    }
    scram_ = std::make_shared<ScramClient>(auth.user, auth.password, scram_nonce(*config_.tls.random));
    // RFC 4954 §4: the client-first-message as the initial response (RFC 5802 §5: the
    // client speaks first).
    const std::string line = "AUTH SCRAM-SHA-256 " + base64_encode(scram_->client_first());
    auth_step_ = 1;
    send_command(line, "AUTH", "RFC 7677", line);  // no secret in it: user name and nonce
  } else if (auth_mechanism_ == AuthMechanism::Plain) {
    // RFC 4616 §2: message = [authzid] NUL authcid NUL passwd; sent as the initial
    // response (RFC 4954 §4) unless that would make the line longer than 512 octets.
    std::string message;
    message += '\0';
    message += auth.user;
    message += '\0';
    message += auth.password;
    const std::string line = "AUTH PLAIN " + base64_encode(message);
    if (line.size() + 2 <= limits::command_line_length_max) {
      auth_step_ = 1;
      send_command(line, "AUTH", "RFC 4954 §4", mask_auth_command(line));
    } else {
      send_command("AUTH PLAIN", "AUTH", "RFC 4954 §4");
    }
  } else {
    send_command("AUTH LOGIN", "AUTH", "RFC 4954 §4");
  }
  awaiting_.push_back(Awaiting::Auth);
  enter_state(ClientState::SentAuth, trigger);
}

void ClientSession::handle_auth_reply(const Reply& reply) {
  const ClientAuth& auth = *config_.auth;
  if (reply.code == 334 && auth_mechanism_ == AuthMechanism::ScramSha256) {
    handle_scram_challenge(reply);
    return;
  }
  if (reply.code == 334) {
    // RFC 4954 §4: a challenge; the answer is one line of base64.
    std::string response;
    if (auth_mechanism_ == AuthMechanism::Plain) {
      std::string message;
      message += '\0';
      message += auth.user;
      message += '\0';
      message += auth.password;
      response = base64_encode(message);
    } else if (auth_step_ == 0) {
      response = base64_encode(auth.user);  // draft-murchison-sasl-login: "Username:"
    } else {
      response = base64_encode(auth.password);  // "Password:"
    }
    ++auth_step_;
    if (auth_step_ > 2) {
      // A server that keeps asking is not following PLAIN or LOGIN: cancel (RFC 4954 §4).
      send_command("*", "AUTH", "RFC 4954 §4");
    } else {
      send_command(response, "AUTH", "RFC 4954 §4", masked_response(response));
    }
    awaiting_.push_back(Awaiting::Auth);
    return;
  }
  if (reply.code == 235 && auth_mechanism_ == AuthMechanism::ScramSha256 && auth_step_ != 3) {
    // RFC 5802 §3: the client authenticates the server by its ServerSignature; a 235
    // before v= was checked comes from a server that has not proved it knows the keys.
    scram_.reset();
    fail(reply, "the server said 235 without proving it holds our SCRAM keys (RFC 5802 §3)");
    send_quit("refused");
    return;
  }
  if (reply.code == 235) {
    scram_.reset();
    result_.authenticated_as = auth.user;
    start_transaction("235");
    return;
  }
  scram_.reset();
  fail(reply, auth_cancel_reason_.empty() ? std::string("authentication failed") : auth_cancel_reason_);
  send_quit("refused");
}

// RFC 5802 §5 through RFC 4954 §4: the first 334 carries server-first (we answer with
// client-final, the proof), the second carries server-final (we check v= and answer
// with an empty line). Anything wrong: cancel with "*" and say why.
void ClientSession::handle_scram_challenge(const Reply& reply) {
  const std::string text = reply.lines.empty() ? std::string() : reply.lines.front();
  const std::optional<std::string> decoded = base64_decode(text);
  std::string response;
  std::string why;
  if (!decoded) {
    why = "the server's SCRAM challenge is not base64 (RFC 4954 §4)";
  } else if (auth_step_ == 1) {
    if (auto final_message = scram_->client_final(*decoded, &why)) {
      response = base64_encode(*final_message);
      auth_step_ = 2;
    }
  } else if (auth_step_ == 2) {
    if (scram_->verify_server_final(*decoded)) {
      auth_step_ = 3;  // response stays empty: the acknowledgement
    } else {
      why = "the server's signature v= is wrong: it does not know our keys (RFC 5802 §3)";
    }
  } else {
    why = "the server keeps asking after SCRAM's last message";
  }
  if (!why.empty()) {
    // RFC 4954 §4: "*" cancels; the server answers 501 and handle_auth_reply fails.
    auth_cancel_reason_ = why;
    send_command("*", "AUTH", "RFC 4954 §4");
  } else {
    // The proof is not the password, but it is a credential for this exchange: masked.
    send_command(response, "AUTH", "RFC 5802 §5", masked_response(response));
  }
  awaiting_.push_back(Awaiting::Auth);
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

void ClientSession::send_bytes(const std::string& bytes) {
  tls::send_through(tls_, bytes, output_);
}

void ClientSession::send_command(const std::string& line, std::string_view verb, std::string_view rfc,
                                 std::string_view shown) {
  std::string wire;
  wire.reserve(line.size() + 2);  // one allocation (the hot path)
  wire.append(line).append("\r\n");
  send_bytes(wire);
  // `shown` replaces a line that carries a credential (AUTH), so the trace never has it.
  Event event;
  event.kind = verb == "AUTH" && line.rfind("AUTH", 0) != 0 ? EventKind::AuthStep : EventKind::SmtpCommand;
  if (event.kind == EventKind::SmtpCommand && !config_.record_wire) return;
  if (shown.empty()) {
    event.summary = line;
    event.bytes = std::move(wire);
  } else {
    event.summary = std::string(shown);
    event.bytes = event.summary + "\r\n";
  }
  event.explain.reserve(std::string_view("command.").size() + verb.size());
  event.explain.append("command.").append(verb);
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
  // A recipient still without an outcome (only a transaction step that neither accepted
  // nor refused it leaves one) is a transient failure: the MTA keeps the message and
  // tries again rather than claim a delivery nobody confirmed (RFC 5321 §4.2.1).
  for (RecipientResult& r : result_.recipients)
    if (r.reply.code == 0) r.reply = make_reply(ReplyId::ServiceNotAvailable, "no reply decided this recipient");
  awaiting_.clear();
  enter_state(ClientState::Done, trigger);
}

void ClientSession::enter_state(ClientState next, std::string_view trigger) {
  events_.push_back(client_state_machine().transition_event(to_string(state_), to_string(next), trigger));
  state_ = next;
}

}  // namespace smtplab::smtp
