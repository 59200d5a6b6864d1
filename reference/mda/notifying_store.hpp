// mda/notifying_store.hpp — a MailStore wrapper that tells observers about each new
// message the moment it is stored, so that an IMAP session in IDLE can say so.
//
// Standards: RFC 2177 §3 (IDLE: "the server is now free to send untagged EXISTS ...
//            responses at any time"); the store itself follows mail_store.hpp. This
//            wrapper only forwards: it knows no protocol.
//
// API:
//   NotifyingStore store(inner);                     // what the MDA delivers into
//   auto id = store.add_observer([](const std::string& user, const std::string& folder) {...});
//   store.remove_observer(id);
//   everything else (list, read, flags, uids, delivered_ms, ...) goes to `inner`
//
// Threads: observers are called on the thread that delivered, after the inner store
// said the message is stored (in `smtplab serve` that may be a worker thread: the
// observer there posts to the io thread). Add and remove observers before deliveries
// may run on other threads; the wrapper keeps no lock (reference code has no threads).
//
// Not implemented: telling of removals or flag changes (IMAP EXPUNGE and FETCH FLAGS
// responses to other sessions, RFC 3501 §7.4.1 / §7.4.2) — only arrivals.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "mda/mail_store.hpp"

namespace smtplab::mda {

// Forwards everything to another store and, after each successful delivery, calls its
// observers with the user and folder (in the order they were added).
class NotifyingStore final : public MailStore {
 public:
  using Observer = std::function<void(const std::string& user, const std::string& folder)>;
  explicit NotifyingStore(MailStore& inner) : inner_(inner) {}

  std::uint64_t add_observer(Observer observer);
  void remove_observer(std::uint64_t id);
  std::size_t observer_count() const { return observers_.size(); }

  StoreResult deliver(std::string_view user, std::string_view folder, std::string_view content,
                      TimeMs time_ms) override;
  std::vector<std::string> list(std::string_view user, std::string_view folder) const override {
    return inner_.list(user, folder);
  }
  std::optional<std::string> read(std::string_view user, std::string_view folder,
                                  std::string_view id) const override {
    return inner_.read(user, folder, id);
  }
  std::size_t count(std::string_view user, std::string_view folder) const override {
    return inner_.count(user, folder);
  }
  bool remove(std::string_view user, std::string_view folder, std::string_view id) override {
    return inner_.remove(user, folder, id);
  }
  std::string flags(std::string_view user, std::string_view folder, std::string_view id) const override {
    return inner_.flags(user, folder, id);
  }
  bool set_flags(std::string_view user, std::string_view folder, std::string_view id,
                 std::string_view letters) override {
    return inner_.set_flags(user, folder, id, letters);
  }
  UidListing uids(std::string_view user, std::string_view folder) override { return inner_.uids(user, folder); }
  std::optional<TimeMs> delivered_ms(std::string_view user, std::string_view folder,
                                     std::string_view id) const override {
    return inner_.delivered_ms(user, folder, id);
  }

 private:
  MailStore& inner_;
  std::vector<std::pair<std::uint64_t, Observer>> observers_;
  std::uint64_t next_observer_ = 1;
};

}  // namespace smtplab::mda
