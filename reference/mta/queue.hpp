// mta/queue.hpp — the MTA's queue: messages it has taken responsibility for.
//
// Standards: RFC 5321 §4.1.1.4 ("the receiver ... MUST NOT lose the message" once it
// has sent 250 to end of data: the message is committed to the queue BEFORE the
// reply), §4.5.4.1 (retry strategy: per-message state), §6.1 (reliable delivery).
//
// API:
//   QueueStore            the storage interface (memory in the simulator; a fsynced
//                         directory in real mode: directory_queue.hpp)
//   MemoryQueue           the simulator's store
//   QueuedMessage         envelope + content + per-recipient delivery state
//   Offload               real mode's seam for slow work (fsync): run it elsewhere,
//                         finish on the host's thread; unset in the simulator
//   store.commit_async(message, done)   commit, then done(ok) — maybe later (below)
//
// Rules: a message stays in the queue until every recipient is Delivered or Failed
// (and failures have been reported to the sender); only then is it removed.
//
// Not implemented: a per-destination queue (one attempt per message and domain).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/reply.hpp"

namespace smtplab::mta {

enum class RecipientStatus {
  Pending,    // not yet delivered; will be (re)tried
  Delivered,  // handed to the next hop (250) or stored locally
  Failed,     // permanent failure or gave up; reported in a bounce
};
std::string_view to_string(RecipientStatus status);

struct QueuedRecipient {
  std::string address;  // "bob@b.example" (no brackets)
  RecipientStatus status = RecipientStatus::Pending;
  int attempts = 0;
  std::string last_result;  // the last reply or error, for the trace and the bounce
};

struct QueuedMessage {
  std::string id;             // queue id, unique per MTA: "Q0001"
  std::string reverse_path;   // "alice@a.example", or "" for the null path <>
  std::vector<QueuedRecipient> recipients;
  std::string content;        // the message with our Received: field prepended
  TimeMs arrived_ms = 0;
  TimeMs next_attempt_ms = 0;
  bool in_flight = false;     // a delivery attempt is running
  // The local folder: "" is INBOX; "Junk" for DMARC quarantine (RFC 7489 §6.3).
  std::string folder;

  bool finished() const;      // no recipient is Pending
};

// Slow work off the event loop, the textbook way real MTAs do it (Postfix hands the
// queue file to cleanup(8) processes; we hand it to a worker thread). An Offload runs
// `work` somewhere else and then `then` back on the host's own thread, where every
// agent lives. `work` must touch nothing but what it captured by value (and thread-safe
// stores); `then` may touch anything. The MTA never sees a thread: serve builds the
// Offload from a thread pool (net/offload.hpp); the simulator sets none, so its runs
// stay synchronous and deterministic.
using Offload = std::function<void(std::function<void()> work, std::function<void()> then)>;

class QueueStore {
 public:
  virtual ~QueueStore() = default;
  // Makes the message durable. Returns false when the store is full (the server then
  // answers 452 4.3.1, RFC 5321 §4.2.3).
  virtual bool commit(const QueuedMessage& message) = 0;
  // The same, asynchronously: done(true) once the message is durable and find() sees it,
  // done(false) if it could not be stored. done always runs on the host's thread. The
  // default commits now and calls done before returning; DirectoryQueue with an Offload
  // calls it later, after the fsyncs ran on a worker (directory_queue.hpp).
  virtual void commit_async(const QueuedMessage& message, std::function<void(bool)> done) {
    done(commit(message));
  }
  // True when commit_async may return before calling done: the MTA then defers the
  // end-of-data reply (ServerSession::defer_reply) until done.
  virtual bool commits_async() const { return false; }
  virtual void update(const QueuedMessage& message) = 0;  // recipient states changed
  virtual void remove(const std::string& id) = 0;
  virtual QueuedMessage* find(const std::string& id) = 0;
  virtual std::vector<std::string> ids() const = 0;      // in commit order
  virtual std::size_t size() const = 0;
};

class MemoryQueue final : public QueueStore {
 public:
  explicit MemoryQueue(std::size_t messages_max);
  bool commit(const QueuedMessage& message) override;
  void update(const QueuedMessage& message) override;
  void remove(const std::string& id) override;
  QueuedMessage* find(const std::string& id) override;
  std::vector<std::string> ids() const override;
  std::size_t size() const override { return messages_.size(); }

 private:
  std::size_t messages_max_;
  std::uint64_t next_order_ = 0;
  std::map<std::string, std::pair<std::uint64_t, QueuedMessage>> messages_;
};

// Our choice: how many messages one simulated MTA holds before it answers 452. Large
// enough for the benchmark's 10,000 messages in flight.
inline constexpr std::size_t queue_messages_max = 100'000;

}  // namespace smtplab::mta
