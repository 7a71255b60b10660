#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pgokit {

// A fixed set of worker threads fed by a bounded queue. A full queue refuses work instead of
// growing, so overload turns into fast 503s rather than unbounded latency and memory.
class TaskPool {
 public:
  using Job = std::function<void()>;

  // Starts `workers` threads (at least one); at most `queue_capacity` jobs wait at a time.
  TaskPool(std::size_t workers, std::size_t queue_capacity);

  // Runs the queued jobs and joins the workers (see shutdown).
  ~TaskPool();

  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Queues `job`; returns false, dropping it, when the queue is full or the pool is shut down.
  bool try_submit(Job job);

  // Stops taking jobs, runs (or, when !run_queued, drops) the queued ones, joins the workers.
  // Idempotent; must not be called from a worker.
  void shutdown(bool run_queued = true);

  // Jobs waiting for a worker.
  std::size_t queued() const;

  // Jobs a worker is running now.
  std::size_t running() const noexcept { return running_.load(std::memory_order_relaxed); }

  // Jobs refused since start (full queue or shut down).
  std::uint64_t rejected() const noexcept { return rejected_.load(std::memory_order_relaxed); }

  // Jobs finished since start.
  std::uint64_t completed() const noexcept { return completed_.load(std::memory_order_relaxed); }

  // The queue bound given at construction.
  std::size_t capacity() const noexcept { return capacity_; }

  // The number of worker threads.
  std::size_t workers() const noexcept { return worker_count_; }

 private:
  void work();

  const std::size_t capacity_;
  const std::size_t worker_count_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  bool run_queued_ = true;
  std::atomic<std::size_t> running_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> completed_{0};
  std::vector<std::thread> threads_;
};

}  // namespace pgokit
