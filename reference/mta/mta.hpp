// mta/mta.hpp — the Mail Transfer Agent: receives mail over SMTP, queues it, and
// either delivers it locally (through the MDA) or relays it to the next hop found
// in DNS.
//
// Standards: RFC 5321 §2.3.3 (MTA), §3.6 (relaying), §4.4 (the Received trace field,
// added here), §4.5.4.1 (retry strategy), §5.1 (locating the target host: MX, then
// address records, implicit MX), §6.1 (reliable delivery and notification of
// failures: the bounce), §6.3 (loop detection by counting Received fields).
//
// API:
//   Mta mta(host, config, store, resolver_server);
//   mta.start();                       // listen on config.ports
//   mta.queue();                       // what is still queued
//
// The pieces, one concern each:
//   policy.hpp      relay rules and recipient checks (the ServerPolicy hooks)
//   inbound.hpp     one server connection: bytes <-> ServerSession
//   delivery.hpp    one outbound attempt: MX lookup, connect, ClientSession
//   queue.hpp       the queue store
//   bounce.hpp      the notification sent to the reverse path after a failure
//
// TLS and AUTH (RFC 3207, RFC 4954, RFC 6409): the server side offers STARTTLS when
// config.server.tls is set; config.tls_client says whether outbound deliveries use it;
// with a user database, the submission port (587) requires TLS and AUTH before MAIL.
//
// Queues: MemoryQueue in the simulator, DirectoryQueue (fsynced files, recovered at
// start()) in real mode. Bounces are RFC 3464 reports (bounce.hpp).
//
// Sender authentication (RFC 7208, RFC 6376, RFC 7489, RFC 8601): with config.mail_auth
// on, the end-of-data reply waits (ServerSession::defer_reply) for SPF, DKIM and DMARC
// (mail_auth.hpp); the message gets an Authentication-Results field, and DMARC's
// disposition decides: 550 5.7.1, the Junk folder, or INBOX. With config.dkim_sign, mail
// from our own users whose From domain is ours is signed before it is queued (RFC 6376
// §5). Mail from our own users (authenticated, or in relay_from) is not checked.
//
// Not implemented (later issues): DSN parameters (RFC 3461), delay notifications,
// MTA-STS (RFC 8461) and DANE (RFC 7672).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/host.hpp"
#include "dns/resolver_agent.hpp"
#include "mailauth/crypto.hpp"
#include "mailauth/dkim_canon.hpp"
#include "mda/mda.hpp"
#include "mta/mail_auth.hpp"
#include "mta/queue.hpp"
#include "smtp/client_session.hpp"
#include "smtp/server_session.hpp"
#include "smtp/user_db.hpp"
#include "tls/pki.hpp"

