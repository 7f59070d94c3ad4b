// The WorkerPool alone: jobs run on workers; a job that waits too long for a
// worker, or finds the waiting line full, is run in the overflow mode that
// answers 503.
#include "hookbridge/http/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>

namespace hookbridge {
namespace {

using namespace std::chrono_literals;

// Blocks the jobs that wait on it until released.
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    open_.wait(lock, [&] { return opened_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mutex_);
    opened_ = true;
    open_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable open_;
  bool opened_ = false;
};

TEST(WorkerPoolTest, RunsEveryJobOnAWorker) {
  WorkerPool pool(4, 1000, 10s);
  std::atomic<int> served{0};
  std::atomic<int> other_mode{0};
  for (int i = 0; i < 500; ++i) {
    pool.enqueue([&] {
      (WorkerPool::CurrentMode() == WorkerPool::Mode::kServe ? served : other_mode)++;
    });
  }
  pool.shutdown();  // runs what is queued, then joins
  EXPECT_EQ(served, 500);
  EXPECT_EQ(other_mode, 0);
}

// Holds the pool's only worker until the end of the scope (also when an
// assertion returns early, so that the pool's shutdown never waits forever).
class HeldWorker {
 public:
  explicit HeldWorker(WorkerPool& pool) {
    std::promise<void> started;
    pool.enqueue([&] {
      started.set_value();
      gate_.Wait();
    });
    started.get_future().wait();
  }
  ~HeldWorker() { gate_.Open(); }

 private:
  Gate gate_;
};

TEST(WorkerPoolTest, AJobThatWaitsTooLongForAWorkerIsAnsweredOverloaded) {
  WorkerPool pool(1, 10, 200ms);
  HeldWorker held(pool);
  std::promise<WorkerPool::Mode> mode;
  auto start = std::chrono::steady_clock::now();
  pool.enqueue([&] { mode.set_value(WorkerPool::CurrentMode()); });
  auto result = mode.get_future();
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready) << "still waiting for the busy worker";
  EXPECT_EQ(result.get(), WorkerPool::Mode::kAnswerOverloaded);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST(WorkerPoolTest, AJobPastTheWaitingLineIsAnsweredOverloadedAtOnce) {
  WorkerPool pool(1, 1, 10s);
  HeldWorker held(pool);
  pool.enqueue([] {});  // fills the waiting line
  std::promise<WorkerPool::Mode> mode;
  pool.enqueue([&] { mode.set_value(WorkerPool::CurrentMode()); });
  auto result = mode.get_future();
  ASSERT_EQ(result.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(result.get(), WorkerPool::Mode::kAnswerOverloaded);
}

}  // namespace
}  // namespace hookbridge
