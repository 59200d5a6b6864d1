// mta/delivery.cpp — see delivery.hpp.
#include "mta/delivery.hpp"

#include "mta/mta.hpp"

namespace smtplab::mta {

namespace {

// The client side of one connection: pumps bytes between the stream and a
// ClientSession and reports back to its attempt (which may be gone: weak_ptr).
class OutboundConnection final : public StreamHandler {
 public:
  OutboundConnection(Host& host, std::weak_ptr<DeliveryAttempt> attempt, smtp::ClientConfig config,
                     smtp::ClientJob job)
      : host_(host), attempt_(std::move(attempt)), session_(std::move(config), std::move(job)) {}

  void on_open(Stream& stream) override {
    peer_ = stream.peer_name();
    pump(stream);
  }

  void on_data(Stream& stream, std::string_view bytes) override {
    if (reported_) return;
    session_.receive(bytes);
    pump(stream);
  }

  void on_close(Stream& stream, CloseReason reason) override {
    if (reported_) return;
    session_.connection_closed();
    pump_events(stream.id());
    report(false, reason == CloseReason::Refused ? "connection refused"
                                                 : std::string("connection ") +
                                                       std::string(to_string(reason)));
  }

 private:
  void pump(Stream& stream) {
    pump_events(stream.id());
    session_.take_output(output_);  // trades buffers with the session (no allocation)
    if (!output_.empty()) stream.send(output_);
    if (session_.done() && !reported_) {
      stream.close();
      report(true, {});
    }
  }

  void pump_events(std::uint64_t conn) {
    // Without trace_client_wire (the simulator: the server is one of ours and records
    // the dialogue) the session leaves out the wire events itself (record_wire), so
    // nothing shows twice.
    session_.take_events(events_);  // reuses the buffer of the last batch
    emit_dialogue(host_, std::move(events_), peer_, conn, /*we_are_server=*/false);
  }

  void report(bool completed, const std::string& why) {
    reported_ = true;
    if (auto attempt = attempt_.lock()) {
      smtp::ClientResult result = session_.result();
      if (!completed && result.failure_reason.empty()) result.failure_reason = why;
      attempt->session_over(result, completed);
    }
  }

