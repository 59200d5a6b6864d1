// mua/submitter.cpp — see submitter.hpp.
#include "mua/submitter.hpp"

#include "message/compose.hpp"

namespace smtplab::mua {

namespace {

Path path_for(const std::string& address) {
  Path path;
  const auto parsed = parse_mailbox(address);
  if (parsed.mailbox) path.mailbox = *parsed.mailbox;
  else path.mailbox.local_part = address;  // the server will explain what is wrong
  return path;
}

}  // namespace

// The client side of one submission: pumps bytes between the stream and a
// ClientSession, and records the outcome.
class SubmissionConnection final : public StreamHandler {
 public:
  SubmissionConnection(Submitter& owner, SubmissionResult result, smtp::ClientConfig config,
                       smtp::ClientJob job)
      : owner_(owner), result_(std::move(result)), session_(std::move(config), std::move(job)) {
    ++owner_.in_flight_;
  }
  // No destructor work: the host may destroy a connection after the Submitter is gone
  // (when the simulation ends), so only finish() reports to the owner. A submission
  // cut off that way stays counted in in_flight().
  SubmissionConnection(const SubmissionConnection&) = delete;
  SubmissionConnection& operator=(const SubmissionConnection&) = delete;

  void on_open(Stream& stream) override {
    peer_ = stream.peer_name();
    pump(stream);
  }
  void on_data(Stream& stream, std::string_view bytes) override {
    if (finished_) return;
    session_.receive(bytes);
    pump(stream);
  }
  void on_close(Stream& stream, CloseReason reason) override {
    if (finished_) return;
    session_.connection_closed();
    pump_events(stream.id());
    finish("connection " + std::string(to_string(reason)) + " before the submission completed");
  }

 private:
  void pump(Stream& stream) {
    pump_events(stream.id());
    session_.take_output(output_);  // trades buffers with the session (no allocation)
    if (!output_.empty()) stream.send(output_);
    if (session_.done() && !finished_) {
      stream.close();
      finish({});
    }
  }
  void pump_events(std::uint64_t conn) {
    // The submission server records the dialogue (record_wire is off); the MUA adds its
    // own notes: state changes, the TLS verdict.
    session_.take_events(events_);  // reuses the buffer of the last batch
    emit_dialogue(owner_.host_, std::move(events_), peer_, conn, /*we_are_server=*/false);
  }
  void finish(std::string why) {
    finished_ = true;
    SubmissionResult& result = result_;
    const smtp::ClientResult& r = session_.result();
    for (const auto& rcpt : r.recipients)
      if (rcpt.reply.positive()) result.accepted = true;
    if (r.session_failure) result.detail = r.session_failure->first_line(true);
    else if (!why.empty()) result.detail = why;
    else if (!r.recipients.empty()) result.detail = r.recipients.back().reply.first_line(true);
    Event event;
    event.kind = EventKind::Note;
    event.summary = (result.accepted ? "submitted " : "submission failed ") + result.message_id +
                    (result.detail.empty() ? "" : ": " + result.detail);
    event.explain = result.accepted ? "mua.submitted" : "mua.failed";
    event.rfc = "RFC 6409 §3";
    event.with("message_id", result.message_id).with("accepted", result.accepted ? "yes" : "no");
    owner_.host_.emit(std::move(event));
    owner_.record(std::move(result_));
  }

  Submitter& owner_;
  SubmissionResult result_;  // ours until finish() hands it to the Submitter
  smtp::ClientSession session_;
  std::string peer_;
  std::vector<Event> events_;  // the batch being emitted; kept for its capacity
  std::string output_;         // the bytes being sent; likewise
  bool finished_ = false;
};

Submitter::Submitter(Host& host, SubmitterConfig config) : host_(host), config_(std::move(config)) {}

std::string Submitter::compose(const Draft& draft, std::string& message_id) {
  // Bcc is not passed on: it never appears in the header (RFC 5322 §3.6.3).
  message::Draft input;
  input.from = draft.from;
  input.to = draft.to;
  input.cc = draft.cc;
  input.subject = draft.subject;
  input.body = draft.body;
  input.date_ms = host_.clock().now_ms();
  message::Composed composed = message::compose(input, host_.random());
  message_id = composed.message_id;
  return std::move(composed.content);
}

void Submitter::submit(const Draft& draft) {
  SubmissionResult result;
  smtp::ClientJob job;
  job.message = compose(draft, result.message_id);
  // The envelope: every recipient, Bcc included (RFC 5322 §3.6.3: Bcc addresses are
  // sent in the envelope but removed from the header).
  job.mail_from = path_for(draft.from);
  for (const auto* list : {&draft.to, &draft.cc, &draft.bcc})
    for (const auto& rcpt : *list) job.rcpt_to.push_back(path_for(rcpt));

  smtp::ClientConfig config;
  config.helo_name = config_.helo_name;
  config.seams = config_.seams;
  config.tls = config_.tls;
  config.tls.random = &host_.random();
  config.tls.session.role = tls::Role::Client;
  config.tls.session.now_ms = host_.clock().now_ms();  // certificate validity, virtual time
  config.auth = config_.auth;
  // The submission server records the dialogue (SubmissionConnection::pump_events).
  config.record_wire = false;
  host_.connect(config_.submit_to, std::make_unique<SubmissionConnection>(
                                       *this, std::move(result), std::move(config), std::move(job)));
}

void Submitter::record(SubmissionResult result) {
  --in_flight_;
  if (results_.size() >= submission_results_kept_max) results_.pop_front();
  results_.push_back(std::move(result));
}

std::deque<SubmissionResult> Submitter::take_results() {
  std::deque<SubmissionResult> taken;
  taken.swap(results_);
  return taken;
}

}  // namespace smtplab::mua
