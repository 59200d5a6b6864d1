// mta/mta.cpp — the MTA's life cycle of a message: accept (commit, then 250), attempt,
// retry, deliver or bounce. Everything that changes a queued message lives here.
#include "mta/mta.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "mailauth/dkim.hpp"
#include "message/header.hpp"
#include "message/trace_fields.hpp"
#include "mta/bounce.hpp"
#include "mta/delivery.hpp"
#include "mta/inbound.hpp"
#include "mta/policy.hpp"

namespace smtplab::mta {

std::string_view to_string(RelayPolicy policy) {
  switch (policy) {
    case RelayPolicy::Closed: return "closed";
    case RelayPolicy::Open: return "open";
  }
  return "unknown";
}

namespace {

std::string domain_of(std::string_view address) {
  const auto at = address.rfind('@');
  return at == std::string_view::npos ? std::string() : ascii_lower(address.substr(at + 1));
}

std::string local_part_of(std::string_view address) {
  const auto at = address.rfind('@');
  return std::string(at == std::string_view::npos ? address : address.substr(0, at));
}

Path path_of(const std::string& address) {
  Path path;
  if (address.empty()) {
    path.null = true;
    return path;
  }
  path.mailbox.local_part = local_part_of(address);
  path.mailbox.domain = domain_of(address);
  return path;
}

}  // namespace

Mta::Mta(Host& host, MtaConfig config, mda::MailStore& store, Endpoint dns_server)
    : Mta(host, std::move(config), store, std::move(dns_server), std::make_unique<MemoryQueue>(queue_messages_max)) {}

Mta::Mta(Host& host, MtaConfig config, mda::MailStore& store, Endpoint dns_server,
         std::unique_ptr<QueueStore> queue)
    : host_(host),
      config_(std::move(config)),
      owned_queue_(std::move(queue)),
      queue_(*owned_queue_),
      store_(store),
      mda_(host, store),
      resolver_(host, std::move(dns_server)) {
  for (auto& domain : config_.domains) domain = ascii_lower(domain);
  config_.server.host_name = config_.host_name;
  config_.server.seams = config_.seams;
  // The TLS random source is the host's: seeded in the simulator, so handshakes repeat.
  if (config_.server.tls && config_.server.tls->random == nullptr) config_.server.tls->random = &host_.random();
  resolver_.set_order_mx(config_.order_mx);
}

Mta::~Mta() = default;

void Mta::start() {
  // Recovery: what the store holds was accepted by an earlier run (a durable store) and
  // is still ours to deliver. New queue ids continue after the highest one found.
  for (const std::string& id : queue_.ids()) {
    if (id.size() > 1 && id[0] == 'Q') {
      const std::uint64_t number = std::strtoull(id.c_str() + 1, nullptr, 10);
      if (number >= next_queue_number_) next_queue_number_ = number + 1;
    }
    if (QueuedMessage* message = queue_.find(id)) message->in_flight = false;
    schedule_attempt(id, 0);
  }
  for (std::uint16_t port : config_.ports)
    host_.listen(port, [this, port] { return std::make_unique<InboundSession>(*this, port); });
}

smtp::ServerConfig Mta::server_config_for(std::uint16_t port) const {
  smtp::ServerConfig server = config_.server;
  // RFC 3207 §4: "A publicly-referenced SMTP server MUST NOT require use of the STARTTLS
  // extension in order to deliver mail locally" — but a submission server is not
  // publicly referenced, and RFC 6409 §4.3 with RFC 8314 §3.3 expect it to protect the
  // password: with users, port 587 answers 530 5.7.0 until TLS is up.
  if (requires_auth(port) && server.tls) server.tls_required = true;
  return server;
}

bool Mta::is_local_domain(std::string_view domain) const {
  const std::string lower = ascii_lower(domain);
  return std::find(config_.domains.begin(), config_.domains.end(), lower) != config_.domains.end();
}

bool Mta::is_local_user(std::string_view local_part) const {
  return std::find(config_.users.begin(), config_.users.end(), local_part) != config_.users.end();
}

std::string Mta::next_queue_id() {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "Q%04llu", static_cast<unsigned long long>(next_queue_number_++));
  return buffer;
}

bool Mta::client_is_ours(const smtp::Session& session) const {
  if (!session.auth_user.empty()) return true;
  return std::find(config_.relay_from.begin(), config_.relay_from.end(), session.peer_address) !=
         config_.relay_from.end();
}

