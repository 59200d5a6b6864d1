// mta/directory_queue.hpp — the real-mode queue: one file per message in a directory,
// written durably before the server answers 250.
//
// Standards: RFC 5321 §4.1.1.4 ("the receiver ... MUST NOT lose the message" once it has
// sent 250 to end of data), §6.1 ("When the receiver-SMTP accepts a piece of mail ... it
// has accepted responsibility for delivering or relaying the message ... it MUST NOT lose
// the message for frivolous reasons, such as because the host later crashes").
//
// API:
//   DirectoryQueue queue(dir);          // creates dir/msg and dir/tmp; loads dir/msg/*
//   queue.commit(message);              // tmp file, fsync, rename into msg/, fsync msg/
//   queue.update(message); queue.remove(id);   // remove: unlink, no fsync (see .cpp)
//   queue.recovered();                  // how many messages were loaded at start
//   queue.set_offload(offload);         // real mode: commit_async runs the fsyncs on a
//                                       // worker and calls done on the host's thread
//
// Durability, the way Postfix and qmail do it: write the whole file under tmp/, fsync it,
// rename(2) it into msg/ (atomic: a reader sees the old file or the new one, never half),
// then fsync the msg/ directory so the rename itself survives a power cut. Only then does
// commit() return true and the MTA send 250.
//
// Off the event loop: each fsync costs milliseconds (a disk flush), and `smtplab serve`
// answers every client from one thread. With set_offload(), commit_async() runs steps
// 1-4 on a worker thread, so twenty sessions' fsyncs run side by side (the filesystem
// journal then flushes several in one disk write: group commit, for free), while the
// event loop goes on serving. The message enters the in-memory map, and done(true)
// lets the MTA send 250, only when its own fsyncs have returned.
//
// File format (one file per message, named after its queue id; our own, text, versioned):
//   smtplab-queue 1
//   id Q0001
//   reverse-path alice@lab.example        (empty after the space for the null path <>)
//   arrived-ms 1700000000000
//   next-attempt-ms 1700000000000
//   rcpt pending 0 bob@lab.example        (status, attempts, address)
//   result 250 2.0.0 OK                    (the last result of the rcpt line above)
//   <empty line>
//   the message content, exactly
//
// A file that does not parse is moved to corrupt/ at load and reported by corrupt_count():
// it is not silently dropped, and it does not stop the other messages.
//
// Not implemented: per-file locking between processes (one smtplab serve per directory),
// a size-based limit (the count limit answers 452), Postfix's split into
// incoming/active/deferred queues.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "mta/queue.hpp"

namespace smtplab::mta {

// Our choice: a queue file larger than this is refused at load as corrupt; it is twice
// the largest message the server accepts (limits::message_size_default_max) plus room
// for the envelope.
inline constexpr std::size_t queue_file_size_max = 128u * 1024u * 1024u;
inline constexpr std::string_view queue_file_magic = "smtplab-queue 1";

// Serialises a message in the file format above, and back (nullopt if malformed).
std::string encode_queue_file(const QueuedMessage& message);
std::optional<QueuedMessage> decode_queue_file(std::string_view text);

class DirectoryQueue final : public QueueStore {
 public:
  // Throws std::filesystem::filesystem_error when the directory cannot be created.
  explicit DirectoryQueue(std::filesystem::path directory, std::size_t messages_max = queue_messages_max);

  bool commit(const QueuedMessage& message) override;
  void commit_async(const QueuedMessage& message, std::function<void(bool)> done) override;
  bool commits_async() const override { return static_cast<bool>(offload_); }
  void set_offload(Offload offload) { offload_ = std::move(offload); }
  void update(const QueuedMessage& message) override;
  void remove(const std::string& id) override;
  QueuedMessage* find(const std::string& id) override;
  std::vector<std::string> ids() const override;
  std::size_t size() const override { return messages_.size(); }
  // Commits handed to a worker whose done has not run yet.
  std::size_t committing() const { return committing_.size(); }

  std::size_t recovered() const { return recovered_; }
  std::size_t corrupt_count() const { return corrupt_; }
  const std::filesystem::path& directory() const { return directory_; }

 private:
  bool admissible(const QueuedMessage& message) const;  // room, a new and safe id
  void load();

  std::filesystem::path directory_;
  std::size_t messages_max_;
  std::uint64_t next_order_ = 0;
  // The in-memory copy the MTA works on (find() returns a pointer into it); the file is
  // rewritten on every update.
  std::map<std::string, std::pair<std::uint64_t, QueuedMessage>> messages_;
  std::size_t recovered_ = 0;
  std::size_t corrupt_ = 0;
  Offload offload_;                   // unset: commit_async is commit
  std::set<std::string> committing_;  // ids on a worker: they count against the limit
};

}  // namespace smtplab::mta
