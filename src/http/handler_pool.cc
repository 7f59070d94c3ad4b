#include "hookbridge/http/handler_pool.h"

namespace hookbridge {

HandlerPool::HandlerPool(size_t threads) {
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

HandlerPool::~HandlerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void HandlerPool::Submit(Job job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back({std::move(job), Clock::now()});
  }
  wake_.notify_one();
}

void HandlerPool::Work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to run
    Queued next = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    next.job(Clock::now() - next.submitted);
    lock.lock();
  }
}

}  // namespace hookbridge
