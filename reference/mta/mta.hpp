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
// Not implemented (later issues): STARTTLS/AUTH (4), the on-disk queue, DSN in RFC 3464
// format and fault-driven retries (6), SPF/DKIM/DMARC (5).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/host.hpp"
#include "dns/resolver_agent.hpp"
#include "mda/mda.hpp"
#include "mta/queue.hpp"
#include "smtp/server_session.hpp"

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
  // Exercises (exercises/README.md): functions that replace ours in this MTA's SMTP
  // server and client, and in its choice of MX order. The defaults are the reference.
  smtp::Seams seams;
  dns::OrderMxFn order_mx = &dns::order_mx;
};

class InboundSession;
class DeliveryAttempt;

class Mta {
 public:
  Mta(Host& host, MtaConfig config, mda::MailStore& store, Endpoint dns_server);
  ~Mta();
  Mta(const Mta&) = delete;
  Mta& operator=(const Mta&) = delete;

  void start();

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
  Reply accept(const smtp::Session& session, const smtp::Transaction& tx,
               const std::function<void(Event)>& note);

  // Called by a DeliveryAttempt when it has a result for its recipients.
  void attempt_finished(std::uint64_t attempt_id);

 private:
  void schedule_attempt(const std::string& id, TimeMs delay_ms);
  void attempt(const std::string& id);
  void deliver_locally(QueuedMessage& message);
  void after_attempt(QueuedMessage& message);
  void send_bounce(const QueuedMessage& message);
  Event queue_change(const QueuedMessage& message, std::string_view action,
                     std::string_view detail) const;
  void emit_queue_change(const QueuedMessage& message, std::string_view action,
                         std::string_view detail);
  std::string next_queue_id();

  Host& host_;
  MtaConfig config_;
  MemoryQueue queue_;
  mda::Mda mda_;
  dns::ResolverAgent resolver_;
  std::unique_ptr<smtp::ServerPolicy> policy_;
  std::map<std::uint64_t, std::shared_ptr<DeliveryAttempt>> attempts_;
  std::uint64_t next_attempt_id_ = 1;
  std::uint64_t next_queue_number_ = 1;
  std::uint64_t accepted_ = 0, delivered_ = 0, bounced_ = 0;
};

}  // namespace smtplab::mta
