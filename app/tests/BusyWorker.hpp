#pragma once

#include <future>

#include "TaskPool.hpp"

namespace pgokit::test {

// Holds one of a TaskPool's workers busy until release() (or destruction):
// how tests fill a pool to see what happens to the jobs after it.
class BusyWorker {
 public:
  // Submits a blocking job and waits until a worker runs it; occupied() says
  // whether the pool took it.
  explicit BusyWorker(TaskPool& pool) : gate_(release_.get_future().share()) {
    std::promise<void> started;
    auto running = started.get_future();
    occupied_ = pool.try_submit([&started, gate = gate_] {
      started.set_value();
      gate.wait();
    });
    if (occupied_) {
      running.wait();
    }
  }

  ~BusyWorker() { release(); }

  BusyWorker(const BusyWorker&) = delete;
  BusyWorker& operator=(const BusyWorker&) = delete;

  // Whether the pool accepted the blocking job (and a worker now runs it).
  bool occupied() const noexcept { return occupied_; }

  // Lets the blocked worker finish; later calls do nothing.
  void release() {
    if (!released_) {
      released_ = true;
      release_.set_value();
    }
  }

 private:
  std::promise<void> release_;
  std::shared_future<void> gate_;
  bool occupied_ = false;
  bool released_ = false;
};

}  // namespace pgokit::test
