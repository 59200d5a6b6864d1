// mda/notifying_store.cpp — see notifying_store.hpp.
#include "mda/notifying_store.hpp"

#include <algorithm>

namespace smtplab::mda {

std::uint64_t NotifyingStore::add_observer(Observer observer) {
  observers_.emplace_back(next_observer_, std::move(observer));
  return next_observer_++;
}

void NotifyingStore::remove_observer(std::uint64_t id) {
  std::erase_if(observers_, [id](const auto& entry) { return entry.first == id; });
}

StoreResult NotifyingStore::deliver(std::string_view user, std::string_view folder, std::string_view content,
                                    TimeMs time_ms) {
  StoreResult result = inner_.deliver(user, folder, content, time_ms);
  // Only a stored message is news: a refused delivery changes no mailbox.
  if (!result.ok()) return result;
  // A copy: an observer may add or remove observers while we call them.
  const auto observers = observers_;
  for (const auto& [id, observer] : observers) observer(std::string(user), std::string(folder));
  return result;
}

}  // namespace smtplab::mda