std::string Mta::dkim_sign(const smtp::Session& session, std::string content,
                           const std::function<void(Event)>& note) const {
  if (!config_.dkim_sign || !client_is_ours(session)) return content;
  const DkimSignConfig& sign = *config_.dkim_sign;
  // RFC 6376 §5: "the signer ... MUST apply ... policies" of its own: ours is to sign
  // only mail whose From domain is the signing domain or under it, so that d= aligns
  // with From for DMARC (RFC 7489 §3.1.1), and only mail of our own users (a stranger's
  // message claiming our domain must not get our signature).
  const std::string from = from_domain(content);
  const std::string domain = ascii_lower(sign.domain);
  const bool ours = from == domain || (from.size() > domain.size() &&
                                       from.compare(from.size() - domain.size(), domain.size(), domain) == 0 &&
                                       from[from.size() - domain.size() - 1] == '.');
  if (!ours) return content;
  mailauth::DkimSignOptions options;
  options.domain = sign.domain;
  options.selector = sign.selector;
  options.header_canon = sign.header_canon;
  options.body_canon = sign.body_canon;
  options.headers = sign.headers;
  options.timestamp_s = host_.clock().now_ms() / 1000;  // t= (RFC 6376 §3.5), virtual time
  mailauth::DkimSignResult result = mailauth::dkim_sign(content, sign.key, options);
  for (auto& event : result.events) note(std::move(event));
  if (!result.field) {
    // Could not sign (a bad key, a message without From): send it unsigned, and say so.
    Event event;
    event.kind = EventKind::PolicyCheck;
    event.summary = "DKIM signing failed, the message goes unsigned: " + result.why;
    event.explain = "mailauth.dkim_sign";
    event.rfc = "RFC 6376 §5";
    event.with("rule", "dkim_sign").with("result", "unsigned");
    note(std::move(event));
    return content;
  }
  // RFC 6376 §5.6: "the signer MUST insert the DKIM-Signature header field ... before
  // any other DKIM-Signature fields in the header block" — we prepend it.
  return *result.field + content;
}

Reply Mta::accept(const smtp::Session& session, const smtp::Transaction& tx,
                  const std::function<void(Event)>& note, const AcceptOptions& options) {
  Reply refusal;
  std::optional<QueuedMessage> message = make_queued(session, tx, note, options, refusal);
  if (!message) return refusal;
  // RFC 5321 §4.1.1.4: the 250 means we are responsible now. Commit first, reply after.
  if (!queue_.commit(*message)) return make_reply(ReplyId::InsufficientStorage);
  return committed(*message, session.peer_name, note);
}

void Mta::accept_async(const smtp::Session& session, const smtp::Transaction& tx,
                       const std::function<void(Event)>& note, const AcceptOptions& options, AcceptDone done) {
  Reply refusal;
  std::optional<QueuedMessage> message = make_queued(session, tx, note, options, refusal);
  if (!message) return done(refusal, std::nullopt);
  // RFC 5321 §4.1.1.4, as in accept(): the 250 is built only in the commit's callback,
  // that is after the store's fsyncs returned. The callback runs even when the client
  // has gone meanwhile: the message is on disk, so it is ours and is delivered.
  const std::string id = message->id;
  queue_.commit_async(*message, [this, id, peer = session.peer_name, done = std::move(done)](bool ok) {
    const QueuedMessage* stored = ok ? queue_.find(id) : nullptr;
    if (stored == nullptr) return done(make_reply(ReplyId::InsufficientStorage), std::nullopt);
    std::optional<Event> enqueue;
    const Reply reply = committed(*stored, peer, [&enqueue](Event event) { enqueue = std::move(event); });
    done(reply, std::move(enqueue));
  });
}