  Host& host_;
  std::weak_ptr<DeliveryAttempt> attempt_;
  smtp::ClientSession session_;
  std::string peer_;
  std::vector<Event> events_;  // the batch being emitted; kept for its capacity
  std::string output_;         // the bytes being sent; likewise
  bool reported_ = false;
};

std::string address_of(const Path& path) { return path.null ? std::string() : path.mailbox.to_string(); }

}  // namespace

DeliveryAttempt::DeliveryAttempt(Mta& mta, dns::ResolverAgent& resolver, std::uint64_t id,
                                 std::string message_id, std::string domain,
                                 std::vector<std::string> recipients, smtp::ClientJob job)
    : mta_(mta),
      resolver_(resolver),
      id_(id),
      message_id_(std::move(message_id)),
      domain_(std::move(domain)),
      recipients_(std::move(recipients)),
      job_(std::move(job)) {}

void DeliveryAttempt::start() {
  // RFC 5321 §5.1: "the SMTP client ... MUST ... perform an MX lookup" for the domain.
  std::weak_ptr<DeliveryAttempt> self = weak_from_this();
  resolver_.resolve_mx(domain_, [self](const dns::MxResolution& resolution) {
    if (auto attempt = self.lock()) attempt->on_mx(resolution);
  });
}

void DeliveryAttempt::on_mx(const dns::MxResolution& resolution) {
  using Status = dns::MxResolution::Status;
  switch (resolution.status) {
    case Status::NoDomain:
      finish_all(make_reply(ReplyId::DomainNotFound, domain_), resolution.explanation);
      return;
    case Status::NoMail:
      finish_all(make_reply(ReplyId::DomainAcceptsNoMail, domain_), resolution.explanation);
      return;
    case Status::TempFail:
      finish_all(make_reply(ReplyId::DnsTempFail, domain_), resolution.explanation);
      return;
    case Status::Ok:
      break;
  }
  // RFC 5321 §5.1: try the hosts in preference order, and each host's addresses.
  for (const auto& target : resolution.targets)
    for (const auto& address : target.addresses) addresses_.emplace_back(target.host, address);
  try_next_address();
}

void DeliveryAttempt::try_next_address() {
  if (next_address_ >= addresses_.size()) {
    finish_all(make_reply(ReplyId::NoAnswerFromHost, domain_),
               last_error_.empty() ? "no address to try" : last_error_);
    return;
  }
  const auto& [host_name, address] = addresses_[next_address_++];
  connect_to(host_name, address, mta_.config().tls_client);
}

void DeliveryAttempt::connect_to(const std::string& host_name, const std::string& address,
                                 smtp::StartTlsPolicy starttls) {
  current_host_ = host_name;
  smtp::ClientConfig config;
  config.helo_name = mta_.config().host_name;
  config.seams = mta_.config().seams;
  // RFC 3207 §4.1 leaves it to the client whether an unverified server is acceptable:
  // opportunistic TLS (RFC 7435) encrypts even when the certificate does not verify,
  // since the alternative is plaintext; a client that requires TLS also requires the
  // certificate to be valid for the MX host name (RFC 6125 §6.4, as RFC 7672/8461 do).
  config.tls.starttls = starttls;
  config.tls.random = &mta_.host().random();
  config.tls.session.role = tls::Role::Client;
  config.tls.session.trust = mta_.config().trust;
  config.tls.session.server_name = host_name;
  config.tls.session.verify = mta_.config().tls_client == smtp::StartTlsPolicy::Required
                                  ? tls::VerifyMode::Required
                                  : tls::VerifyMode::Opportunistic;
  config.tls.session.now_ms = mta_.host().clock().now_ms();
  config.record_wire = mta_.config().trace_client_wire;  // see OutboundConnection::pump_events
  mta_.host().connect(Endpoint{address, smtp_port},
                      std::make_unique<OutboundConnection>(mta_.host(), weak_from_this(), config, job_));
}

void DeliveryAttempt::session_over(const smtp::ClientResult& result, bool completed) {
  if (finished_) return;
  // A session that broke off (refused, dropped, 421, any 4xx before the recipients
  // were answered) says nothing about the recipients: RFC 5321 §5.1 says try the next
  // address. A 5xx for the whole session (554 greeting, 550 to MAIL) is an answer:
  // every recipient shares it.
  const bool transient_session_failure =
      !completed || (result.session_failure && !result.session_failure->permanent_failure());
  if (transient_session_failure) {
    last_error_ = current_host_ + ": " +
                  (result.session_failure ? result.session_failure->first_line(true)
                                          : result.failure_reason);
    // RFC 3207 §4.1: after a failed handshake the connection is useless ("the client
    // ... SHOULD issue QUIT" cannot even be done). Under opportunistic TLS (RFC 7435
    // §1.3: cleartext is the baseline, encryption an improvement when it works) we
    // reconnect to the same address once without STARTTLS, as KumoMTA's
    // opportunistic_tls_reconnect_on_failed_handshake does; Postfix instead defers the
    // message and tries again later. With TLS required the failure stands: the next
    // address, then a retry later (RFC 5321 §4.5.4.1), never cleartext.
    const bool handshake_failed = !result.tls && result.failure_reason.starts_with("TLS handshake failed");
    if (handshake_failed && !plaintext_retry_ && mta_.config().tls_client == smtp::StartTlsPolicy::Opportunistic &&
        next_address_ > 0) {
      plaintext_retry_ = true;
      Event event;
      event.kind = EventKind::Note;
      event.summary = "TLS handshake with " + current_host_ + " failed (" + result.failure_reason +
                      "); TLS is opportunistic, so reconnecting to the same address without STARTTLS";
      event.explain = "delivery.tls_fallback";
      event.rfc = "RFC 7435 §1.3";
      event.with("queue_id", message_id_).with("host", current_host_);
      mta_.host().emit(std::move(event));
      const auto& [host_name, address] = addresses_[next_address_ - 1];
      connect_to(host_name, address, smtp::StartTlsPolicy::Never);
      return;
    }
    plaintext_retry_ = false;
    if (result.session_failure && result.session_failure->code == 454) {
      // RFC 3207 §4 / RFC 7435: a client that requires TLS gives up on a server that
      // does not offer it (or whose certificate does not verify) before sending the
      // message; the trace says so, since no reply on the wire shows it.
      Event event;
      event.kind = EventKind::Note;
      event.summary = "delivery to " + last_error_ + " (the message was not sent)";
      event.explain = "reply.454";
      event.rfc = "RFC 3207 §4";
      event.with("queue_id", message_id_).with("host", current_host_);
      mta_.host().emit(std::move(event));
    }
    try_next_address();
    return;
  }
  results_.clear();
  for (const auto& r : result.recipients)
    results_.push_back({address_of(r.rcpt), r.reply, "answered by " + current_host_});
  finished_ = true;
  mta_.attempt_finished(id_);
}

void DeliveryAttempt::finish_all(const Reply& reply, const std::string& detail) {
  if (finished_) return;
  results_.clear();
  for (const auto& rcpt : recipients_) results_.push_back({rcpt, reply, detail});
  finished_ = true;
  mta_.attempt_finished(id_);
}

}  // namespace smtplab::mta
