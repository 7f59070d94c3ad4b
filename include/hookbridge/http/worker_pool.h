// The HTTP worker pool, with a bound on waiting work.
//
// cpp-httplib hands every accepted connection to a TaskQueue; its own
// ThreadPool queues without bound, so under overload connections would wait
// long past the sender's 5 s deadline while memory and descriptors grow.
// This pool serves connections with `workers` threads and lets at most
// `max_waiting` wait for one, each for at most `max_wait`. A connection
// beyond that goes to an overflow thread that answers 503 at once (see
// CurrentMode()). Overflow threads are
// started on demand, one per connection being answered, up to a fixed bound:
// a connection whose request is slow to arrive holds only its own overflow
// thread (for about a second), never delaying the 503 of the others. Past
// that bound the job runs at once on the calling thread, in a mode that must
// neither read nor block: the connection is turned away.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hookbridge {

class WorkerPool final : public httplib::TaskQueue {
 public:
  enum class Mode { kServe, kAnswerOverloaded, kTurnAway };

  using Clock = std::chrono::steady_clock;

  WorkerPool(size_t workers, size_t max_waiting, Clock::duration max_wait);
  ~WorkerPool() override;

  void enqueue(std::function<void()> job) override;
  void shutdown() override;

  // True while connections wait for a worker: a worker should then park its
  // connection as soon as it is idle, and serve the waiting ones.
  bool HasWaiting() const;
  // How the job running on the calling thread must treat its connection.
  static Mode CurrentMode();

 private:
  struct Job {
    std::function<void()> run;
    Clock::time_point enqueued;
  };

  void Work(std::deque<Job>& queue, Mode mode);
  void Shed();
  // Under mutex_: hands `job` to an overflow thread; false when past the bound.
  bool ToOverflow(std::function<void()>& job);

  const size_t max_waiting_;
  const Clock::duration max_wait_;
  mutable std::mutex mutex_;
  std::condition_variable wake_workers_;   // a job for the workers
  std::condition_variable wake_overflow_;  // a job for the overflow threads
  std::condition_variable wake_shedder_;   // only to stop it
  std::deque<Job> waiting_;
  std::deque<Job> overflow_;
  size_t idle_workers_ = 0;
  size_t overflow_threads_ = 0;
  size_t idle_overflow_threads_ = 0;
  bool shutting_down_ = false;
  std::vector<std::thread> threads_;
  std::thread shedder_;
};

}  // namespace hookbridge
