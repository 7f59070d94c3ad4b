#include "hookbridge/http/worker_pool.h"

#include <system_error>

namespace hookbridge {
namespace {

// Connections being answered 503 (or waiting for an overflow thread) at the
// same time. Each holds an overflow thread for at most about a second.
constexpr size_t kMaxOverflow = 256;
thread_local WorkerPool::Mode t_mode = WorkerPool::Mode::kServe;

}  // namespace

WorkerPool::WorkerPool(size_t workers, size_t max_waiting) : max_waiting_(max_waiting) {
  for (size_t i = 0; i < workers; ++i) {
    threads_.emplace_back([this] { Work(waiting_, Mode::kServe); });
  }
}

WorkerPool::~WorkerPool() { shutdown(); }

WorkerPool::Mode WorkerPool::CurrentMode() { return t_mode; }

void WorkerPool::enqueue(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_.size() < max_waiting_ + idle_workers_) {
      waiting_.push_back(std::move(job));
      wake_.notify_all();
      return;
    }
    const size_t answering = overflow_threads_ - idle_overflow_threads_;
    if (answering + overflow_.size() < kMaxOverflow) {
      overflow_.push_back(std::move(job));
      if (overflow_.size() > idle_overflow_threads_) {
        // One slow connection must not delay the 503 of the next: each
        // overflow connection gets a thread of its own (kept for later bursts).
        try {
          threads_.emplace_back([this] { Work(overflow_, Mode::kAnswerOverloaded); });
          ++overflow_threads_;
        } catch (const std::system_error&) {
          // No thread to be had: the job waits for a busy overflow thread.
        }
      }
      wake_.notify_all();
      return;
    }
  }
  // Past every bound: run it here, in a mode that only closes the socket.
  t_mode = Mode::kClose;
  job();
  t_mode = Mode::kServe;
}

bool WorkerPool::HasWaiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size() > idle_workers_;
}

void WorkerPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutting_down_) return;
    shutting_down_ = true;
    wake_.notify_all();
  }
  for (auto& thread : threads_) thread.join();
}

void WorkerPool::Work(std::deque<std::function<void()>>& queue, Mode mode) {
  t_mode = mode;
  std::unique_lock<std::mutex> lock(mutex_);
  size_t& idle = mode == Mode::kServe ? idle_workers_ : idle_overflow_threads_;
  while (true) {
    ++idle;
    wake_.wait(lock, [&] { return shutting_down_ || !queue.empty(); });
    --idle;
    if (queue.empty()) return;  // shutting down with nothing left
    std::function<void()> job = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace hookbridge
