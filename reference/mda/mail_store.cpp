// mda/mail_store.cpp — mailbox name rules and the in-memory mail store.
#include "mda/mail_store.hpp"

#include <algorithm>

namespace smtplab::mda {

namespace {
bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::string key_of(std::string_view user, std::string_view folder) {
  std::string key(user);
  key += '/';
  key += folder;
  return key;
}
}  // namespace

std::string check_mailbox_name(std::string_view user, std::string_view folder) {
  if (user.empty() || user.size() > user_length_max)
    return "a user name has 1 to 64 characters (RFC 5321 §4.5.3.1.1)";
  // No '/', no leading '.', nothing outside a small safe set: the name becomes a
  // directory in MaildirStore, and "../x" must never reach the filesystem.
  if (user.front() == '.')
    return "a user name may not start with '.'";
  for (char c : user)
    if (!is_alnum(c) && c != '.' && c != '_' && c != '+' && c != '-')
      return "a user name may only use letters, digits and . _ + -";
  if (folder.empty() || folder.size() > folder_length_max)
    return "a folder name has 1 to 64 characters";
  for (char c : folder)
    if (!is_alnum(c) && c != '_' && c != '-')
      return "a folder name may only use letters, digits, _ and -";
  return {};
}

StoreResult MemoryMailStore::deliver(std::string_view user, std::string_view folder,
                                     std::string_view content, TimeMs time_ms) {
  StoreResult result;
  result.error = check_mailbox_name(user, folder);
  if (!result.ok()) return result;
  if (total_ >= messages_max_) {
    result.error = "the mail store is full (" + std::to_string(messages_max_) + " messages)";
    return result;
  }
  auto& messages = folders_[key_of(user, folder)];
  result.id = std::to_string(next_id_++);
  messages.push_back(Stored{result.id, std::string(content), time_ms, {}});
  ++total_;
  return result;
}

std::vector<std::string> MemoryMailStore::list(std::string_view user, std::string_view folder) const {
  std::vector<std::string> ids;
  auto it = folders_.find(key_of(user, folder));
  if (it == folders_.end()) return ids;
  for (const auto& m : it->second) ids.push_back(m.id);
  return ids;
}

std::optional<std::string> MemoryMailStore::read(std::string_view user, std::string_view folder,
                                                 std::string_view id) const {
  auto it = folders_.find(key_of(user, folder));
  if (it == folders_.end()) return std::nullopt;
  for (const auto& m : it->second)
    if (m.id == id) return m.content;
  return std::nullopt;
}

std::size_t MemoryMailStore::count(std::string_view user, std::string_view folder) const {
  auto it = folders_.find(key_of(user, folder));
  return it == folders_.end() ? 0 : it->second.size();
}

bool MailStore::remove(std::string_view, std::string_view, std::string_view) { return false; }

std::string normalize_flags(std::string_view letters) {
  std::string out;
  for (char c : flag_letters)
    if (letters.find(c) != std::string_view::npos) out += c;
  return out;
}

std::string MailStore::flags(std::string_view, std::string_view, std::string_view) const { return {}; }

bool MailStore::set_flags(std::string_view, std::string_view, std::string_view, std::string_view) { return false; }

UidListing MailStore::uids(std::string_view user, std::string_view folder) {
  UidListing listing;
  std::uint32_t uid = 1;
  for (std::string& id : list(user, folder)) listing.messages.emplace_back(uid++, std::move(id));
  listing.uid_next = uid;
  return listing;
}

std::string MemoryMailStore::flags(std::string_view user, std::string_view folder, std::string_view id) const {
  auto it = folders_.find(key_of(user, folder));
  if (it == folders_.end()) return {};
  for (const auto& m : it->second)
    if (m.id == id) return m.flags;
  return {};
}

bool MemoryMailStore::set_flags(std::string_view user, std::string_view folder, std::string_view id,
                                std::string_view letters) {
  auto it = folders_.find(key_of(user, folder));
  if (it == folders_.end()) return false;
  for (auto& m : it->second)
    if (m.id == id) {
      m.flags = normalize_flags(letters);
      return true;
    }
  return false;
}

std::optional<TimeMs> MailStore::delivered_ms(std::string_view, std::string_view, std::string_view) const {
  return std::nullopt;
}

std::optional<TimeMs> MemoryMailStore::delivered_ms(std::string_view user, std::string_view folder,
                                                    std::string_view id) const {
  auto it = folders_.find(key_of(user, folder));
  if (it == folders_.end()) return std::nullopt;
  for (const auto& m : it->second)
    if (m.id == id) return m.time_ms;
  return std::nullopt;
}

UidListing MemoryMailStore::uids(std::string_view user, std::string_view folder) {
  UidListing listing;
  // Ids come from one counter for the whole store, so the next id is the next UID.
  listing.uid_next = static_cast<std::uint32_t>(next_id_);
  auto it = folders_.find(key_of(user, folder));
  if (it == folders_.end()) return listing;
  for (const auto& m : it->second)
    listing.messages.emplace_back(static_cast<std::uint32_t>(std::stoul(m.id)), m.id);
  return listing;
}

bool MemoryMailStore::remove(std::string_view user, std::string_view folder, std::string_view id) {
  auto it = folders_.find(key_of(user, folder));
  if (it == folders_.end()) return false;
  auto& messages = it->second;
  auto found = std::find_if(messages.begin(), messages.end(), [&](const Stored& m) { return m.id == id; });
  if (found == messages.end()) return false;
  messages.erase(found);
  --total_;
  return true;
}

}  // namespace smtplab::mda
