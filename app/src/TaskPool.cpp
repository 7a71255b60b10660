#include "TaskPool.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>

namespace pgokit {

TaskPool::TaskPool(std::size_t workers, std::size_t queue_capacity)
    : capacity_(queue_capacity), worker_count_(std::max<std::size_t>(workers, 1)) {
  threads_.reserve(worker_count_);
  for (std::size_t i = 0; i < worker_count_; ++i) {
    threads_.emplace_back([this] { work(); });
  }
}

TaskPool::~TaskPool() { shutdown(); }

bool TaskPool::try_submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= capacity_) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    queue_.push_back(std::move(job));
  }
  ready_.notify_one();
  return true;
}

void TaskPool::shutdown(bool run_queued) {
  std::deque<Job> dropped;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      run_queued_ = run_queued;
    }
    if (!run_queued) {
      dropped.swap(queue_);
    }
  }
  ready_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) {
      thread.join();
    }
  }
  // Dropped jobs are destroyed here, outside the lock: their captures may release
  // resources whose destructors take other locks.
  dropped.clear();
}

std::size_t TaskPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void TaskPool::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() || (stopping_ && !run_queued_)) {
        return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
      running_.fetch_add(1, std::memory_order_relaxed);
    }
    try {
      job();
    } catch (const std::exception& error) {
      // A job owns its own error reporting; one that throws anyway must not take the
      // worker (and with it the pool's capacity) down.
      std::fprintf(stderr, "pgokit-server: task failed: %s\n", error.what());
    } catch (...) {
      std::fprintf(stderr, "pgokit-server: task failed with an unknown exception\n");
    }
    job = nullptr;
    running_.fetch_sub(1, std::memory_order_relaxed);
    completed_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace pgokit
