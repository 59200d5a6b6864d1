// tests/mda/mda_test.cpp — mail stores (memory and a real Maildir in a temporary
// directory) and the MDA's final delivery.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include "mda/maildir_store.hpp"
#include "mda/mail_store.hpp"
#include "mda/mda.hpp"
#include "message/header.hpp"

using namespace smtplab;
using namespace smtplab::mda;
namespace fs = std::filesystem;

namespace {

constexpr TimeMs epoch = 1'740'992'400'000;  // 2025-03-03T09:00:00Z

// The smallest Host that records what is emitted: the MDA only needs a clock, a name
// and emit(). (tests/mda links smtplab::mda only, not the simulator.)
class RecordingHost final : public Host {
 public:
  class FixedClock final : public Clock {
   public:
    TimeMs now_ms() const override { return now; }
    TimeMs now = epoch;
  };
  const std::string& name() const override { return name_; }
  const std::string& address() const override { return address_; }
  void listen(std::uint16_t, StreamHandlerFactory) override {}
  void connect(const Endpoint&, std::unique_ptr<StreamHandler>) override {}
  void bind_datagram(std::uint16_t, DatagramHandler) override {}
  void send_datagram(std::uint16_t, const Endpoint&, std::string_view) override {}
  TimerId schedule(TimeMs, std::function<void()>) override { return 0; }
  void cancel(TimerId) override {}
  const Clock& clock() const override { return clock_; }
  Random& random() override { return random_; }
  void emit(Event event, std::string_view dst, std::uint64_t conn, std::string_view src) override {
    TraceEvent e;
    static_cast<Event&>(e) = std::move(event);
    e.src = src.empty() ? name_ : std::string(src);
    e.dst = dst.empty() ? name_ : std::string(dst);
    e.conn = conn;
    e.time_ms = clock_.now;
    events.push_back(std::move(e));
  }
  std::vector<TraceEvent> events;
  FixedClock clock_;

 private:
  std::string name_ = "mx.b.example";
  std::string address_ = "198.51.100.25";
  SeededRandom random_{1};
};

// A fresh directory under the system temporary directory, removed at the end.
struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& tag) {
    path = fs::temp_directory_path() / ("smtplab-mda-" + tag + "-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++n;
  return n;
}

}  // namespace

TEST_CASE("mailbox names: path traversal and junk are refused", "[mda]") {
  CHECK(check_mailbox_name("bob", "INBOX").empty());
  CHECK(check_mailbox_name("bob.smith+tag", "Junk").empty());
  CHECK_FALSE(check_mailbox_name("", "INBOX").empty());
  CHECK_FALSE(check_mailbox_name("../etc", "INBOX").empty());
  CHECK_FALSE(check_mailbox_name("..", "INBOX").empty());
  CHECK_FALSE(check_mailbox_name("a/b", "INBOX").empty());
  CHECK_FALSE(check_mailbox_name(std::string(65, 'a'), "INBOX").empty());
  CHECK_FALSE(check_mailbox_name("bob", "../x").empty());
  CHECK_FALSE(check_mailbox_name("bob", ".Junk").empty());
  CHECK_FALSE(check_mailbox_name("bob", "").empty());
}

TEST_CASE("memory store: deliver, list in order, read, count, limit", "[mda]") {
  MemoryMailStore store(3);
  const StoreResult a = store.deliver("bob", "INBOX", "one", epoch);
  const StoreResult b = store.deliver("bob", "INBOX", "two", epoch);
  const StoreResult j = store.deliver("bob", "Junk", "spam", epoch);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(j.ok());
  CHECK(a.id != b.id);
  CHECK(store.list("bob", "INBOX") == std::vector<std::string>{a.id, b.id});
  CHECK(store.count("bob", "INBOX") == 2);
  CHECK(store.count("bob", "Junk") == 1);
  CHECK(store.count("alice", "INBOX") == 0);
  CHECK(store.read("bob", "INBOX", b.id) == std::optional<std::string>("two"));
  CHECK_FALSE(store.read("bob", "INBOX", j.id).has_value());  // in another folder
  CHECK_FALSE(store.read("nobody", "INBOX", a.id).has_value());
  const StoreResult full = store.deliver("bob", "INBOX", "three", epoch);
  CHECK_FALSE(full.ok());
  CHECK(full.error.find("full") != std::string::npos);
  CHECK_FALSE(store.deliver("../x", "INBOX", "evil", epoch).ok());
  CHECK(store.total() == 3);
}

