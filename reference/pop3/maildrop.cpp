// pop3/maildrop.cpp — the session's snapshot of the maildrop and the wire form of
// messages (see maildrop.hpp).
#include "pop3/maildrop.hpp"

#include <cstdint>
#include <stdexcept>

namespace smtplab::pop3 {

Maildrop Maildrop::open(const mda::MailStore& store, std::string_view user, std::string_view folder) {
  Maildrop drop;
  drop.user_ = std::string(user);
  drop.folder_ = std::string(folder);
  for (const std::string& id : store.list(user, folder)) {
    if (drop.messages_.size() >= maildrop_messages_max) break;
    std::optional<std::string> content = store.read(user, folder, id);
    if (!content) continue;  // removed between list and read: not part of this snapshot
    MaildropMessage message;
    message.id = id;
    message.unique_id = unique_id_of(id);
    message.octets = wire_message(*content).size();
    drop.messages_.push_back(std::move(message));
  }
  return drop;
}

const MaildropMessage* Maildrop::find(std::size_t number) const {
  if (!exists(number) || messages_[number - 1].deleted) return nullptr;
  return &messages_[number - 1];
}

void Maildrop::mark_deleted(std::size_t number) {
  if (find(number) == nullptr) throw std::logic_error("Maildrop::mark_deleted: check first");
  messages_[number - 1].deleted = true;
}

void Maildrop::reset() {
  for (MaildropMessage& message : messages_) message.deleted = false;
}

std::size_t Maildrop::undeleted_count() const {
  std::size_t n = 0;
  for (const MaildropMessage& message : messages_) n += message.deleted ? 0 : 1;
  return n;
}

std::size_t Maildrop::undeleted_octets() const {
  std::size_t n = 0;
  for (const MaildropMessage& message : messages_) n += message.deleted ? 0 : message.octets;
  return n;
}

std::size_t Maildrop::deleted_count() const { return messages_.size() - undeleted_count(); }

bool Maildrop::commit(mda::MailStore& store) const {
  bool all = true;
  for (const MaildropMessage& message : messages_)
    if (message.deleted && !store.remove(user_, folder_, message.id)) all = false;
  return all;
}

std::string wire_message(std::string_view content) {
  std::string out;
  out.reserve(content.size() + content.size() / 32 + 2);
  for (std::size_t i = 0; i < content.size(); ++i) {
    const char c = content[i];
    if (c == '\n' && (i == 0 || content[i - 1] != '\r')) out += '\r';
    out += c;
  }
  if (!out.empty() && (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0)) out += "\r\n";
  return out;
}

std::string top_of(std::string_view content, std::size_t body_lines) {
  const std::string wire = wire_message(content);
  // The header ends at the first empty line (RFC 5322 §2.1); a message without one is
  // all header.
  std::size_t end = wire.find("\r\n\r\n");
  if (end == std::string::npos) return wire;
  end += 4;
  for (std::size_t n = 0; n < body_lines && end < wire.size(); ++n) {
    const std::size_t eol = wire.find("\r\n", end);
    end = eol == std::string::npos ? wire.size() : eol + 2;
  }
  return wire.substr(0, end);
}

std::string multi_line(std::string_view text) {
  // RFC 1939 §3: "If any line begins with the termination octet, the line is
  // "byte-stuffed" by pre-pending the termination octet to that line of the response."
  std::string out;
  out.reserve(text.size() + 8);
  bool line_start = true;
  for (char c : text) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  out += ".\r\n";
  return out;
}

std::string unique_id_of(std::string_view id) {
  bool valid = !id.empty() && id.size() <= unique_id_length_max;
  for (char c : id) valid = valid && c >= 0x21 && c <= 0x7e;
  if (valid) return std::string(id);
  // FNV-1a 64: a fixed, portable digest (std::hash differs between libraries, and the
  // unique-id must stay the same across runs and builds).
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (char c : id) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out = "h";
  for (int shift = 60; shift >= 0; shift -= 4) out += digits[(hash >> shift) & 0xf];
  return out;
}

}  // namespace smtplab::pop3