namespace smtplab::mta {

// RFC 5321 §4.5.4.1: "the retry interval SHOULD be at least 30 minutes".
inline constexpr TimeMs retry_interval_default_ms = 30LL * 60 * 1000;
// RFC 5321 §4.5.4.1: "the give-up time generally needs to be at least 4-5 days".
inline constexpr TimeMs give_up_default_ms = 5LL * 24 * 60 * 60 * 1000;
// RFC 5321 §4.5.3.2.7: the server waits 5 minutes for the next command.
inline constexpr TimeMs server_idle_timeout_default_ms = 5LL * 60 * 1000;
// The SMTP port (RFC 5321 §4.5.4.2 / IANA) and the submission port (RFC 6409 §3.1).
inline constexpr std::uint16_t smtp_port = 25;
inline constexpr std::uint16_t submission_port = 587;

enum class RelayPolicy {
  Closed,  // relay only for clients in relay_from (Postfix's "mynetworks"), or authenticated
  Open,    // relay for anyone: the 1990s mistake, kept so a lesson can show the abuse
};
std::string_view to_string(RelayPolicy policy);

class ReplyFaults;  // mta/fault_policy.hpp

// RFC 6376 §5: how this MTA signs the mail of its own domain.
struct DkimSignConfig {
  std::string domain;     // d=: mail whose From domain is this (or under it) is signed
  std::string selector;   // s=: the key is published at <selector>._domainkey.<domain>
  mailauth::RsaPrivateKey key;
  mailauth::DkimCanon header_canon = mailauth::DkimCanon::Relaxed;
  mailauth::DkimCanon body_canon = mailauth::DkimCanon::Relaxed;
  std::vector<std::string> headers;  // h=; empty: mailauth::default_signed_headers()
};

// What Mta::accept adds to a message besides the Received field.
struct AcceptOptions {
  std::string auth_results;  // an Authentication-Results value (RFC 8601), or ""
  std::string authserv_id;   // remove fields bearing this id first (RFC 8601 §5)
  std::string folder;        // the local folder ("" = INBOX; "Junk" for quarantine)
};

struct MtaConfig {
  std::string host_name;                  // our name: greeting, EHLO, Received
  std::vector<std::string> domains;       // mail for these domains is delivered here
  std::vector<std::string> users;         // local mailboxes ("bob"), valid in every domain
  std::vector<std::string> relay_from;    // client addresses allowed to relay
  RelayPolicy relay = RelayPolicy::Closed;
  std::vector<std::uint16_t> ports = {smtp_port};
  smtp::ServerConfig server;              // limits and extensions of the server side
  TimeMs retry_interval_ms = retry_interval_default_ms;
  TimeMs give_up_ms = give_up_default_ms;
  TimeMs idle_timeout_ms = server_idle_timeout_default_ms;
  // Record the client side of outbound SMTP dialogues too. Off in the simulator, where
  // the receiving server (also ours) records them; on when the peer may be foreign.
  bool trace_client_wire = false;
  // RFC 3207 / RFC 7435: outbound deliveries use STARTTLS when offered (Opportunistic),
  // or refuse to go on without it (Required: 4xx, the message stays queued), or never.
  // Required also requires the certificate to verify against `trust` for the MX name.
  smtp::StartTlsPolicy tls_client = smtp::StartTlsPolicy::Opportunistic;
  std::shared_ptr<const tls::TrustAnchors> trust;  // the CAs outbound TLS trusts
  // RFC 4954: the users who may authenticate (hashed passwords). With at least one user,
  // the submission port requires TLS and AUTH before MAIL (RFC 6409 §4.3, RFC 3207 §4).
  std::shared_ptr<const smtp::UserDb> user_db;
  bool has_users = false;  // user_db holds at least one user
  // Ports where clients must authenticate before MAIL (RFC 6409 §4.3): 587 by default;
  // real mode's unprivileged 2587 and the implicit-TLS port 465/2465 are added there.
  std::vector<std::uint16_t> submission_ports = {submission_port};
  // Injected replies (mta/fault_policy.hpp, issue 6): null in normal runs; set by a
  // scenario's [[fault]] kind = "reply". Shared so that attempts are counted per MTA.
  std::shared_ptr<ReplyFaults> reply_faults;
  // Exercises (exercises/README.md): functions that replace ours in this MTA's SMTP
  // server and client, and in its choice of MX order. The defaults are the reference.
  smtp::Seams seams;
  dns::OrderMxFn order_mx = &dns::order_mx;
  // RFC 7208 / RFC 6376 / RFC 7489 on receipt (mail_auth.hpp). Off by default.
  MailAuthConfig mail_auth;
  // RFC 6376 §5: sign outbound mail of our own domain. None by default.
  std::optional<DkimSignConfig> dkim_sign;
  // Real mode only (queue.hpp): local deliveries (the Maildir's write, fsync, link,
  // fsync) run through this, off the event loop. Unset in the simulator: synchronous.
  Offload offload;
};

class InboundSession;
class DeliveryAttempt;

class Mta {
 public:
  Mta(Host& host, MtaConfig config, mda::MailStore& store, Endpoint dns_server);
  // The same with a queue store of the caller's choice (real mode: mta::DirectoryQueue).
  // start() schedules an attempt for every message the store already holds: the mail a
  // previous run accepted (250) but had not finished delivering (RFC 5321 §6.1).
  Mta(Host& host, MtaConfig config, mda::MailStore& store, Endpoint dns_server,
      std::unique_ptr<QueueStore> queue);
  ~Mta();
  Mta(const Mta&) = delete;
  Mta& operator=(const Mta&) = delete;

  void start();

