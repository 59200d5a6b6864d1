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
  messages.push_back(Stored{result.id, std::string(content), time_ms});
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

}  // namespace smtplab::mda
