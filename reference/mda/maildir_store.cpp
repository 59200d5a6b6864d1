// mda/maildir_store.cpp — Maildir delivery (http://cr.yp.to/proto/maildir.html).
//
// The delivery steps, and why each matters:
// 1. Create tmp/<unique> exclusively (O_CREAT | O_EXCL): two deliveries can never write
//    into the same file, even if a name were reused.
// 2. Write the whole message and fsync(2) it: until the data is on disk, the message
//    must not become visible, or a crash would leave a truncated message in new/.
// 3. link(2) tmp/<unique> to new/<unique>, then unlink the tmp/ name. The spec's own
//    words: "each message is safely written to disk in the tmp subdirectory before it
//    is moved to new." link(2) (not rename) fails if new/<unique> exists, so an
//    existing message is never overwritten.
// 4. fsync the new/ directory, so that the directory entry survives a crash too; only
//    then is the delivery reported as done (and the SMTP server may say 250).
#include "mda/maildir_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <system_error>

namespace smtplab::mda {

namespace fs = std::filesystem;

namespace {

std::string errno_text(std::string_view what, const fs::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

// tmp/, new/ and cur/ (and, for a Maildir++ folder, the "maildirfolder" marker).
std::string ensure_maildir(const fs::path& dir, bool is_folder) {
  std::error_code ec;
  for (const char* sub : {"tmp", "new", "cur"}) {
    fs::create_directories(dir / sub, ec);
    if (ec) return "cannot create " + (dir / sub).string() + ": " + ec.message();
  }
  if (is_folder && !fs::exists(dir / "maildirfolder", ec)) {
    std::ofstream marker(dir / "maildirfolder");
    if (!marker) return "cannot create " + (dir / "maildirfolder").string();
  }
  return {};
}

std::string write_all_and_sync(int fd, std::string_view content, const fs::path& path) {
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_text("cannot write", path);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return errno_text("cannot fsync", path);
  return {};
}

std::string sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return errno_text("cannot open", dir);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? std::string() : errno_text("cannot fsync", dir);
}

// A file name in new/ is "<unique>", in cur/ "<unique>:2,<flags>"; the id is <unique>.
std::string id_of(const std::string& file_name) {
  return file_name.substr(0, file_name.find(':'));
}

// Whether a message with this unique name is already in new/ or (with ":2,flags" after
// it) in cur/. Our counter makes our own names unique; this catches names left by an
// earlier run that started its counter at the same time. Scanning cur/ costs one
// directory read per delivery: fine for a teaching mailbox, and the simulator uses
// MemoryMailStore anyway.
bool name_taken(const fs::path& dir, const std::string& name) {
  std::error_code ec;
  if (fs::exists(dir / "new" / name, ec)) return true;
  for (fs::directory_iterator it(dir / "cur", ec), end; !ec && it != end; it.increment(ec))
    if (id_of(it->path().filename().string()) == name) return true;
  return false;
}

}  // namespace

MaildirStore::MaildirStore(fs::path root, std::string host_name)
    : root_(std::move(root)), host_name_(std::move(host_name)) {}

fs::path MaildirStore::folder_path(std::string_view user, std::string_view folder) const {
  fs::path path = root_ / std::string(user) / "Maildir";
  if (folder != folder_inbox) path /= "." + std::string(folder);  // Maildir++ folder
  return path;
}

std::string MaildirStore::unique_name(TimeMs time_ms, std::uint64_t deliveries,
                                      std::string_view host_name) {
  // The spec: "On the left is the result of time() ... On the right is the result of
  // gethostname(). (To deal with invalid host names, replace / with \057 and : with
  // \072.) In the middle is a delivery identifier", here "M" + microseconds and "Q" +
  // the number of deliveries made by this store (the spec's Mn and Qn). The process
  // id (Pn) is left out on purpose: it would make names differ from run to run. The
  // digits are zero-padded so that names sort in delivery order.
  const TimeMs seconds = time_ms >= 0 ? time_ms / 1000 : (time_ms - 999) / 1000;
  const TimeMs usec = (time_ms - seconds * 1000) * 1000;
  char middle[64];
  std::snprintf(middle, sizeof middle, "%lld.M%06lldQ%06llu.", static_cast<long long>(seconds),
                static_cast<long long>(usec), static_cast<unsigned long long>(deliveries));
  std::string name = middle;
  for (char c : host_name) {
    if (c == '/') name += "\\057";
    else if (c == ':') name += "\\072";
    else name += c;
  }
  return name;
}

StoreResult MaildirStore::deliver(std::string_view user, std::string_view folder,
                                  std::string_view content, TimeMs time_ms) {
  StoreResult result;
  result.error = check_mailbox_name(user, folder);
  if (!result.ok()) return result;
  const fs::path dir = folder_path(user, folder);
  result.error = ensure_maildir(dir, folder != folder_inbox);
  if (!result.ok()) return result;

  for (int attempt = 0; attempt < maildir_name_attempts_max; ++attempt) {
    const std::string name = unique_name(time_ms, ++deliveries_, host_name_);
    const fs::path tmp = dir / "tmp" / name;
    const fs::path dest = dir / "new" / name;
    if (name_taken(dir, name)) continue;  // taken (an earlier run): next counter
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      result.error = errno_text("cannot create", tmp);
      return result;
    }
    std::string error = write_all_and_sync(fd, content, tmp);
    if (::close(fd) != 0 && error.empty()) error = errno_text("cannot close", tmp);
    if (error.empty() && ::link(tmp.c_str(), dest.c_str()) != 0) {
      const bool taken = errno == EEXIST;
      error = errno_text("cannot link into new/", dest);
      ::unlink(tmp.c_str());
      if (taken) continue;
      result.error = error;
      return result;
    }
    ::unlink(tmp.c_str());
    if (error.empty()) error = sync_directory(dir / "new");
    if (!error.empty()) {
      result.error = error;
      return result;
    }
    result.id = name;
    return result;
  }
  result.error = "no free unique name in " + dir.string() + " after " +
                 std::to_string(maildir_name_attempts_max) + " attempts";
  return result;
}