  // The server configuration for a listening port: the submission port gets
  // tls_required when this MTA has users (RFC 6409 §4.3: submission authenticates).
  smtp::ServerConfig server_config_for(std::uint16_t port) const;
  // RFC 6409 §4.3: on the submission port of an MTA with users, MAIL needs AUTH first.
  // RFC 6409 §4.3: a submission port takes mail only from authenticated users.
  bool requires_auth(std::uint16_t port) const {
    return config_.has_users && std::find(config_.submission_ports.begin(), config_.submission_ports.end(),
                                          port) != config_.submission_ports.end();
  }

  const MtaConfig& config() const { return config_; }
  Host& host() { return host_; }
  QueueStore& queue() { return queue_; }
  std::uint64_t accepted_count() const { return accepted_; }
  std::uint64_t delivered_count() const { return delivered_; }
  std::uint64_t bounced_count() const { return bounced_; }

  bool is_local_domain(std::string_view domain) const;
  bool is_local_user(std::string_view local_part) const;

  // Called by the policy at end of data. Prepends the Received field, commits the
  // message to the queue and schedules delivery. Returns the reply to send: 250 with
  // the queue id, or a refusal (loop, queue full). `note` receives the queue_change
  // event, so that it lands in the session's event stream before the 250.
  // `options`: the Authentication-Results field and the folder, after mail_auth checks.
  Reply accept(const smtp::Session& session, const smtp::Transaction& tx,
               const std::function<void(Event)>& note, const AcceptOptions& options = {});
  // The same over QueueStore::commit_async, for a store whose commit finishes later
  // (real mode). `done(reply, enqueue_event)` runs once the commit returned, on the
  // host's thread: the event is the queue_change of a committed message (nullopt on a
  // refusal). Whatever happened to the connection meanwhile, a committed message is
  // scheduled for delivery. `note` is used only during this call (DKIM signing).
  using AcceptDone = std::function<void(const Reply& reply, std::optional<Event> enqueue_event)>;
  void accept_async(const smtp::Session& session, const smtp::Transaction& tx,
                    const std::function<void(Event)>& note, const AcceptOptions& options, AcceptDone done);

  // Our own users: authenticated (RFC 4954), or a client in relay_from. Their mail is
  // signed (dkim_sign) and not checked (mail_auth): it is ours, not a stranger's.
  bool client_is_ours(const smtp::Session& session) const;
  // The MTA's resolver, for the end-of-data checks: every lookup is a datagram.
  dns::ResolverAgent& resolver() { return resolver_; }

  // Called by a DeliveryAttempt when it has a result for its recipients.
  void attempt_finished(std::uint64_t attempt_id);

 private:
  void schedule_attempt(const std::string& id, TimeMs delay_ms);
  void attempt(const std::string& id);
  void attempt_remote(QueuedMessage& message);
  void deliver_locally(QueuedMessage& message);
  void deliver_locally_offloaded(QueuedMessage& message);
  std::optional<QueuedMessage> make_queued(const smtp::Session& session, const smtp::Transaction& tx,
                                           const std::function<void(Event)>& note, const AcceptOptions& options,
                                           Reply& refusal);
  Reply committed(const QueuedMessage& message, const std::string& peer_name,
                  const std::function<void(Event)>& note);
  std::string dkim_sign(const smtp::Session& session, std::string content,
                        const std::function<void(Event)>& note) const;
  void after_attempt(QueuedMessage& message);
  void send_bounce(const QueuedMessage& message);
  Event queue_change(const QueuedMessage& message, std::string_view action,
                     std::string_view detail) const;
  void emit_queue_change(const QueuedMessage& message, std::string_view action,
                         std::string_view detail);
  std::string next_queue_id();

  Host& host_;
  MtaConfig config_;
  std::unique_ptr<QueueStore> owned_queue_;  // MemoryQueue unless given one
  QueueStore& queue_;
  mda::MailStore& store_;  // the Mda's store, for offloaded deliveries
  mda::Mda mda_;
  dns::ResolverAgent resolver_;
  std::unique_ptr<smtp::ServerPolicy> policy_;
  std::map<std::uint64_t, std::shared_ptr<DeliveryAttempt>> attempts_;
  std::uint64_t next_attempt_id_ = 1;
  std::uint64_t next_queue_number_ = 1;
  std::uint64_t accepted_ = 0, delivered_ = 0, bounced_ = 0;
};

}  // namespace smtplab::mta