TEST_CASE("maildir store: tmp/new/cur, unique names, Junk as .Junk, content intact", "[mda]") {
  TempDir tmp("maildir");
  MaildirStore store(tmp.path, "mx.b.example");
  std::string binary = "Subject: x\r\n\r\n";
  for (int i = 0; i < 256; ++i) binary += static_cast<char>(i);
  const StoreResult a = store.deliver("bob", "INBOX", binary, epoch + 1234);
  const StoreResult b = store.deliver("bob", "INBOX", "second", epoch + 1234);
  const StoreResult j = store.deliver("bob", "Junk", "spam", epoch + 2000);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  REQUIRE(j.ok());
  CHECK(a.id == "1740992401.M234000Q000001.mx.b.example");
  CHECK(b.id == "1740992401.M234000Q000002.mx.b.example");
  const fs::path inbox = tmp.path / "bob" / "Maildir";
  CHECK(fs::is_regular_file(inbox / "new" / a.id));
  CHECK(fs::is_directory(inbox / "cur"));
  CHECK(files_in(inbox / "tmp") == 0);  // nothing left behind in tmp/
  CHECK(fs::is_regular_file(inbox / ".Junk" / "new" / j.id));
  CHECK(fs::is_regular_file(inbox / ".Junk" / "maildirfolder"));
  CHECK(store.read("bob", "INBOX", a.id) == std::optional<std::string>(binary));
  CHECK(store.list("bob", "INBOX") == std::vector<std::string>{a.id, b.id});
  CHECK(store.count("bob", "Junk") == 1);
  CHECK(store.count("bob", "INBOX") == 2);

  // A reader moved one to cur/ with flags: still listed and readable by its id.
  fs::rename(inbox / "new" / b.id, inbox / "cur" / (b.id + ":2,S"));
  CHECK(store.list("bob", "INBOX") == std::vector<std::string>{a.id, b.id});
  CHECK(store.read("bob", "INBOX", b.id) == std::optional<std::string>("second"));
  CHECK_FALSE(store.read("bob", "INBOX", "../../etc/passwd").has_value());

  // A second store (another run) with the same time and host: names are taken, so the
  // counter moves on instead of overwriting.
  MaildirStore again(tmp.path, "mx.b.example");
  const StoreResult c = again.deliver("bob", "INBOX", "third", epoch + 1234);
  REQUIRE(c.ok());
  CHECK(c.id == "1740992401.M234000Q000003.mx.b.example");
  CHECK(store.read("bob", "INBOX", a.id) == std::optional<std::string>(binary));

  // Bad names never touch the filesystem.
  CHECK_FALSE(store.deliver("../evil", "INBOX", "x", epoch).ok());
  CHECK_FALSE(fs::exists(tmp.path.parent_path() / "evil"));
}

TEST_CASE("maildir unique names escape / and : of the host name", "[mda]") {
  CHECK(MaildirStore::unique_name(epoch, 7, "a/b:c") == "1740992400.M000000Q000007.a\\057b\\072c");
}

TEST_CASE("maildir store reports an unwritable root instead of crashing", "[mda]") {
  TempDir tmp("unwritable");
  // A regular file where the user's directory should be.
  std::ofstream(tmp.path / "bob") << "not a directory";
  MaildirStore store(tmp.path, "mx");
  const StoreResult r = store.deliver("bob", "INBOX", "x", epoch);
  CHECK_FALSE(r.ok());
  CHECK(r.error.find("cannot create") != std::string::npos);
  CHECK(store.count("bob", "INBOX") == 0);
}

TEST_CASE("mda: Return-Path on top, forged ones removed, delivery event", "[mda]") {
  RecordingHost host;
  MemoryMailStore store;
  Mda mda(host, store);
  const std::string content = "Return-Path: <forged@evil.example>\r\n"
                              "Received: from a by b; Mon, 03 Mar 2025 09:00:00 +0000\r\n"
                              "Subject: hi\r\n\r\nbody\r\n";
  const DeliveryResult r = mda.deliver("<alice@a.example>", "bob", "INBOX", content);
  REQUIRE(r.ok());
  const std::string stored = *store.read("bob", "INBOX", r.id);
  CHECK(stored == "Return-Path: <alice@a.example>\r\n"
                  "Received: from a by b; Mon, 03 Mar 2025 09:00:00 +0000\r\n"
                  "Subject: hi\r\n\r\nbody\r\n");
  CHECK(r.bytes == stored.size());
  CHECK(message::parse_header(stored).header.count("Return-Path") == 1);

  REQUIRE(host.events.size() == 1);
  const TraceEvent& e = host.events[0];
  CHECK(e.kind == EventKind::Delivery);
  CHECK(e.summary == "INBOX of bob: " + std::to_string(stored.size()) + " bytes");
  CHECK(e.bytes == stored);
  CHECK(e.src == "mx.b.example");
  CHECK(e.dst == "mx.b.example/mailbox:bob");
  CHECK(e.fields == Fields{{"user", "bob"}, {"folder", "INBOX"}, {"id", r.id},
                           {"return_path", "<alice@a.example>"}});
  CHECK(e.explain == "kind.delivery");
  CHECK(e.rfc == "RFC 5321 §4.4");

  // A bounce has the null reverse-path (RFC 5321 §4.5.5) and may go to Junk.
  const DeliveryResult bounce = mda.deliver("<>", "bob", "Junk", "Subject: DSN\r\n\r\nx\r\n");
  REQUIRE(bounce.ok());
  CHECK(store.read("bob", "Junk", bounce.id)->starts_with("Return-Path: <>\r\nSubject: DSN"));
}

TEST_CASE("mda: a failed store is reported, in the result and the trace", "[mda]") {
  RecordingHost host;
  MemoryMailStore store;
  Mda mda(host, store);
  const DeliveryResult r = mda.deliver("<a@b>", "../root", "INBOX", "x");
  CHECK_FALSE(r.ok());
  CHECK(r.id.empty());
  REQUIRE(host.events.size() == 1);
  CHECK(host.events[0].summary.find("failed") != std::string::npos);
  CHECK_FALSE(host.events[0].field("error").empty());
  CHECK(store.total() == 0);
}

TEST_CASE("mda into a Maildir end to end", "[mda]") {
  TempDir tmp("mda");
  RecordingHost host;
  MaildirStore store(tmp.path, host.name());
  Mda mda(host, store);
  host.clock_.now = epoch + 5000;
  const DeliveryResult r = mda.deliver("<alice@a.example>", "bob", "INBOX", "Subject: hi\r\n\r\nhello\r\n");
  REQUIRE(r.ok());
  CHECK(r.id == "1740992405.M000000Q000001.mx.b.example");
  CHECK(*store.read("bob", "INBOX", r.id) ==
        "Return-Path: <alice@a.example>\r\nSubject: hi\r\n\r\nhello\r\n");
}
