// mda/maildir_store.hpp — a real Maildir on disk, one per user, written the Maildir way.
//
// Standards: D. J. Bernstein, "Using maildir format", http://cr.yp.to/proto/maildir.html
// (tmp/new/cur, unique names, write to tmp then move to new); the Maildir++ folder
// convention (Courier maildir(5): a folder is a sub-maildir ".Name" holding an empty
// file "maildirfolder").
//
// API:
//   MaildirStore store("/var/tmp/smtplab-mail", "mx.b.example");
//   store.deliver("bob", "INBOX", content, now_ms)  -> root/bob/Maildir/new/<unique>
//   store.deliver("bob", "Junk", content, now_ms)   -> root/bob/Maildir/.Junk/new/<unique>
//   store.list / read / count / remove / flags / set_flags / uids / delivered_ms as in
//   MailStore
//   (new/ and cur/ both count)
//   store.folder_path("bob", "Junk")                the maildir of a folder
//
// Unique names: "<seconds>.M<microseconds>Q<deliveries>.<host>", built from the time
// handed in (virtual time in the simulator), a per-store delivery counter and the host
// name, so that the same run gives the same file names. Should a name exist already
// (another run wrote into the same directory), the counter moves on.
//
// This is the only file of smtplab/reference that touches the filesystem.
// deliver() may run on several threads at once (real mode's worker pool); the other
// members are for the host's thread.
//
// Not implemented: quotas
// (Maildir++ maildirsize), cleaning stale files out of tmp/ (36 hours, per the spec).
#pragma once

#include <atomic>
#include <filesystem>
#include <string>

#include "mda/mail_store.hpp"

namespace smtplab::mda {

// Our choice: how many unique names to try when one already exists before giving up.
inline constexpr int maildir_name_attempts_max = 100;

class MaildirStore final : public MailStore {
 public:
  MaildirStore(std::filesystem::path root, std::string host_name);

  StoreResult deliver(std::string_view user, std::string_view folder, std::string_view content,
                      TimeMs time_ms) override;
  std::vector<std::string> list(std::string_view user, std::string_view folder) const override;
  std::optional<std::string> read(std::string_view user, std::string_view folder,
                                  std::string_view id) const override;
  std::size_t count(std::string_view user, std::string_view folder) const override;
  // Unlinks the file of `id` from new/ or cur/ (whatever flags follow ":2," in cur/).
  bool remove(std::string_view user, std::string_view folder, std::string_view id) override;
  // Flags live in the file name, the Maildir way: cur/<id>:2,<letters>. Setting flags
  // moves a message from new/ to cur/ (it has been seen by a reader).
  std::string flags(std::string_view user, std::string_view folder, std::string_view id) const override;
  bool set_flags(std::string_view user, std::string_view folder, std::string_view id,
                 std::string_view letters) override;
  // UIDs persist in <maildir>/smtplab-uidlist ("V<uidvalidity> N<next uid>", then one
  // "<uid> <id>" a line), written to a temporary file and renamed, so that they survive
  // restarts (RFC 3501 §2.3.1.1). A missing list is started afresh with a UIDVALIDITY
  // taken from the seconds of the oldest message's name (so a rebuilt list most likely
  // gets a new one, as §2.3.1.1 asks), or 1 for an empty folder.
  UidListing uids(std::string_view user, std::string_view folder) override;
  // Read back from the unique name: its leading seconds (maildir.html: "On the left is
  // the result of time()"), plus the milliseconds of our ".M<usec>" part when present;
  // for a name that does not start with digits (another program's), the file's
  // modification time. nullopt when there is no such message.
  std::optional<TimeMs> delivered_ms(std::string_view user, std::string_view folder,
                                     std::string_view id) const override;

  // root/<user>/Maildir for INBOX, root/<user>/Maildir/.<folder> for any other folder.
  std::filesystem::path folder_path(std::string_view user, std::string_view folder) const;

  // "<seconds>.M<usec>Q<n>.<host>" with "/" and ":" of the host escaped as the spec says.
  static std::string unique_name(TimeMs time_ms, std::uint64_t deliveries,
                                 std::string_view host_name);

 private:
  std::filesystem::path root_;
  std::string host_name_;
  // Atomic: real mode runs deliver() on several worker threads at once (mta.hpp,
  // MtaConfig::offload). Everything else deliver() touches is the filesystem, which the
  // Maildir design makes safe for concurrent deliveries (unique names, link into new/).
  std::atomic<std::uint64_t> deliveries_ = 0;
};

}  // namespace smtplab::mda
