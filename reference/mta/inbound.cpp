// mta/inbound.cpp — see inbound.hpp.
#include "mta/inbound.hpp"

#include "mailauth/dns_answer.hpp"
#include "mda/mail_store.hpp"
#include "mta/mta.hpp"

namespace smtplab::mta {

InboundSession::InboundSession(Mta& mta, std::uint16_t port)
    : mta_(mta),
      // The policy's checks are slotted into the engine's own event stream, so the
      // trace reads: command, the checks it triggered, the reply.
      policy_(mta, [this](Event event) { session_.add_event(std::move(event)); }, mta.requires_auth(port)),
      fault_policy_(policy_, mta.config().reply_faults, mta.host().random(),
                    [this](Event event) { session_.add_event(std::move(event)); }),
      session_(mta.server_config_for(port), fault_policy_) {
  policy_.set_start_checks(
      [this](const smtp::Session& session, const smtp::Transaction& tx) { start_checks(session, tx); });
  policy_.set_start_commit(
      [this](const smtp::Session& session, const smtp::Transaction& tx) { start_commit(session, tx); });
}

InboundSession::~InboundSession() {
  if (idle_timer_) mta_.host().cancel(*idle_timer_);
}

void InboundSession::on_open(Stream& stream) {
  stream_ = &stream;
  peer_ = stream.peer_name();
  // The time a TLS handshake checks certificates against (virtual in the simulator).
  session_.set_now(mta_.host().clock().now_ms());
  session_.start(stream.remote().address, peer_);
  pump(stream);
}

void InboundSession::on_data(Stream& stream, std::string_view bytes) {
  if (closed_) return;
  session_.set_now(mta_.host().clock().now_ms());
  session_.receive(bytes);
  pump(stream);
}

void InboundSession::on_close(Stream&, CloseReason) {
  closed_ = true;
  stream_ = nullptr;
  if (checks_ && !checks_->finished()) {
    // RFC 5321 §4.1.1.4: no 250 was sent, so the message is not ours; late DNS answers
    // find no run (MailAuthRun holds only weak pointers) and nothing is queued.
    Event event;
    event.kind = EventKind::PolicyCheck;
    event.summary = "connection closed while the sender checks ran: the message was not acknowledged and is "
                    "dropped (the client still owns it)";
    event.explain = "policy.mail_auth.abandoned";
    event.rfc = "RFC 5321 §4.1.1.4";
    event.with("rule", "mail_auth").with("result", "abandoned");
    mta_.host().emit(std::move(event));
  }
  checks_.reset();
  if (idle_timer_) mta_.host().cancel(*idle_timer_);
  idle_timer_.reset();
}

void InboundSession::start_checks(const smtp::Session& session, const smtp::Transaction& tx) {
  session_.defer_reply();
  Host& host = mta_.host();
  const MtaConfig& config = mta_.config();
  MailAuthInputs inputs;
  inputs.client_ip = session.peer_address;
  inputs.helo = session.helo_name;
  inputs.mail_from = tx.mail_from.null ? std::string() : tx.mail_from.mailbox.to_string();
  inputs.receiver = config.host_name;
  inputs.message = tx.content;
  inputs.now_s = host.clock().now_ms() / 1000;
  // RFC 7489 §6.6.4: pct sampling with the host's (seeded) random, drawn only when
  // the DMARC check runs, so that scenarios without it keep their random sequence.
  if (config.mail_auth.dmarc) inputs.sample_roll = static_cast<unsigned>(host.random().uniform(100));

  Event event;
  event.kind = EventKind::PolicyCheck;
  event.summary = std::string("end of data: the reply waits for sender authentication (") +
                  (config.mail_auth.spf ? "SPF " : "") + (config.mail_auth.dkim ? "DKIM " : "") +
                  (config.mail_auth.dmarc ? "DMARC" : "") + ")";
  event.explain = "policy.mail_auth.start";
  event.rfc = "RFC 7489 §6.6.2";
  event.with("rule", "mail_auth").with("result", "deferred");
  session_.add_event(std::move(event));

  dns::ResolverAgent& resolver = mta_.resolver();
  auto lookup = [&resolver](const mailauth::DnsQuestion& question, MailAuthRun::AnswerFn answer) {
    resolver.lookup(question.name, question.type,
                    [answer = std::move(answer)](const dns::LookupResult& result) {
                      answer(mailauth::answer_from_lookup(result));
                    });
  };
  auto note = [this](Event e) {
    session_.add_event(std::move(e));
    if (!checks_starting_) flush_events();
  };
  // Copies: the engine's session and transaction move on after the decision.
  auto done = [this, session_copy = session, tx_copy = tx](const MailAuthOutcome& outcome) {
    if (checks_starting_) {
      // Answered synchronously, inside on_message: the engine is not waiting yet; pump()
      // finishes it right after the engine returns.
      early_outcome_ = EarlyOutcome{session_copy, tx_copy, outcome};
      return;
    }
    finish_checks(session_copy, tx_copy, outcome);
  };
  checks_starting_ = true;
  checks_ = MailAuthRun::start(config.mail_auth, std::move(inputs), lookup, note, done);
  checks_starting_ = false;
}

void InboundSession::finish_checks(const smtp::Session& session, const smtp::Transaction& tx,
                                   const MailAuthOutcome& outcome) {
  // RFC 5321 §4.1.1.4: only a session still waiting for this decision may get a 250;
  // after a timeout or a close the client was never told, and still owns the message.
  if (closed_ || !session_.awaiting_decision()) return;
  Reply reply;
  switch (outcome.action) {
    case MailAuthAction::Reject:
    case MailAuthAction::Defer:
      reply = outcome.reply();
      break;
    case MailAuthAction::Deliver:
    case MailAuthAction::Junk: {
      AcceptOptions options;
      options.auth_results = mailauth::authentication_results_value(outcome.results);
      options.authserv_id = outcome.results.authserv_id;
      if (outcome.action == MailAuthAction::Junk) options.folder = std::string(mda::folder_junk);
      if (mta_.queue().commits_async()) {
        // Checks first, then the durable commit, then 250 (from the commit's callback).
        commit_and_resume(session, tx, options);
        if (stream_ != nullptr && session_.awaiting_decision()) pump(*stream_);  // the checks' events
        return;
      }
      reply = mta_.accept(session, tx, [this](Event e) { session_.add_event(std::move(e)); }, options);
      break;
    }
  }
  session_.resume(reply);
  if (stream_ != nullptr) pump(*stream_);
}

void InboundSession::start_commit(const smtp::Session& session, const smtp::Transaction& tx) {
  session_.defer_reply();  // we are inside on_message: the engine waits for resume()
  commit_starting_ = true;
  commit_and_resume(session, tx, AcceptOptions{});
  commit_starting_ = false;
}

void InboundSession::commit_and_resume(const smtp::Session& session, const smtp::Transaction& tx,
                                       const AcceptOptions& options) {
  std::weak_ptr<bool> alive = alive_;
  Mta* mta = &mta_;
  mta_.accept_async(
      session, tx, [this](Event e) { session_.add_event(std::move(e)); }, options,
      [this, alive, mta](const Reply& reply, std::optional<Event> enqueue) {
        if (alive.expired() || closed_) {
          // The client is gone: it never saw 250. A committed message is queued and
          // will be delivered (see inbound.hpp); the trace says so.
          if (!enqueue) return;
          Event event;
          event.kind = EventKind::PolicyCheck;
          event.summary = "connection closed while the queue commit ran: the message is queued and will be "
                          "delivered, but the client never saw 250 and may send it again";
          event.explain = "policy.commit.orphaned";
          event.rfc = "RFC 5321 §6.1";
          event.with("rule", "commit").with("result", "queued without 250");
          mta->host().emit(std::move(event));
          mta->host().emit(std::move(*enqueue));
          return;
        }
        if (enqueue) session_.add_event(std::move(*enqueue));
        if (commit_starting_) {
          early_reply_ = reply;  // refused at once, inside on_message: pump() sends it
          return;
        }
        if (!session_.awaiting_decision()) return;  // a timeout answered 421 meanwhile
        session_.resume(reply);
        if (stream_ != nullptr) pump(*stream_);
      });
}

void InboundSession::flush_events() {
  if (stream_ == nullptr) return;
  session_.take_events(events_);  // reuses the buffer of the last batch
  emit_dialogue(mta_.host(), std::move(events_), peer_, stream_->id(), /*we_are_server=*/true);
}

void InboundSession::pump(Stream& stream) {
  if (early_outcome_ && session_.awaiting_decision()) {
    const EarlyOutcome early = std::move(*early_outcome_);
    early_outcome_.reset();
    return finish_checks(early.session, early.tx, early.outcome);  // pumps again
  }
  if (early_reply_ && session_.awaiting_decision()) {
    const Reply reply = *early_reply_;
    early_reply_.reset();
    session_.resume(reply);
  }
  session_.take_events(events_);  // reuses the buffer of the last batch
  emit_dialogue(mta_.host(), std::move(events_), peer_, stream.id(), /*we_are_server=*/true);
  session_.take_output(output_);  // trades buffers with the session (no allocation)
  if (!output_.empty()) stream.send(output_);
  if (session_.wants_close()) {
    closed_ = true;
    if (idle_timer_) mta_.host().cancel(*idle_timer_);
    idle_timer_.reset();
    stream.close();
    return;
  }
  arm_idle_timer(stream);
}

// The deadline moves on with every exchange, but the timer is set only once: when it
// goes off before the deadline (there was activity meanwhile) it is set again for the
// rest. Cancelling and setting a timer for every command would cost far more.
void InboundSession::arm_idle_timer(Stream& stream) {
  idle_deadline_ms_ = mta_.host().clock().now_ms() + mta_.config().idle_timeout_ms;
  if (!idle_timer_) schedule_idle_check(stream, mta_.config().idle_timeout_ms);
}

void InboundSession::schedule_idle_check(Stream& stream, TimeMs delay_ms) {
  Stream* s = &stream;  // valid until on_close, which cancels this timer
  idle_timer_ = mta_.host().schedule(delay_ms, [this, s] {
    idle_timer_.reset();
    if (closed_) return;
    const TimeMs now_ms = mta_.host().clock().now_ms();
    if (now_ms < idle_deadline_ms_) return schedule_idle_check(*s, idle_deadline_ms_ - now_ms);
    session_.timeout();  // RFC 5321 §4.5.3.2.7: 421 and close
    pump(*s);
  });
}

}  // namespace smtplab::mta