std::optional<QueuedMessage> Mta::make_queued(const smtp::Session& session, const smtp::Transaction& tx,
                                              const std::function<void(Event)>& note,
                                              const AcceptOptions& options, Reply& refusal) {
  // RFC 5321 §6.3: "Simple counting of the number of Received: header fields in a
  // message has proven to be an effective ... method of detecting loops".
  if (message::count_fields(tx.content, "Received") >= limits::received_headers_max) {
    refusal = make_reply(ReplyId::MailLoop);
    return std::nullopt;
  }

  QueuedMessage message;
  message.id = next_queue_id();
  message.reverse_path = tx.mail_from.null ? std::string() : tx.mail_from.mailbox.to_string();
  for (const auto& rcpt : tx.rcpt_to) {
    QueuedRecipient r;
    r.address = rcpt.postmaster ? "postmaster@" + (config_.domains.empty() ? config_.host_name
                                                                           : config_.domains.front())
                                : rcpt.mailbox.to_string();
    message.recipients.push_back(std::move(r));
  }
  // RFC 5321 §4.4: "When an SMTP server receives a message for delivery or further
  // processing, it MUST insert trace ("time stamp" or "Received") information at the
  // beginning of the message content".
  message::ReceivedInfo info;
  info.helo = session.helo_name;
  info.peer_name = session.peer_name;
  info.peer_address = session.peer_address;
  info.by_host = config_.host_name;
  info.protocol = message::received_protocol(session.esmtp, session.tls, !session.auth_user.empty());
  info.id = message.id;
  if (message.recipients.size() == 1) info.for_path = "<" + message.recipients.front().address + ">";
  info.time_ms = host_.clock().now_ms();
  std::string content = dkim_sign(session, tx.content, note);
  if (!options.auth_results.empty()) {
    // RFC 8601 §5: forged fields with our authserv-id go first; ours is added on top,
    // under the Received field that follows (RFC 8601 §4: added at the top).
    if (!options.authserv_id.empty()) content = strip_our_auth_results(content, options.authserv_id);
    content = message::prepend_field(content, "Authentication-Results", options.auth_results);
  }
  message.folder = options.folder;
  message.content = message::prepend_field(content, "Received", message::received_value(info));
  message.arrived_ms = host_.clock().now_ms();
  message.next_attempt_ms = message.arrived_ms;
  return message;
}

Reply Mta::committed(const QueuedMessage& message, const std::string& peer_name,
                     const std::function<void(Event)>& note) {
  ++accepted_;
  note(queue_change(message, "enqueue", "accepted from " + peer_name));
  schedule_attempt(message.id, 0);
  return make_reply(ReplyId::MessageAccepted, "queued as " + message.id);
}

void Mta::emit_queue_change(const QueuedMessage& message, std::string_view action,
                            std::string_view detail) {
  host_.emit(queue_change(message, action, detail));
}

Event Mta::queue_change(const QueuedMessage& message, std::string_view action,
                        std::string_view detail) const {
  Event event;
  event.kind = EventKind::QueueChange;
  event.summary = std::string(action) + " " + message.id + ": " + std::string(detail);
  event.explain = "queue." + std::string(action);
  event.rfc = "RFC 5321 §4.5.4.1";
  std::string rcpts;
  for (const auto& r : message.recipients) {
    if (!rcpts.empty()) rcpts += ", ";
    rcpts += r.address + " (" + std::string(to_string(r.status)) + ")";
  }
  event.with("action", std::string(action))
      .with("queue_id", message.id)
      .with("mail_from", "<" + message.reverse_path + ">")
      .with("rcpt_to", rcpts)
      .with("size", std::to_string(message.content.size()));
  if (action == "enqueue") event.bytes = message.content;
  return event;
}

void Mta::schedule_attempt(const std::string& id, TimeMs delay_ms) {
  host_.schedule(delay_ms, [this, id] { attempt(id); });
}

void Mta::attempt(const std::string& id) {
  QueuedMessage* message = queue_.find(id);
  if (message == nullptr || message->in_flight) return;
  if (config_.offload) return deliver_locally_offloaded(*message);  // continues in attempt_remote
  deliver_locally(*message);
  attempt_remote(*message);
}

void Mta::attempt_remote(QueuedMessage& message_ref) {
  QueuedMessage* message = &message_ref;
  // Group the remote recipients by domain: one SMTP transaction per destination
  // (RFC 5321 §3.3 allows many recipients per transaction).
  std::map<std::string, std::vector<std::string>> by_domain;
  for (auto& r : message->recipients) {
    if (r.status != RecipientStatus::Pending) continue;
    by_domain[domain_of(r.address)].push_back(r.address);
  }
  if (by_domain.empty()) {
    after_attempt(*message);
    return;
  }
  message->in_flight = true;
  for (auto& [domain, recipients] : by_domain) {
    smtp::ClientJob job;
    job.mail_from = path_of(message->reverse_path);
    for (const auto& rcpt : recipients) job.rcpt_to.push_back(path_of(rcpt));
    job.message = message->content;
    const std::uint64_t attempt_id = next_attempt_id_++;
    auto attempt = std::make_shared<DeliveryAttempt>(*this, resolver_, attempt_id, message->id,
                                                     domain, recipients, std::move(job));
    attempts_.emplace(attempt_id, attempt);
    attempt->start();
  }
}

