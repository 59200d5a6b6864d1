// mta/directory_queue.cpp — the queue as fsynced files: write, fsync, rename, fsync the
// directory; load what is there at start. See directory_queue.hpp for the format.
//
// Standards: RFC 5321 §4.1.1.4 and §6.1 (the message is durable before 250).
#include "mta/directory_queue.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <memory>
#include <sstream>
#include <tuple>

#include <fcntl.h>
#include <unistd.h>

namespace smtplab::mta {

namespace fs = std::filesystem;

namespace {

// A queue id becomes a file name: only letters, digits, '-' and '_' are allowed, so an
// id can never name a path outside the queue directory.
bool is_safe_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// One line of the envelope must stay one line: a CR or LF in a result text (a foreign
// server's reply) becomes a space.
std::string one_line(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\r' || c == '\n') c = ' ';
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<RecipientStatus> parse_status(std::string_view text) {
  for (auto status : {RecipientStatus::Pending, RecipientStatus::Delivered, RecipientStatus::Failed})
    if (to_string(status) == text) return status;
  return std::nullopt;
}

// fsync(2) on a path (a file or a directory). Returns false on any failure.
bool fsync_path(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// The durable write. A free function of the directory and the message only, so that a
// worker thread can run it while the event loop goes on: it touches no member.
bool write_durably(const fs::path& directory, const QueuedMessage& message) {
  if (!is_safe_id(message.id)) return false;
  const fs::path tmp = directory / "tmp" / message.id;
  const fs::path final_path = directory / "msg" / message.id;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  // 1. write the whole file, 2. fsync it: its bytes are on disk.
  bool ok = write_all(fd, encode_queue_file(message)) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  // 3. rename into msg/: atomic, so msg/ only ever holds complete files.
  if (ok) ok = ::rename(tmp.c_str(), final_path.c_str()) == 0;
  // 4. fsync msg/: the directory entry (the rename) is on disk too.
  if (ok) ok = fsync_path(directory / "msg", true);
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

}  // namespace

std::string encode_queue_file(const QueuedMessage& message) {
  std::string out;
  out += queue_file_magic;
  out += "\nid " + message.id;
  out += "\nreverse-path " + one_line(message.reverse_path);
  out += "\narrived-ms " + std::to_string(message.arrived_ms);
  out += "\nnext-attempt-ms " + std::to_string(message.next_attempt_ms);
  if (!message.folder.empty()) out += "\nfolder " + one_line(message.folder);
  for (const auto& r : message.recipients) {
    out += "\nrcpt " + std::string(to_string(r.status)) + " " + std::to_string(r.attempts) + " " +
           one_line(r.address);
    out += "\nresult " + one_line(r.last_result);
  }
  out += "\n\n";
  out += message.content;
  return out;
}

std::optional<QueuedMessage> decode_queue_file(std::string_view text) {
  QueuedMessage message;
  auto next_line = [&text]() -> std::optional<std::string_view> {
    const auto eol = text.find('\n');
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    return line;
  };
  auto first = next_line();
  if (!first || *first != queue_file_magic) return std::nullopt;
  bool have_id = false;
  for (;;) {
    auto line = next_line();
    if (!line) return std::nullopt;  // no empty line before the content
    if (line->empty()) break;
    const auto space = line->find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    const std::string_view key = line->substr(0, space);
    const std::string_view value = line->substr(space + 1);
    if (key == "id") {
      if (!is_safe_id(value)) return std::nullopt;
      message.id = value;
      have_id = true;
    } else if (key == "reverse-path") {
      message.reverse_path = value;
    } else if (key == "folder") {
      message.folder = value;
    } else if (key == "arrived-ms" || key == "next-attempt-ms") {
      auto n = parse_int(value);
      if (!n) return std::nullopt;
      (key == "arrived-ms" ? message.arrived_ms : message.next_attempt_ms) = *n;
    } else if (key == "rcpt") {
      // "<status> <attempts> <address>"
      const auto s1 = value.find(' ');
      const auto s2 = s1 == std::string_view::npos ? s1 : value.find(' ', s1 + 1);
      if (s2 == std::string_view::npos) return std::nullopt;
      auto status = parse_status(value.substr(0, s1));
      auto attempts = parse_int(value.substr(s1 + 1, s2 - s1 - 1));
      if (!status || !attempts || *attempts < 0) return std::nullopt;
      QueuedRecipient r;
      r.status = *status;
      r.attempts = static_cast<int>(*attempts);
      r.address = value.substr(s2 + 1);
      message.recipients.push_back(std::move(r));
    } else if (key == "result") {
      if (message.recipients.empty()) return std::nullopt;
      message.recipients.back().last_result = value;
    } else {
      return std::nullopt;  // an unknown key: a newer format or a damaged file
    }
  }
  if (!have_id || message.recipients.empty()) return std::nullopt;
  message.content = text;
  return message;
}

DirectoryQueue::DirectoryQueue(fs::path directory, std::size_t messages_max)
    : directory_(std::move(directory)), messages_max_(messages_max) {
  fs::create_directories(directory_ / "msg");
  fs::create_directories(directory_ / "tmp");
  load();
}

void DirectoryQueue::load() {
  // Leftovers in tmp/ are commits that never finished: no 250 was sent for them, so the
  // client still holds the message and will retry. They are deleted.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory_ / "tmp", ec)) fs::remove(entry.path(), ec);

  std::vector<QueuedMessage> found;
  for (const auto& entry : fs::directory_iterator(directory_ / "msg", ec)) {
    if (!entry.is_regular_file()) continue;
    std::optional<QueuedMessage> message;
    if (entry.file_size(ec) <= queue_file_size_max) {
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      message = decode_queue_file(text.str());
      if (message && message->id != entry.path().filename().string()) message.reset();
    }
    if (!message) {
      // Kept for a human to look at, out of the way of the MTA.
      fs::create_directories(directory_ / "corrupt", ec);
      fs::rename(entry.path(), directory_ / "corrupt" / entry.path().filename(), ec);
      ++corrupt_;
      continue;
    }
    found.push_back(std::move(*message));
  }
  // Commit order is the arrival order (the id breaks ties), so recovery is deterministic.
  std::sort(found.begin(), found.end(), [](const QueuedMessage& a, const QueuedMessage& b) {
    return std::tie(a.arrived_ms, a.id) < std::tie(b.arrived_ms, b.id);
  });
  for (auto& message : found) {
    message.in_flight = false;  // whatever attempt was running died with the process
    std::string id = message.id;
    messages_[id] = {next_order_++, std::move(message)};
  }
  recovered_ = messages_.size();
}

bool DirectoryQueue::admissible(const QueuedMessage& message) const {
  if (messages_.size() + committing_.size() >= messages_max_) return false;
  // Ids are unique; never overwrite, not even a file a worker is still writing.
  return is_safe_id(message.id) && messages_.count(message.id) == 0 && committing_.count(message.id) == 0;
}

bool DirectoryQueue::commit(const QueuedMessage& message) {
  if (!admissible(message)) return false;
  // A full disk or an I/O error makes this false, and the MTA answers 452 4.3.1: the
  // client keeps the message (RFC 5321 §4.2.3), which is exactly right.
  if (!write_durably(directory_, message)) return false;
  messages_[message.id] = {next_order_++, message};
  return true;
}

void DirectoryQueue::commit_async(const QueuedMessage& message, std::function<void(bool)> done) {
  if (!offload_) return done(commit(message));
  if (!admissible(message)) return done(false);
  committing_.insert(message.id);
  // The worker gets its own copy of the message and of the directory's path; the result
  // comes back through `ok`, read only after the worker finished (the Offload's `then`
  // runs after `work` returned, on the host's thread).
  auto copy = std::make_shared<QueuedMessage>(message);
  auto ok = std::make_shared<bool>(false);
  offload_([directory = directory_, copy, ok] { *ok = write_durably(directory, *copy); },
           [this, copy, ok, done = std::move(done)] {
             committing_.erase(copy->id);
             // RFC 5321 §4.1.1.4: only now, with the file and its rename on disk, may
             // the MTA say 250; the in-memory copy appears at the same moment.
             // (The id is copied first: the right side of `=` is evaluated first, C++17.)
             const std::string id = copy->id;
             if (*ok) messages_[id] = {next_order_++, std::move(*copy)};
             done(*ok);
           });
}

void DirectoryQueue::update(const QueuedMessage& message) {
  auto it = messages_.find(message.id);
  if (it == messages_.end()) return;
  it->second.second = message;
  // If this write fails the old file stays: after a crash a recipient may be tried
  // again, a duplicate rather than a loss (RFC 5321 §6.1 prefers that side).
  write_durably(directory_, message);
}

void DirectoryQueue::remove(const std::string& id_ref) {
  // A copy: the caller's id usually lives inside the message that erase() destroys.
  const std::string id = id_ref;
  if (messages_.erase(id) == 0 || !is_safe_id(id)) return;
  std::error_code ec;
  // No fsync of msg/ here, unlike commit(): if a crash undoes this unlink, the message
  // is delivered again after the restart, a duplicate rather than a loss, which RFC 5321
  // §6.1 accepts ("MUST NOT lose the message"; nothing forbids a second copy). Postfix
  // does not sync its deletions either. The next commit's fsync of msg/ makes this unlink
  // durable as a side effect. Under the smtp-source benchmark this is one fsync less per
  // message, on the one thread that also answers every client (docs/real-mode.md).
  fs::remove(directory_ / "msg" / id, ec);
}

QueuedMessage* DirectoryQueue::find(const std::string& id) {
  auto it = messages_.find(id);
  return it == messages_.end() ? nullptr : &it->second.second;
}

std::vector<std::string> DirectoryQueue::ids() const {
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
