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
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
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

}  // namespace smtplab::mda