void Mta::deliver_locally(QueuedMessage& message) {
  for (auto& r : message.recipients) {
    if (r.status != RecipientStatus::Pending || !is_local_domain(domain_of(r.address))) continue;
    ++r.attempts;
    std::string user = local_part_of(r.address);
    if (ascii_lower(user) == "postmaster" && !is_local_user(user) && !config_.users.empty())
      user = config_.users.front();  // RFC 5321 §4.5.1: postmaster must reach someone
    const std::string return_path = "<" + message.reverse_path + ">";
    const std::string_view folder = message.folder.empty() ? mda::folder_inbox : std::string_view(message.folder);
    const mda::DeliveryResult stored = mda_.deliver(return_path, user, folder, message.content);
    if (!stored.ok()) {
      // The mailbox could not take it: keep the message and try again later, exactly
      // like a 4yz from a remote server (RFC 5321 §4.5.4.1). Nothing is lost.
      r.last_result = "local delivery failed: " + stored.error;
      continue;
    }
    r.status = RecipientStatus::Delivered;
    r.last_result = "delivered to mailbox " + user + (message.folder.empty() ? "" : " folder " + message.folder) +
                    " as " + stored.id;
    ++delivered_;
  }
}

// Real mode: the same deliveries as deliver_locally, with the Maildir's disk work (write,
// fsync, link into new/, fsync new/: mda/maildir_store.cpp) on a worker thread through
// config_.offload, so that the event loop goes on answering clients meanwhile. The steps
// around the store are mda::Mda::deliver's, split in three: the Return-Path is added
// here, the store runs on the worker, and the trace event and the recipient's state are
// written back here, on the host's thread. The message is in_flight meanwhile, so no
// second attempt starts; the queue entry is removed (after_attempt, via attempt_remote)
// only after the deliveries returned: a crash in between gives at worst a second copy
// after the restart, never a loss (RFC 5321 §6.1).
void Mta::deliver_locally_offloaded(QueuedMessage& message) {
  struct Job {
    std::size_t recipient = 0;  // index into message.recipients
    std::string user, folder;
    mda::Prepared prepared;     // made here, stored on the worker, recorded back here
    mda::StoreResult result;
  };
  auto jobs = std::make_shared<std::vector<Job>>();
  for (std::size_t i = 0; i < message.recipients.size(); ++i) {
    QueuedRecipient& r = message.recipients[i];
    if (r.status != RecipientStatus::Pending || !is_local_domain(domain_of(r.address))) continue;
    ++r.attempts;
    Job job;
    job.recipient = i;
    job.user = local_part_of(r.address);
    if (ascii_lower(job.user) == "postmaster" && !is_local_user(job.user) && !config_.users.empty())
      job.user = config_.users.front();  // RFC 5321 §4.5.1: postmaster must reach someone
    job.folder = message.folder.empty() ? std::string(mda::folder_inbox) : message.folder;
    job.prepared = mda::prepare("<" + message.reverse_path + ">", message.content);  // RFC 5321 §4.4
    jobs->push_back(std::move(job));
  }
  if (jobs->empty()) return attempt_remote(message);
  message.in_flight = true;
  const TimeMs now_ms = host_.clock().now_ms();  // the clock is read here, not on the worker
  config_.offload(
      // The worker: only the store (thread-safe: MaildirStore) and the jobs it owns.
      [&store = store_, jobs, now_ms] {
        for (Job& job : *jobs) job.result = store.deliver(job.user, job.folder, job.prepared.stored, now_ms);
      },
      // Back on the host's thread.
      [this, id = message.id, jobs] {
        QueuedMessage* queued = queue_.find(id);
        if (queued == nullptr) return;
        queued->in_flight = false;
        for (Job& job : *jobs) {
          QueuedRecipient& r = queued->recipients[job.recipient];
          const bool ok = mda_.record(job.user, job.folder, job.prepared, job.result).ok();
          if (!ok) {
            // As in deliver_locally: kept, and tried again later (RFC 5321 §4.5.4.1).
            r.last_result = "local delivery failed: " + job.result.error;
            continue;
          }
          r.status = RecipientStatus::Delivered;
          r.last_result = "delivered to mailbox " + job.user +
                          (queued->folder.empty() ? "" : " folder " + queued->folder) + " as " + job.result.id;
          ++delivered_;
        }
        attempt_remote(*queued);
      });
}

