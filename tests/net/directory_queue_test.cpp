// tests/net/directory_queue_test.cpp — mta::DirectoryQueue: files survive a restart, the
// format round-trips, damaged files are set aside, ids cannot escape the directory.
// (Here because real mode is where the directory queue is used; it lives in mta/.)
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "mta/directory_queue.hpp"

using namespace smtplab;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the system's temporary folder, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device device;
    path = fs::temp_directory_path() / ("smtplab-queue-test-" + std::to_string(device()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

mta::QueuedMessage sample(std::string id, TimeMs arrived_ms) {
  mta::QueuedMessage m;
  m.id = std::move(id);
  m.reverse_path = "alice@lab.example";
  m.arrived_ms = arrived_ms;
  m.next_attempt_ms = arrived_ms + 5;
  mta::QueuedRecipient r;
  r.address = "bob@lab.example";
  r.attempts = 2;
  r.last_result = "451 4.3.0 try\r\nlater";  // a CRLF must not break the file
  m.recipients.push_back(r);
  r.address = "carol@far.example";
  r.status = mta::RecipientStatus::Delivered;
  r.last_result.clear();
  m.recipients.push_back(r);
  m.content = "Received: by lab.example\r\nSubject: hi\r\n\r\nline\r\n\r\nrcpt x\r\n";
  return m;
}

}  // namespace

TEST_CASE("queue files round-trip the envelope and the content exactly") {
  const auto m = sample("Q0007", 1700000000000);
  const auto decoded = mta::decode_queue_file(mta::encode_queue_file(m));
  REQUIRE(decoded);
  CHECK(decoded->id == "Q0007");
  CHECK(decoded->reverse_path == "alice@lab.example");
  CHECK(decoded->arrived_ms == 1700000000000);
  CHECK(decoded->next_attempt_ms == 1700000000005);
  REQUIRE(decoded->recipients.size() == 2);
  CHECK(decoded->recipients[0].attempts == 2);
  CHECK(decoded->recipients[0].status == mta::RecipientStatus::Pending);
  CHECK(decoded->recipients[0].last_result == "451 4.3.0 try  later");
  CHECK(decoded->recipients[1].status == mta::RecipientStatus::Delivered);
  CHECK(decoded->content == m.content);

  mta::QueuedMessage null_path = m;
  null_path.reverse_path.clear();
  CHECK(mta::decode_queue_file(mta::encode_queue_file(null_path))->reverse_path.empty());

  CHECK_FALSE(mta::decode_queue_file(""));
  CHECK_FALSE(mta::decode_queue_file("smtplab-queue 1\nid Q1\n"));                  // no content
  CHECK_FALSE(mta::decode_queue_file("smtplab-queue 1\nid ../x\nrcpt pending 0 a\n\n"));  // id
  CHECK_FALSE(mta::decode_queue_file("smtplab-queue 2\nid Q1\nrcpt pending 0 a\n\n"));
  CHECK_FALSE(mta::decode_queue_file("smtplab-queue 1\nid Q1\nrcpt maybe 0 a\n\n"));
  CHECK(mta::decode_queue_file("smtplab-queue 1\nid Q1\nrcpt pending 0 a@b\n\n"));
}

TEST_CASE("a committed message is on disk and comes back after a restart") {
  TempDir dir;
  {
    mta::DirectoryQueue queue(dir.path);
    CHECK(queue.recovered() == 0);
    REQUIRE(queue.commit(sample("Q0002", 20)));
    REQUIRE(queue.commit(sample("Q0001", 10)));
    CHECK_FALSE(queue.commit(sample("Q0001", 10)));  // never overwrite an id
    CHECK(fs::exists(dir.path / "msg" / "Q0001"));
    CHECK(fs::is_empty(dir.path / "tmp"));
    queue.find("Q0002")->recipients[0].status = mta::RecipientStatus::Delivered;
    queue.update(*queue.find("Q0002"));
    REQUIRE(queue.commit(sample("Q0003", 30)));
    queue.remove("Q0003");
    CHECK_FALSE(fs::exists(dir.path / "msg" / "Q0003"));
    CHECK(queue.ids() == std::vector<std::string>{"Q0002", "Q0001"});
  }
  mta::DirectoryQueue again(dir.path);
  CHECK(again.recovered() == 2);
  // After a restart the order is the arrival order.
  CHECK(again.ids() == std::vector<std::string>{"Q0001", "Q0002"});
  REQUIRE(again.find("Q0002"));
  CHECK(again.find("Q0002")->recipients[0].status == mta::RecipientStatus::Delivered);
  CHECK(again.find("Q0001")->content == sample("Q0001", 10).content);
}

TEST_CASE("damaged queue files are moved aside and half-written ones dropped") {
  TempDir dir;
  { mta::DirectoryQueue queue(dir.path); REQUIRE(queue.commit(sample("Q0001", 1))); }
  std::ofstream(dir.path / "msg" / "Q0009") << "not a queue file";
  std::ofstream(dir.path / "tmp" / "Q0010") << "smtplab-queue 1\nid Q0010\n";  // a crash mid-commit
  // A valid file whose name differs from its id is damage too (renamed by hand).
  fs::copy_file(dir.path / "msg" / "Q0001", dir.path / "msg" / "Q0005");
  mta::DirectoryQueue queue(dir.path);
  CHECK(queue.recovered() == 1);
  CHECK(queue.corrupt_count() == 2);
  CHECK(fs::exists(dir.path / "corrupt" / "Q0009"));
  CHECK(fs::is_empty(dir.path / "tmp"));
}

TEST_CASE("the directory queue refuses beyond its limit and ids that are not file names") {
  TempDir dir;
  mta::DirectoryQueue queue(dir.path, 1);
  CHECK(queue.commit(sample("Q0001", 1)));
  CHECK_FALSE(queue.commit(sample("Q0002", 2)));  // full: the MTA answers 452
  mta::DirectoryQueue other(dir.path / "b");
  CHECK_FALSE(other.commit(sample("../escape", 1)));
  CHECK_FALSE(other.commit(sample("", 1)));
  CHECK(other.size() == 0);
}
