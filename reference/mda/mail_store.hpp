// mda/mail_store.hpp — where delivered mail goes: the mailbox interface, and the
// in-memory mailbox the simulator uses.
//
// Standards: none for the interface itself; the folder names follow IMAP (RFC 9051
// §5.1: "INBOX" is the special name of the primary mailbox) and the Maildir++ habit of
// a "Junk" folder for spam. The real on-disk store is MaildirStore (maildir_store.hpp).
//
// API:
//   MemoryMailStore store;
//   StoreResult r = store.deliver("bob", "INBOX", content, now_ms);  r.ok(), r.id
//   store.list("bob", "INBOX")          ids, in delivery order
//   store.read("bob", "INBOX", id)      the content, or nullopt
//   store.count("bob", "INBOX")
//   store.remove("bob", "INBOX", id)    true when the message was there and is gone
//                                       (POP3 DELE + QUIT, RFC 1939 §6; IMAP EXPUNGE)
//   store.flags / set_flags(..., "RS")  Maildir info letters: D F R S T (IMAP \Draft
//                                       \Flagged \Answered \Seen \Deleted)
//   store.uids("bob", "INBOX")          IMAP UIDs and UIDVALIDITY (RFC 3501 §2.3.1.1)
//   store.delivered_ms("bob", "INBOX", id)  the delivery time (IMAP INTERNALDATE)
//   check_mailbox_name("bob", "Junk")   empty, or why the user/folder is not allowed
//
// Rules: user and folder names are checked before anything is stored, by both stores
// alike, so a name such as "../../etc" can never become a path (MaildirStore) or a
// mailbox that only the memory store accepts. Whether the user exists is the MTA's
// question (RFC 5321 §3.3 RCPT), not the store's.
//
// Ids are stable: a message keeps its id for as long as it is stored (MaildirStore:
// across restarts too), so POP3's UIDL can be built from them (RFC 1939 §7).
//
// Not implemented: quotas per user, IMAP keywords (user-defined flags).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace smtplab::mda {

inline constexpr std::string_view folder_inbox = "INBOX";
inline constexpr std::string_view folder_junk = "Junk";

// RFC 5321 §4.5.3.1.1: "The maximum total length of a user name or other local-part
// is 64 octets." A mailbox user name is a local part.
inline constexpr std::size_t user_length_max = 64;

// Our choice: folder names are short words (INBOX, Junk, Archive).
inline constexpr std::size_t folder_length_max = 64;

// Our choice: how many messages MemoryMailStore keeps in all before it refuses more
// (STYLE §18). A million covers the 10,000-message benchmark a hundred times over.
inline constexpr std::size_t memory_store_messages_max = 1'000'000;

struct StoreResult {
  std::string id;     // the message's id in its folder, when stored
  std::string error;  // why it was not stored; empty on success
  bool ok() const { return error.empty(); }
};

// Maildir's info letters (maildir.html, "info starting with 2,"), which are IMAP's
// system flags (RFC 3501 §2.3.2) under other names.
inline constexpr std::string_view flag_letters = "DFRST";
// Sorted, duplicates and unknown letters dropped: the canonical form to store.
std::string normalize_flags(std::string_view letters);

struct UidListing {
  std::uint32_t uid_validity = 1;
  std::uint32_t uid_next = 1;  // RFC 3501 §2.3.1.1: the UID the next arrival will get
  std::vector<std::pair<std::uint32_t, std::string>> messages;  // (uid, id), ascending
};

class MailStore {
 public:
  virtual ~MailStore() = default;
  virtual StoreResult deliver(std::string_view user, std::string_view folder,
                              std::string_view content, TimeMs time_ms) = 0;
  virtual std::vector<std::string> list(std::string_view user, std::string_view folder) const = 0;
  virtual std::optional<std::string> read(std::string_view user, std::string_view folder,
                                          std::string_view id) const = 0;
  virtual std::size_t count(std::string_view user, std::string_view folder) const = 0;
  // Deletes one message: true when it was stored and now is not. The default is a store
  // that cannot delete (false), so stores written before POP3's DELE still compile.
  virtual bool remove(std::string_view user, std::string_view folder, std::string_view id);
  // A message's flags as Maildir info letters in ASCII order ("" when none, or when the
  // message is unknown). The defaults keep no flags (set_flags returns false).
  virtual std::string flags(std::string_view user, std::string_view folder, std::string_view id) const;
  virtual bool set_flags(std::string_view user, std::string_view folder, std::string_view id,
                         std::string_view letters);
  // RFC 3501 §2.3.1.1: UIDs strictly ascending in arrival order, never reused while the
  // UIDVALIDITY stays the same. The default numbers list() from 1 (stable only for a
  // store that never removes); both stores here override it with stable UIDs.
  virtual UidListing uids(std::string_view user, std::string_view folder);
  // When the message was delivered, in the time the store was given at delivery (virtual
  // time in the simulator): IMAP's INTERNALDATE (RFC 3501 §2.3.3). nullopt when the
  // message is unknown or the store cannot tell (the default).
  virtual std::optional<TimeMs> delivered_ms(std::string_view user, std::string_view folder,
                                             std::string_view id) const;
};

// Empty when `user` and `folder` may name a mailbox, else a sentence saying why not.
// A user is 1-64 characters of letters, digits and ". _ + -", not starting with '.';
// a folder is INBOX or 1-64 letters, digits, '_' and '-'.
std::string check_mailbox_name(std::string_view user, std::string_view folder);

class MemoryMailStore final : public MailStore {
 public:
  explicit MemoryMailStore(std::size_t messages_max = memory_store_messages_max)
      : messages_max_(messages_max) {}

  StoreResult deliver(std::string_view user, std::string_view folder, std::string_view content,
                      TimeMs time_ms) override;
  std::vector<std::string> list(std::string_view user, std::string_view folder) const override;
  std::optional<std::string> read(std::string_view user, std::string_view folder,
                                  std::string_view id) const override;
  std::size_t count(std::string_view user, std::string_view folder) const override;
  bool remove(std::string_view user, std::string_view folder, std::string_view id) override;
  std::string flags(std::string_view user, std::string_view folder, std::string_view id) const override;
  bool set_flags(std::string_view user, std::string_view folder, std::string_view id,
                 std::string_view letters) override;
  // The ids are the numbers 1, 2, ... given at delivery: they are the UIDs, and the
  // UIDVALIDITY is always 1 (a memory store never renumbers).
  UidListing uids(std::string_view user, std::string_view folder) override;
  // The time_ms that deliver() was given for this message.
  std::optional<TimeMs> delivered_ms(std::string_view user, std::string_view folder,
                                     std::string_view id) const override;

  std::size_t total() const { return total_; }

 private:
  struct Stored {
    std::string id;
    std::string content;
    TimeMs time_ms = 0;
    std::string flags;  // Maildir info letters
  };
  // Ordered maps: listing users or folders is deterministic.
  std::map<std::string, std::vector<Stored>, std::less<>> folders_;  // key "user/folder"
  std::size_t messages_max_;
  std::size_t total_ = 0;
  std::uint64_t next_id_ = 1;
};

}  // namespace smtplab::mda
