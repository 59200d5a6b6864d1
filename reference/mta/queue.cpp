// mta/queue.cpp — the in-memory queue store.
#include "mta/queue.hpp"

#include <algorithm>

namespace smtplab::mta {

std::string_view to_string(RecipientStatus status) {
  switch (status) {
    case RecipientStatus::Pending: return "pending";
    case RecipientStatus::Delivered: return "delivered";
    case RecipientStatus::Failed: return "failed";
  }
  return "unknown";
}

bool QueuedMessage::finished() const {
  return std::none_of(recipients.begin(), recipients.end(),
                      [](const QueuedRecipient& r) { return r.status == RecipientStatus::Pending; });
}

MemoryQueue::MemoryQueue(std::size_t messages_max) : messages_max_(messages_max) {}

bool MemoryQueue::commit(const QueuedMessage& message) {
  if (messages_.size() >= messages_max_) return false;
  messages_[message.id] = {next_order_++, message};
  return true;
}

void MemoryQueue::update(const QueuedMessage& message) {
  auto it = messages_.find(message.id);
  if (it != messages_.end()) it->second.second = message;
}

void MemoryQueue::remove(const std::string& id) { messages_.erase(id); }

QueuedMessage* MemoryQueue::find(const std::string& id) {
  auto it = messages_.find(id);
  return it == messages_.end() ? nullptr : &it->second.second;
}

std::vector<std::string> MemoryQueue::ids() const {
  std::vector<std::pair<std::uint64_t, std::string>> order;
  order.reserve(messages_.size());
  for (const auto& [id, entry] : messages_) order.emplace_back(entry.first, id);
  std::sort(order.begin(), order.end());
  std::vector<std::string> out;
  out.reserve(order.size());
  for (auto& [n, id] : order) out.push_back(std::move(id));
  return out;
}

}  // namespace smtplab::mta
