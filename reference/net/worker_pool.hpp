// net/worker_pool.hpp — worker threads for blocking disk work (fsync), whose results come
// back to the event loop's thread: how `smtplab serve` keeps twenty sessions' fsyncs from
// waiting in one line.
//
// Standards: none of its own; it serves RFC 5321 §4.1.1.4 (the message is durable before
// the 250) without making every client wait for every other client's disk flush.
//
// API:
//   WorkerPool workers(io, 32);            // 32 threads, joined by join() or the destructor
//   workers.run(work, then);               // work() on a worker, then then() on io's thread
//   mta::Offload offload = workers.offload();   // the same as a value (mta/queue.hpp)
//   workers.join();                        // waits for the running work (after io.run())
//
// Why threads, and only here: the engines and agents are sans-I/O and single-threaded
// (STYLE §7); the one slow thing real mode does is wait for the disk. fsync(2) blocks the
// calling thread for a disk flush (milliseconds), so with one thread every client waits
// for every other client's flush. Postfix runs its queue writes in separate cleanup(8)
// processes for the same reason. Several flushes in flight at once also let the
// filesystem's journal commit them together (group commit), which is where the
// throughput comes from on a single disk.
//
// Rules: `work` runs on some worker thread and must touch only what it owns (or a
// thread-safe store); `then` is posted to the io_context and runs on the thread that
// runs io.run(), after `work` returned, even if `work` threw. While any work is in flight
// the io_context is kept from running out of work.
//
// Not implemented: a bound on queued work (the MTA's own limits bound it: one commit per
// session, one delivery per queued message), priorities, cancellation.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>

namespace asio {
class io_context;
class thread_pool;
}  // namespace asio

namespace smtplab::net {

// Our choice: worker threads for `smtplab serve`. They mostly sleep in fsync(2), so there
// can be more of them than cores: enough for every session of the smtp-source benchmark
// (20) to have its commit in flight beside the deliveries.
inline constexpr std::size_t worker_threads_default = 32;

class WorkerPool {
 public:
  using Fn = std::function<void()>;
  WorkerPool(asio::io_context& io, std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void run(Fn work, Fn then);
  // The mta::Offload seam (mta/queue.hpp), bound to this pool; valid while it lives.
  std::function<void(Fn, Fn)> offload();
  void join();
  // Work handed over whose `then` has not been posted yet.
  std::size_t in_flight() const { return in_flight_.load(); }

 private:
  asio::io_context& io_;
  std::unique_ptr<asio::thread_pool> pool_;
  std::atomic<std::size_t> in_flight_ = 0;
};

}  // namespace smtplab::net
