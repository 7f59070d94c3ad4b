#include "hookbridge/http/worker_pool.h"

#include <system_error>

namespace hookbridge {
namespace {

// Connections being answered 503 (or waiting for an overflow thread) at the
// same time. Each holds an overflow thread for at most about a second.
constexpr size_t kMaxOverflow = 256;
// How often waiting jobs are checked for having waited too long.
constexpr std::chrono::milliseconds kShedInterval{100};
thread_local WorkerPool::Mode t_mode = WorkerPool::Mode::kServe;

// Runs `job` on this thread in a mode that turns its connection away.
void RunTurningAway(const std::function<void()>& job) {
  t_mode = WorkerPool::Mode::kTurnAway;
  job();
  t_mode = WorkerPool::Mode::kServe;
}

}  // namespace

WorkerPool::WorkerPool(size_t workers, size_t max_waiting, Clock::duration max_wait)
    : max_waiting_(max_waiting), max_wait_(max_wait) {
  for (size_t i = 0; i < workers; ++i) {
    threads_.emplace_back([this] { Work(waiting_, Mode::kServe); });
  }
  shedder_ = std::thread([this] { Shed(); });
}

WorkerPool::~WorkerPool() { shutdown(); }

WorkerPool::Mode WorkerPool::CurrentMode() { return t_mode; }

void WorkerPool::enqueue(std::function<void()> job) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (waiting_.size() < max_waiting_ + idle_workers_) {
    waiting_.push_back(Job{std::move(job), Clock::now()});
    // One job, one worker: waking every idle worker for it would cost a
    // context switch each, per request.
    wake_workers_.notify_one();
    return;
  }
  if (ToOverflow(job)) return;
  lock.unlock();
  RunTurningAway(job);  // past every bound
}

bool WorkerPool::ToOverflow(std::function<void()>& job) {
  const size_t answering = overflow_threads_ - idle_overflow_threads_;
  if (answering + overflow_.size() >= kMaxOverflow) return false;
  overflow_.push_back(Job{std::move(job), Clock::now()});
  if (overflow_.size() > idle_overflow_threads_) {
    // One slow connection must not delay the 503 of the next: each overflow
    // connection gets a thread of its own (kept for later bursts).
    try {
      threads_.emplace_back([this] { Work(overflow_, Mode::kAnswerOverloaded); });
      ++overflow_threads_;
    } catch (const std::system_error&) {
      // No thread to be had: the job waits for a busy overflow thread.
    }
  }
  wake_overflow_.notify_one();
  return true;
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
    wake_workers_.notify_all();
    wake_overflow_.notify_all();
    wake_shedder_.notify_all();
  }
  shedder_.join();
  for (auto& thread : threads_) thread.join();
}

void WorkerPool::Work(std::deque<Job>& queue, Mode mode) {
  t_mode = mode;
  std::unique_lock<std::mutex> lock(mutex_);
  size_t& idle = mode == Mode::kServe ? idle_workers_ : idle_overflow_threads_;
  std::condition_variable& wake = mode == Mode::kServe ? wake_workers_ : wake_overflow_;
  while (true) {
    ++idle;
    wake.wait(lock, [&] { return shutting_down_ || !queue.empty(); });
    --idle;
    if (queue.empty()) return;  // shutting down with nothing left
    std::function<void()> job = std::move(queue.front().run);
    queue.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

// A request that waited `max_wait_` for a worker goes to an overflow thread,
// which answers it 503 at once: while every worker is held (by slow clients,
// or a slow broker), the waiting would otherwise last until one is free, past
// the sender's deadline.
void WorkerPool::Shed() {
  std::unique_lock<std::mutex> lock(mutex_);
  std::vector<std::function<void()>> to_turn_away;
  while (!shutting_down_) {
    wake_shedder_.wait_for(lock, kShedInterval);
    const Clock::time_point too_old = Clock::now() - max_wait_;
    while (!waiting_.empty() && waiting_.front().enqueued <= too_old) {
      std::function<void()> job = std::move(waiting_.front().run);
      waiting_.pop_front();
      if (!ToOverflow(job)) to_turn_away.push_back(std::move(job));
    }
    if (to_turn_away.empty()) continue;
    lock.unlock();
    for (const auto& job : to_turn_away) RunTurningAway(job);
    to_turn_away.clear();
    lock.lock();
  }
}

}  // namespace hookbridge