std::vector<std::string> MaildirStore::list(std::string_view user, std::string_view folder) const {
  std::vector<std::string> ids;
  if (!check_mailbox_name(user, folder).empty()) return ids;
  const fs::path dir = folder_path(user, folder);
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (fs::directory_iterator it(dir / sub, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string file = it->path().filename().string();
      if (!file.empty() && file.front() != '.') ids.push_back(id_of(file));
    }
  }
  // Directory order is the filesystem's, not ours: sort, so that the listing is
  // deterministic and (thanks to the zero-padded names) in delivery order.
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<std::string> MaildirStore::read(std::string_view user, std::string_view folder,
                                              std::string_view id) const {
  if (!check_mailbox_name(user, folder).empty() || id.empty() ||
      id.find('/') != std::string_view::npos || id.front() == '.')
    return std::nullopt;
  const fs::path dir = folder_path(user, folder);
  fs::path found;
  std::error_code ec;
  if (fs::exists(dir / "new" / std::string(id), ec)) {
    found = dir / "new" / std::string(id);
  } else {
    for (fs::directory_iterator it(dir / "cur", ec), end; !ec && it != end; it.increment(ec))
      if (id_of(it->path().filename().string()) == id) found = it->path();
  }
  if (found.empty()) return std::nullopt;
  std::ifstream in(found, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::size_t MaildirStore::count(std::string_view user, std::string_view folder) const {
  return list(user, folder).size();
}

namespace {

// Drops `id` from the folder's smtplab-uidlist (see uids()), so that should a later
// delivery reuse the same unique name, it gets a new UID rather than the removed
// message's (RFC 3501 §2.3.1.1: a UID is never reused within one UIDVALIDITY).
void forget_uid(const fs::path& dir, std::string_view id) {
  const fs::path list_path = dir / "smtplab-uidlist";
  std::ifstream in(list_path);
  if (!in) return;
  std::string text, line;
  bool first = true;
  while (std::getline(in, line)) {
    const std::size_t space = line.find(' ');
    if (!first && space != std::string::npos && std::string_view(line).substr(space + 1) == id) continue;
    text += line + "\n";
    first = false;
  }
  in.close();
  const fs::path tmp_path = dir / "smtplab-uidlist.tmp";
  {
    std::ofstream out(tmp_path, std::ios::trunc);
    out << text;
  }
  std::error_code ec;
  fs::rename(tmp_path, list_path, ec);
}

}  // namespace

bool MaildirStore::remove(std::string_view user, std::string_view folder, std::string_view id) {
  // The same name checks as read(): an id is a file name, never a path.
  if (!check_mailbox_name(user, folder).empty() || id.empty() ||
      id.find('/') != std::string_view::npos || id.front() == '.')
    return false;
  const fs::path dir = folder_path(user, folder);
  std::error_code ec;
  fs::path found = dir / "new" / std::string(id);
  if (!fs::exists(found, ec)) {
    found.clear();
    for (fs::directory_iterator it(dir / "cur", ec), end; !ec && it != end; it.increment(ec))
      if (id_of(it->path().filename().string()) == id) found = it->path();
  }
  if (found.empty() || !fs::remove(found, ec)) return false;
  forget_uid(dir, id);
  return true;
}

namespace {

// The file of `id` in new/ or cur/, or an empty path.
fs::path find_file(const fs::path& dir, std::string_view id) {
  std::error_code ec;
  if (fs::exists(dir / "new" / std::string(id), ec)) return dir / "new" / std::string(id);
  for (fs::directory_iterator it(dir / "cur", ec), end; !ec && it != end; it.increment(ec))
    if (id_of(it->path().filename().string()) == id) return it->path();
  return {};
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.find('/') == std::string_view::npos && id.front() != '.';
}

}  // namespace

std::string MaildirStore::flags(std::string_view user, std::string_view folder, std::string_view id) const {
  if (!check_mailbox_name(user, folder).empty() || !valid_id(id)) return {};
  const std::string name = find_file(folder_path(user, folder), id).filename().string();
  // maildir.html: "info starting with "2,": Each character after the comma is an
  // independent flag."
  const std::size_t info = name.find(":2,");
  return info == std::string::npos ? std::string() : normalize_flags(std::string_view(name).substr(info + 3));
}

bool MaildirStore::set_flags(std::string_view user, std::string_view folder, std::string_view id,
                             std::string_view letters) {
  if (!check_mailbox_name(user, folder).empty() || !valid_id(id)) return false;
  const fs::path dir = folder_path(user, folder);
  const fs::path from = find_file(dir, id);
  if (from.empty()) return false;
  const fs::path to = dir / "cur" / (std::string(id) + ":2," + normalize_flags(letters));
  if (from == to) return true;
  std::error_code ec;
  fs::rename(from, to, ec);
  return !ec;
}

UidListing MaildirStore::uids(std::string_view user, std::string_view folder) {
  UidListing listing;
  if (!check_mailbox_name(user, folder).empty()) return listing;
  const fs::path dir = folder_path(user, folder);
  const fs::path list_path = dir / "smtplab-uidlist";
  const std::vector<std::string> ids = list(user, folder);  // sorted: delivery order
  std::map<std::string, std::uint32_t, std::less<>> known;
  std::uint32_t next_uid = 1;
  bool have_list = false;
  {
    std::ifstream in(list_path);
    std::string first;
    if (in && std::getline(in, first) && std::sscanf(first.c_str(), "V%u N%u", &listing.uid_validity, &next_uid) == 2) {
      have_list = true;
      std::string line;
      while (std::getline(in, line)) {
        const std::size_t space = line.find(' ');
        if (space == std::string::npos) continue;
        known[line.substr(space + 1)] = static_cast<std::uint32_t>(std::stoul(line.substr(0, space)));
      }
    }
  }
  if (!have_list) {
    listing.uid_validity = ids.empty() ? 1 : static_cast<std::uint32_t>(std::strtoul(ids.front().c_str(), nullptr, 10));
    if (listing.uid_validity == 0) listing.uid_validity = 1;
    next_uid = 1;
  }
  bool changed = !have_list || known.size() != ids.size();
  for (const std::string& id : ids) {
    auto it = known.find(id);
    if (it != known.end()) {
      listing.messages.emplace_back(it->second, id);
      continue;
    }
    listing.messages.emplace_back(next_uid++, id);  // a new arrival: the next UID
    changed = true;
  }
  // Delivery order and UID order agree for our own names; for foreign names they might
  // not, and RFC 3501 §2.3.1.1 wants ascending UIDs in mailbox order: sort by UID.
  std::sort(listing.messages.begin(), listing.messages.end());
  listing.uid_next = next_uid;
  if (changed) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    const fs::path tmp_path = dir / "smtplab-uidlist.tmp";
    {
      std::ofstream out(tmp_path, std::ios::trunc);
      out << 'V' << listing.uid_validity << " N" << next_uid << '\n';
      for (const auto& [uid, id] : listing.messages) out << uid << ' ' << id << '\n';
    }
    fs::rename(tmp_path, list_path, ec);
  }
  return listing;
}

namespace {

// The digits of `text` from `pos` up to `count_max` of them, as a number; nullopt when
// there are none or more than count_max (too many for a time we could have written).
std::optional<TimeMs> leading_number(std::string_view text, std::size_t pos, std::size_t count_max,
                                     std::size_t* end) {
  std::size_t i = pos;
  TimeMs value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (i - pos == count_max) return std::nullopt;
    value = value * 10 + (text[i] - '0');
    ++i;
  }
  if (i == pos) return std::nullopt;
  *end = i;
  return value;
}

// Our choice: up to 12 digits of seconds (the year 33658) and maildir.html's "M"
// microseconds (6 digits): more is not a time but a foreign name.
inline constexpr std::size_t name_seconds_digits_max = 12;
inline constexpr std::size_t name_usec_digits = 6;

}  // namespace

std::optional<TimeMs> MaildirStore::delivered_ms(std::string_view user, std::string_view folder,
                                                 std::string_view id) const {
  if (!check_mailbox_name(user, folder).empty() || !valid_id(id)) return std::nullopt;
  const fs::path file = find_file(folder_path(user, folder), id);
  if (file.empty()) return std::nullopt;
  // maildir.html: a unique name is "time.delivery-id.host", time first. Ours add the
  // microseconds as "M<usec>" in the delivery id (unique_name above).
  std::size_t end = 0;
  if (const auto seconds = leading_number(id, 0, name_seconds_digits_max, &end);
      seconds && end < id.size() && id[end] == '.') {
    TimeMs ms = *seconds * 1000;
    std::size_t usec_end = 0;
    if (end + 1 < id.size() && id[end + 1] == 'M') {
      const auto usec = leading_number(id, end + 2, name_usec_digits, &usec_end);
      if (usec && usec_end - (end + 2) == name_usec_digits) ms += *usec / 1000;
    }
    return ms;
  }
  // A foreign name: the file's modification time is the best witness of its arrival.
  std::error_code ec;
  const fs::file_time_type written = fs::last_write_time(file, ec);
  if (ec) return std::nullopt;
  const auto system = std::chrono::file_clock::to_sys(written);
  return std::chrono::duration_cast<std::chrono::milliseconds>(system.time_since_epoch()).count();
}

}  // namespace smtplab::mda
