// tests/mta/async_commit_test.cpp — the durable commit off the event loop (real mode):
// QueueStore::commit_async with an Offload, and the MTA's end-of-data reply waiting for
// it (RFC 5321 §4.1.1.4: the 250 comes only after the message is durable).
//
// The Offload here is manual: the test holds the work and runs it (and its `then`) when
// it chooses, so "before the commit finished" is a state the test can look at, without
// threads. The MTA runs on the simulator with a real DirectoryQueue in a temp folder.
#include <catch2/catch.hpp>

#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <utility>

#include "core/trace.hpp"
#include "mda/mail_store.hpp"
#include "mta/directory_queue.hpp"
#include "mta/mta.hpp"
#include "sim/sim_host.hpp"
#include "sim/simulator.hpp"

using namespace smtplab;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device device;
    path = fs::temp_directory_path() / ("smtplab-async-commit-" + std::to_string(device()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// An Offload whose work waits in a list until the test runs it.
struct ManualOffload {
  std::deque<std::pair<std::function<void()>, std::function<void()>>> jobs;
  mta::Offload offload() {
    return [this](std::function<void()> work, std::function<void()> then) {
      jobs.emplace_back(std::move(work), std::move(then));
    };
  }
  // Runs every waiting job: work, then its `then` (as a worker and the io thread would).
  std::size_t run_all() {
    std::size_t n = 0;
    while (!jobs.empty()) {
      auto job = std::move(jobs.front());
      jobs.pop_front();
      job.first();
      job.second();
      ++n;
    }
    return n;
  }
};

mta::QueuedMessage sample(std::string id) {
  mta::QueuedMessage m;
  m.id = std::move(id);
  m.reverse_path = "alice@a.example";
  mta::QueuedRecipient r;
  r.address = "bob@lab.example";
  m.recipients.push_back(r);
  m.content = "Subject: hi\r\n\r\nbody\r\n";
  return m;
}

// A client that sends one pipelined transaction and records what it hears; it closes
// the connection as soon as it has the 354 when `close_after_data` is set.
class Client final : public StreamHandler {
 public:
  Client(std::string* heard, bool close_after_data) : heard_(heard), close_after_data_(close_after_data) {}
  void on_open(Stream& stream) override {
    stream.send("EHLO client.a.example\r\nMAIL FROM:<alice@a.example>\r\nRCPT TO:<bob@lab.example>\r\nDATA\r\n");
  }
  void on_data(Stream& stream, std::string_view bytes) override {
    *heard_ += bytes;
    if (!sent_body_ && heard_->find("354") != std::string::npos) {
      sent_body_ = true;
      stream.send("Subject: async\r\n\r\nhello\r\n.\r\n");
      if (close_after_data_) stream.close();
    }
  }
  void on_close(Stream&, CloseReason) override { closed = true; }
  bool closed = false;

 private:
  std::string* heard_;
  bool close_after_data_;
  bool sent_body_ = false;
};

// The receiving MTA lab.example on the simulator, its queue a DirectoryQueue whose
// commits and whose deliveries go through `offload`.
struct World {
  TempDir dir;
  Trace trace;
  sim::Simulator sim{7, trace};
  sim::SimHost& mx = sim.add_host("mx.lab.example", "198.51.100.25");
  sim::SimHost& client = sim.add_host("client.a.example", "192.0.2.10");
  mda::MemoryMailStore store;
  ManualOffload offload;
  mta::DirectoryQueue* queue = nullptr;
  std::unique_ptr<mta::Mta> mta;

  World() {
    mta::MtaConfig config;
    config.host_name = "mx.lab.example";
    config.domains = {"lab.example"};
    config.users = {"bob"};
    config.offload = offload.offload();
    auto q = std::make_unique<mta::DirectoryQueue>(dir.path / "queue");
    q->set_offload(offload.offload());
    queue = q.get();
    mta = std::make_unique<mta::Mta>(mx, config, store, Endpoint{"203.0.113.53", 53}, std::move(q));
    mta->start();
  }
  // Sessions still open are closed (by their idle timeout) before the Mta goes away.
  ~World() {
    offload.run_all();
    sim.run();
  }
  bool file_in_queue(const std::string& id) const { return fs::exists(dir.path / "queue" / "msg" / id); }
  std::size_t count_explain(std::string_view key) const {
    std::size_t n = 0;
    for (const auto& e : trace.events()) n += e.explain == key ? 1 : 0;
    return n;
  }
};

}  // namespace

TEST_CASE("DirectoryQueue::commit_async: done only after the worker's write, and limits count in-flight commits",
          "[mta][async_commit]") {
  TempDir dir;
  ManualOffload offload;
  mta::DirectoryQueue queue(dir.path, /*messages_max=*/1);
  CHECK_FALSE(queue.commits_async());
  queue.set_offload(offload.offload());
  CHECK(queue.commits_async());

  int done_calls = 0;
  bool done_ok = false;
  queue.commit_async(sample("Q0001"), [&](bool ok) {
    ++done_calls;
    done_ok = ok;
  });
  // Handed to the worker: not done, not visible, not on disk yet.
  CHECK(done_calls == 0);
  CHECK(queue.committing() == 1);
  CHECK(queue.find("Q0001") == nullptr);
  CHECK_FALSE(fs::exists(dir.path / "msg" / "Q0001"));

  // The limit counts the commit in flight: a second message is refused at once (452).
  int second_calls = 0;
  bool second_ok = true;
  queue.commit_async(sample("Q0002"), [&](bool ok) {
    ++second_calls;
    second_ok = ok;
  });
  CHECK(second_calls == 1);
  CHECK_FALSE(second_ok);

  // The worker writes and fsyncs; only its `then` makes the message visible and calls done.
  REQUIRE(offload.jobs.size() == 1);
  offload.jobs.front().first();
  CHECK(fs::exists(dir.path / "msg" / "Q0001"));
  CHECK(done_calls == 0);
  offload.jobs.front().second();
  offload.jobs.pop_front();
  CHECK(done_calls == 1);
  CHECK(done_ok);
  CHECK(queue.committing() == 0);
  REQUIRE(queue.find("Q0001") != nullptr);
  CHECK(queue.find("Q0001")->content == sample("Q0001").content);

  // A restart finds it: it was durable before done(true).
  mta::DirectoryQueue again(dir.path);
  CHECK(again.recovered() == 1);
}

TEST_CASE("DirectoryQueue::commit_async without an offload is the synchronous commit", "[mta][async_commit]") {
  TempDir dir;
  mta::DirectoryQueue queue(dir.path);
  bool called = false;
  queue.commit_async(sample("Q0003"), [&](bool ok) { called = ok; });
  CHECK(called);  // before commit_async returned
  CHECK(queue.find("Q0003") != nullptr);
}

TEST_CASE("the 250 to end of data waits for the queue commit; delivery waits for the Maildir work",
          "[mta][async_commit]") {
  World w;
  // Runs of the simulator stop well before the 5-minute idle timeout (which would
  // close the session: that case is the next test's).
  constexpr TimeMs ten_seconds_ms = 10'000;
  std::string heard;
  w.client.connect({"198.51.100.25", 25}, std::make_unique<Client>(&heard, /*close_after_data=*/false));
  w.sim.run(w.sim.now() + ten_seconds_ms);
  // The message reached end of data, the commit is with the "worker": no 250 for it yet.
  REQUIRE(heard.find("354") != std::string::npos);
  CHECK(heard.find("queued as") == std::string::npos);
  REQUIRE(w.offload.jobs.size() == 1);
  CHECK(w.queue->committing() == 1);
  CHECK(w.mta->accepted_count() == 0);

  // Run the commit: the file is on disk first, then the reply goes out.
  w.offload.jobs.front().first();
  CHECK(w.file_in_queue("Q0001"));
  CHECK(heard.find("queued as") == std::string::npos);
  w.offload.jobs.front().second();
  w.offload.jobs.pop_front();
  w.sim.run(w.sim.now() + ten_seconds_ms);
  CHECK(heard.find("250 2.0.0 Message accepted for delivery: queued as Q0001") != std::string::npos);
  CHECK(w.mta->accepted_count() == 1);

  // The delivery attempt ran on the simulator's timer and handed the Maildir work over:
  // nothing stored yet, the message still queued and in flight.
  REQUIRE(w.offload.jobs.size() == 1);
  CHECK(w.store.count("bob", mda::folder_inbox) == 0);
  REQUIRE(w.queue->find("Q0001") != nullptr);
  CHECK(w.queue->find("Q0001")->in_flight);
  w.offload.run_all();
  w.sim.run(w.sim.now() + ten_seconds_ms);
  // Delivered, and only then removed from the queue (deliver, then remove).
  CHECK(w.store.count("bob", mda::folder_inbox) == 1);
  CHECK(w.queue->find("Q0001") == nullptr);
  CHECK_FALSE(w.file_in_queue("Q0001"));
  CHECK(w.mta->delivered_count() == 1);
  CHECK(w.count_explain("kind.delivery") == 1);
}

TEST_CASE("a connection closed while its commit is in flight: no crash, no 250, and the message is delivered",
          "[mta][async_commit]") {
  World w;
  std::string heard;
  w.client.connect({"198.51.100.25", 25}, std::make_unique<Client>(&heard, /*close_after_data=*/true));
  w.sim.run();
  REQUIRE(w.offload.jobs.size() == 1);  // the commit
  CHECK(w.sim.open_connections() == 0);  // the client closed, the session is gone
  // The commit completes after the session was destroyed: the callback must not touch it.
  w.offload.run_all();  // the commit
  w.sim.run();          // the delivery attempt is scheduled
  w.offload.run_all();  // the Maildir work
  w.sim.run();
  CHECK(heard.find("queued as") == std::string::npos);  // the client never saw a 250
  CHECK(w.count_explain("policy.commit.orphaned") == 1);
  // On disk before the close mattered, so delivered (a restart would have recovered it
  // anyway); the client may send it again: a duplicate, never a loss (RFC 5321 §6.1).
  CHECK(w.mta->accepted_count() == 1);
  CHECK(w.store.count("bob", mda::folder_inbox) == 1);
  CHECK(w.queue->size() == 0);
}
