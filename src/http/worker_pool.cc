#include "hookbridge/http/worker_pool.h"

namespace hookbridge {
namespace {

// The overflow queue only needs to absorb a burst: each of its jobs is a
// quick 503.
constexpr size_t kMaxOverflowWaiting = 256;
thread_local WorkerPool::Mode t_mode = WorkerPool::Mode::kServe;

}  // namespace

WorkerPool::WorkerPool(size_t workers, size_t max_waiting) : max_waiting_(max_waiting) {
  for (size_t i = 0; i < workers; ++i) {
    threads_.emplace_back([this] { Work(waiting_, Mode::kServe); });
  }
  threads_.emplace_back([this] { Work(overflow_, Mode::kAnswerOverloaded); });
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
    if (overflow_.size() < kMaxOverflowWaiting) {
      overflow_.push_back(std::move(job));
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
  while (true) {
    if (mode == Mode::kServe) ++idle_workers_;
    wake_.wait(lock, [&] { return shutting_down_ || !queue.empty(); });
    if (mode == Mode::kServe) --idle_workers_;
    if (queue.empty()) return;  // shutting down with nothing left
    std::function<void()> job = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace hookbridge
