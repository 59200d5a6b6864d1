// net/worker_pool.cpp — see worker_pool.hpp.
#include "net/worker_pool.hpp"

#include <asio.hpp>

namespace smtplab::net {

WorkerPool::WorkerPool(asio::io_context& io, std::size_t threads)
    : io_(io), pool_(std::make_unique<asio::thread_pool>(threads == 0 ? 1 : threads)) {}

WorkerPool::~WorkerPool() { join(); }

void WorkerPool::run(Fn work, Fn then) {
  ++in_flight_;
  // The guard keeps io.run() from returning while the work is out: its `then` is still
  // to come. It travels with the work and is released on the io thread, after `then`.
  auto guard = asio::make_work_guard(io_);
  asio::post(*pool_, [this, work = std::move(work), then = std::move(then), guard = std::move(guard)]() mutable {
    try {
      work();
    } catch (...) {
      // A failed work item still reports back: `then` reads the result the work left
      // (its failure value), so a commit that threw is a commit that failed (452).
    }
    --in_flight_;
    asio::post(io_, [then = std::move(then), guard = std::move(guard)]() mutable {
      then();
      guard.reset();
    });
  });
}

std::function<void(WorkerPool::Fn, WorkerPool::Fn)> WorkerPool::offload() {
  return [this](Fn work, Fn then) { run(std::move(work), std::move(then)); };
}

void WorkerPool::join() { pool_->join(); }

}  // namespace smtplab::net
