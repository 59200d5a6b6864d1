// tests/mda/delivery_time_test.cpp — MailStore::delivered_ms (IMAP INTERNALDATE's
// source) in both stores, and NotifyingStore (the IDLE wrapper).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mda/maildir_store.hpp"
#include "mda/mail_store.hpp"
#include "mda/notifying_store.hpp"

using namespace smtplab;
using namespace smtplab::mda;
namespace fs = std::filesystem;

namespace {

constexpr TimeMs epoch = 1'740'992'400'000;  // 2025-03-03T09:00:00Z

// A fresh directory under the system temporary directory, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("smtplab-mda-time-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("memory store: delivered_ms is the time given at delivery", "[mda][time]") {
  MemoryMailStore store;
  const StoreResult first = store.deliver("bob", "INBOX", "Subject: 1\r\n\r\nx\r\n", epoch + 1'234);
  const StoreResult second = store.deliver("bob", "Junk", "Subject: 2\r\n\r\ny\r\n", epoch + 60'000);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(store.delivered_ms("bob", "INBOX", first.id) == epoch + 1'234);
  CHECK(store.delivered_ms("bob", "Junk", second.id) == epoch + 60'000);
  // The wrong folder, an unknown id or user: no time, rather than a made-up one.
  CHECK_FALSE(store.delivered_ms("bob", "INBOX", second.id).has_value());
  CHECK_FALSE(store.delivered_ms("bob", "INBOX", "999").has_value());
  CHECK_FALSE(store.delivered_ms("carol", "INBOX", first.id).has_value());
  // A removed message has no delivery time any more.
  REQUIRE(store.remove("bob", "INBOX", first.id));
  CHECK_FALSE(store.delivered_ms("bob", "INBOX", first.id).has_value());
}

TEST_CASE("maildir store: delivered_ms read back from the unique name, to the millisecond", "[mda][time]") {
  TempDir tmp("name");
  MaildirStore store(tmp.path, "mx.b.example");
  const StoreResult r = store.deliver("bob", "INBOX", "Subject: t\r\n\r\nbody\r\n", epoch + 987);
  REQUIRE(r.ok());
  CHECK(store.delivered_ms("bob", "INBOX", r.id) == epoch + 987);
  // Flags move the file to cur/ with ":2,S": the time stays (it is in the id).
  REQUIRE(store.set_flags("bob", "INBOX", r.id, "S"));
  CHECK(store.delivered_ms("bob", "INBOX", r.id) == epoch + 987);
  // A second store over the same directory (a restart) reads the same time.
  MaildirStore again(tmp.path, "mx.b.example");
  CHECK(again.delivered_ms("bob", "INBOX", r.id) == epoch + 987);
  CHECK_FALSE(store.delivered_ms("bob", "INBOX", "1234.M000000Q000009.nowhere").has_value());
  CHECK_FALSE(store.delivered_ms("bob", "INBOX", "../../etc/passwd").has_value());
  CHECK_FALSE(store.delivered_ms("../x", "INBOX", r.id).has_value());
}

TEST_CASE("maildir store: a foreign name without leading seconds falls back to the file's mtime",
          "[mda][time]") {
  TempDir tmp("mtime");
  MaildirStore store(tmp.path, "mx.b.example");
  // Make the maildir, then drop in a message another program named its own way.
  REQUIRE(store.deliver("bob", "INBOX", "Subject: ours\r\n\r\n", epoch).ok());
  const fs::path foreign = tmp.path / "bob" / "Maildir" / "new" / "imported-message";
  std::ofstream(foreign) << "Subject: theirs\r\n\r\n";
  const auto when = std::chrono::sys_seconds{std::chrono::seconds{epoch / 1000 - 3600}};
  fs::last_write_time(foreign, std::chrono::file_clock::from_sys(when));
  CHECK(store.delivered_ms("bob", "INBOX", "imported-message") == epoch - 3'600'000);
  // Seconds that are not followed by '.' are not a Maildir time either.
  const fs::path digits = tmp.path / "bob" / "Maildir" / "new" / "12345";
  std::ofstream(digits) << "Subject: digits\r\n\r\n";
  fs::last_write_time(digits, std::chrono::file_clock::from_sys(when));
  CHECK(store.delivered_ms("bob", "INBOX", "12345") == epoch - 3'600'000);
  // A name of the spec's plain form "time.delivery.host" (no M part): whole seconds.
  const fs::path plain = tmp.path / "bob" / "Maildir" / "new" / "1700000000.P123Q4.other.host";
  std::ofstream(plain) << "Subject: plain\r\n\r\n";
  CHECK(store.delivered_ms("bob", "INBOX", "1700000000.P123Q4.other.host") == 1'700'000'000'000);
}

TEST_CASE("notifying store: observers hear of stored mail only, and forward every query", "[mda][notify]") {
  MemoryMailStore inner(2);
  NotifyingStore store(inner);
  std::vector<std::string> heard;
  const auto first = store.add_observer([&](const std::string& user, const std::string& folder) {
    heard.push_back("1:" + user + "/" + folder);
  });
  store.add_observer([&](const std::string& user, const std::string& folder) {
    heard.push_back("2:" + user + "/" + folder);
  });
  const StoreResult a = store.deliver("bob", "INBOX", "Subject: a\r\n\r\n", epoch + 5);
  REQUIRE(a.ok());
  CHECK(heard == std::vector<std::string>{"1:bob/INBOX", "2:bob/INBOX"});
  // A refused delivery (a bad name, a full store) is no news.
  CHECK_FALSE(store.deliver("../evil", "INBOX", "x", epoch).ok());
  CHECK(heard.size() == 2);
  store.remove_observer(first);
  REQUIRE(store.deliver("alice", "Junk", "Subject: b\r\n\r\n", epoch + 6).ok());
  CHECK(heard.back() == "2:alice/Junk");
  CHECK(heard.size() == 3);
  CHECK_FALSE(store.deliver("alice", "INBOX", "Subject: c\r\n\r\n", epoch).ok());  // full: 2 max
  CHECK(heard.size() == 3);
  // Everything else is the inner store's answer.
  CHECK(store.list("bob", "INBOX") == inner.list("bob", "INBOX"));
  CHECK(store.read("bob", "INBOX", a.id) == inner.read("bob", "INBOX", a.id));
  CHECK(store.delivered_ms("bob", "INBOX", a.id) == epoch + 5);
  REQUIRE(store.set_flags("bob", "INBOX", a.id, "SF"));
  CHECK(inner.flags("bob", "INBOX", a.id) == "FS");
  CHECK(store.uids("bob", "INBOX").messages.size() == 1);
  CHECK(store.remove("bob", "INBOX", a.id));
  CHECK(inner.count("bob", "INBOX") == 0);
}
