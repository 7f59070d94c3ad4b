// A fixed set of threads that run request handlers: the webhook handler,
// which waits for Kafka's delivery report. Nothing else runs here; sockets
// stay with the connection loop, so a slow or idle client never holds one of
// these threads.
//
// The queue is bounded by the caller (the connection loop admits at most
// HOOKBRIDGE_MAX_IN_FLIGHT webhooks); a job carries the time it was queued so
// that it can tell how long it waited.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hookbridge {

class HandlerPool {
 public:
  using Clock = std::chrono::steady_clock;
  // Runs on a pool thread; `waited` is the time between Submit() and now.
  using Job = std::function<void(Clock::duration waited)>;

  explicit HandlerPool(size_t threads);
  ~HandlerPool();  // runs every job already submitted, then joins
  HandlerPool(const HandlerPool&) = delete;
  HandlerPool& operator=(const HandlerPool&) = delete;

  void Submit(Job job);

 private:
  struct Queued {
    Job job;
    Clock::time_point submitted;
  };

  void Work();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Queued> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hookbridge
