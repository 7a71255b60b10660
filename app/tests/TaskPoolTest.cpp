#include "TaskPool.hpp"

#include "BusyWorker.hpp"

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

namespace pgokit {
namespace {

TEST(TaskPool, RunsSubmittedJobs) {
  std::atomic<int> done{0};
  {
    TaskPool pool(2, 1000);
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(pool.try_submit([&done] { done.fetch_add(1); }));
    }
  }  // the destructor runs what is queued
  EXPECT_EQ(done.load(), 100);
}

TEST(TaskPool, StartsAtLeastOneWorker) {
  TaskPool pool(0, 4);
  EXPECT_EQ(pool.workers(), 1U);
  std::promise<void> ran;
  ASSERT_TRUE(pool.try_submit([&ran] { ran.set_value(); }));
  ran.get_future().wait();
}

TEST(TaskPool, RejectsWhenQueueIsFull) {
  TaskPool pool(1, 1);
  test::BusyWorker busy(pool);  // the only worker is busy, the queue is empty
  ASSERT_TRUE(busy.occupied());
  EXPECT_TRUE(pool.try_submit([] {}));
  EXPECT_EQ(pool.queued(), 1U);
  EXPECT_EQ(pool.running(), 1U);
  EXPECT_FALSE(pool.try_submit([] {}));
  EXPECT_EQ(pool.rejected(), 1U);
  busy.release();
  pool.shutdown();
  EXPECT_EQ(pool.completed(), 2U);
}

TEST(TaskPool, ShutdownRunsQueuedJobs) {
  std::atomic<int> done{0};
  TaskPool pool(1, 10);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.try_submit([&done] { done.fetch_add(1); }));
  }
  pool.shutdown();
  EXPECT_EQ(done.load(), 10);
}

TEST(TaskPool, ShutdownWithoutRunningDropsQueuedJobs) {
  TaskPool pool(1, 10);
  test::BusyWorker busy(pool);
  ASSERT_TRUE(busy.occupied());
  std::atomic<int> ran{0};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(pool.try_submit([&ran] { ran.fetch_add(1); }));
  }
  // shutdown(false) drops the queue at once, then waits for the busy worker; only once the
  // queue is seen empty is the worker let go, so it cannot pick up a queued job first.
  std::thread stopper([&pool] { pool.shutdown(false); });
  while (pool.queued() != 0) {
    std::this_thread::yield();
  }
  busy.release();
  stopper.join();
  EXPECT_EQ(ran.load(), 0);
}

TEST(TaskPool, RefusesJobsAfterShutdown) {
  TaskPool pool(1, 10);
  pool.shutdown();
  EXPECT_FALSE(pool.try_submit([] {}));
  EXPECT_EQ(pool.rejected(), 1U);
  pool.shutdown();  // idempotent
}

TEST(TaskPool, SurvivesThrowingJob) {
  TaskPool pool(1, 10);
  ASSERT_TRUE(pool.try_submit([] { throw std::runtime_error("boom"); }));
  std::promise<void> ran;
  ASSERT_TRUE(pool.try_submit([&ran] { ran.set_value(); }));
  ran.get_future().wait();
}

}  // namespace
}  // namespace pgokit