void Mta::attempt_finished(std::uint64_t attempt_id) {
  auto it = attempts_.find(attempt_id);
  if (it == attempts_.end()) return;
  std::shared_ptr<DeliveryAttempt> attempt = it->second;
  attempts_.erase(it);
  QueuedMessage* message = queue_.find(attempt->message_id());
  if (message == nullptr) return;

  for (const auto& result : attempt->results()) {
    for (auto& r : message->recipients) {
      if (r.address != result.recipient || r.status != RecipientStatus::Pending) continue;
      ++r.attempts;
      r.last_result = result.reply.first_line(true) + " (" + result.detail + ")";
      if (result.reply.positive()) {
        r.status = RecipientStatus::Delivered;  // the next hop is responsible now
        ++delivered_;
      } else if (result.reply.permanent_failure()) {
        r.status = RecipientStatus::Failed;  // RFC 5321 §4.2.1: 5yz, do not repeat
      }
      // 4yz: stays Pending, retried later (RFC 5321 §4.5.4.1).
    }
  }
  // Other attempts for other domains of the same message may still be running.
  for (const auto& [id, other] : attempts_)
    if (other->message_id() == message->id) return;
  message->in_flight = false;
  after_attempt(*message);
}

void Mta::after_attempt(QueuedMessage& message) {
  const TimeMs now = host_.clock().now_ms();
  if (!message.finished()) {
    if (now - message.arrived_ms + config_.retry_interval_ms > config_.give_up_ms) {
      // RFC 5321 §4.5.4.1: past the give-up time the message is returned to its sender.
      for (auto& r : message.recipients) {
        if (r.status != RecipientStatus::Pending) continue;
        r.status = RecipientStatus::Failed;
        r.last_result = make_reply(ReplyId::GaveUp).first_line(true) + " (last: " + r.last_result + ")";
      }
    } else {
      message.next_attempt_ms = now + config_.retry_interval_ms;
      queue_.update(message);
      emit_queue_change(message, "defer", "retry in " +
                                              std::to_string(config_.retry_interval_ms / 60000) +
                                              " minutes");
      schedule_attempt(message.id, config_.retry_interval_ms);
      return;
    }
  }
  const bool any_failed = std::any_of(message.recipients.begin(), message.recipients.end(),
                                      [](const QueuedRecipient& r) { return r.status == RecipientStatus::Failed; });
  if (any_failed) send_bounce(message);
  emit_queue_change(message, "remove", any_failed ? "done, with failures" : "all recipients done");
  queue_.remove(message.id);  // `message` is gone after this line
}

void Mta::send_bounce(const QueuedMessage& message) {
  // RFC 5321 §6.1: "If there is a delivery failure after acceptance of a message, the
  // receiver-SMTP MUST formulate and mail a notification message ... to the address
  // specified by the reverse-path". RFC 5321 §4.5.5: "...notification messages ... MUST
  // be sent using a null ("<>") reverse-path" — and a message that itself had the null
  // reverse-path is never answered with another bounce (that is how bounce loops die).
  if (message.reverse_path.empty()) {
    Event event;
    event.kind = EventKind::Bounce;
    event.summary = "no bounce for " + message.id + ": its reverse-path is <> (a bounce itself)";
    event.explain = "bounce.suppressed";
    event.rfc = "RFC 5321 §4.5.5";
    event.with("queue_id", message.id).with("result", "suppressed");
    host_.emit(std::move(event));
    return;
  }
  BounceInput input;
  input.reporting_mta = config_.host_name;
  input.original = &message;
  input.time_ms = host_.clock().now_ms();
  std::string content = make_bounce(input, host_.random());

  QueuedMessage bounce;
  bounce.id = next_queue_id();
  bounce.reverse_path = "";  // null reverse-path
  QueuedRecipient r;
  r.address = message.reverse_path;
  bounce.recipients.push_back(std::move(r));
  bounce.content = std::move(content);
  bounce.arrived_ms = input.time_ms;
  bounce.next_attempt_ms = input.time_ms;
  ++bounced_;

  Event event;
  event.kind = EventKind::Bounce;
  event.summary = "bounce " + bounce.id + " to <" + message.reverse_path + "> for " + message.id;
  event.bytes = bounce.content;
  event.explain = "bounce.sent";
  event.rfc = "RFC 5321 §6.1";
  event.with("queue_id", bounce.id).with("original", message.id).with("to", message.reverse_path);
  host_.emit(std::move(event));

  if (!queue_.commit(bounce)) return;  // queue full: nothing more we can do
  emit_queue_change(bounce, "enqueue", "delivery status notification");
  schedule_attempt(bounce.id, 0);
}

}  // namespace smtplab::mta
