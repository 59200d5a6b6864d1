// mta/inbound.hpp — one incoming SMTP connection: the thin pump between a stream and
// a ServerSession (STYLE §7: reader, writer, idle watchdog; no protocol logic here).
//
// Standards: RFC 5321 §4.5.3.2.7 (server timeout: "An SMTP server SHOULD have a
// timeout of at least 5 minutes while it is awaiting the next command"), §3.8
// (421 on timeout, then close), §4.1.1.4 (the 250 after end of data is the moment of
// responsibility: a message whose checks are still running when the connection closes
// was never acknowledged, and is dropped — the client still owns it).
//
// Sender authentication (mail_auth.hpp): when the policy hands a message over, this
// session defers the end-of-data reply, runs the checks over the MTA's resolver,
// emits their events as they come, and resumes with 250 (after Mta::accept), 550 or 451.
//
// Durable commit off the event loop (real mode, QueueStore::commits_async): the reply to
// end of data is deferred the same way while the queue's fsyncs run on a worker, and
// resume(250) comes only from the commit's callback (after the checks, if any: checks
// first, then the commit, then 250). If the connection closes meanwhile, the commit
// still completes and the message IS delivered: it is on disk, and a durable queue file
// is recovered and delivered after a restart anyway, so dropping it here would make the
// outcome depend on timing. The client never saw 250 and may send it again: a duplicate,
// the side RFC 5321 §6.1 prefers to a loss (and the window RFC 1047 describes).
#pragma once

#include <memory>
#include <optional>

#include "core/host.hpp"
#include "mta/fault_policy.hpp"
#include "mta/mail_auth.hpp"
#include "mta/mta.hpp"
#include "mta/policy.hpp"
#include "smtp/server_session.hpp"

namespace smtplab::mta {

class Mta;

class InboundSession final : public StreamHandler {
 public:
  // `port`: the port the client connected to (587 may require TLS and AUTH).
  InboundSession(Mta& mta, std::uint16_t port);
  ~InboundSession() override;

  void on_open(Stream& stream) override;
  void on_data(Stream& stream, std::string_view bytes) override;
  void on_close(Stream& stream, CloseReason reason) override;

 private:
  void pump(Stream& stream);
  void arm_idle_timer(Stream& stream);
  void schedule_idle_check(Stream& stream, TimeMs delay_ms);
  void start_checks(const smtp::Session& session, const smtp::Transaction& tx);
  void finish_checks(const smtp::Session& session, const smtp::Transaction& tx, const MailAuthOutcome& outcome);
  void flush_events();
  void start_commit(const smtp::Session& session, const smtp::Transaction& tx);
  void commit_and_resume(const smtp::Session& session, const smtp::Transaction& tx, const AcceptOptions& options);

  Mta& mta_;
  MtaPolicy policy_;
  FaultPolicy fault_policy_;  // policy_ behind injected replies (none in normal runs)
  smtp::ServerSession session_;
  std::string peer_;
  std::vector<Event> events_;  // the batch being emitted; kept for its capacity
  std::string output_;         // the bytes being sent; likewise
  std::optional<TimerId> idle_timer_;
  TimeMs idle_deadline_ms_ = 0;  // RFC 5321 §4.5.3.2.7: no command by then, 421
  bool closed_ = false;
  Stream* stream_ = nullptr;              // from on_open until on_close
  std::shared_ptr<MailAuthRun> checks_;   // the running checks; dropped on close
  bool checks_starting_ = false;          // inside start_checks (answers from a table)
  struct EarlyOutcome {
    smtp::Session session;
    smtp::Transaction tx;
    MailAuthOutcome outcome;
  };
  std::optional<EarlyOutcome> early_outcome_;  // checks that finished inside on_message
  bool commit_starting_ = false;         // inside start_commit (a commit that failed at once)
  std::optional<Reply> early_reply_;     // its reply, sent by pump() once the engine waits
  // Expires with this session: a commit callback that outlives it sees that, and does
  // not touch the session (the Mta, which outlives every session, still queues).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace smtplab::mta
