// Where webhook outcomes reach the connection loop, from whichever thread the
// publisher calls back on (the loop itself when it serves Kafka's events, a
// publisher thread otherwise): a list under a mutex and an eventfd that
// wakes the loop.
//
// Every pending publish callback holds a share of the mailbox, so a delivery
// report that comes after the loop has gone posts here and is dropped with
// it, never into freed memory. The eventfd also carries the loop's stop
// request. A post made on the loop's own thread wakes nothing (two system
// calls saved per batch of delivery reports): the loop takes such outcomes
// itself right after the call that posted them.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {

class OutcomeMailbox {
 public:
  // Which webhook an outcome is for: the loop's number for it.
  using Ticket = uint64_t;
  using Outcomes = std::vector<std::pair<Ticket, WebhookResult>>;

  OutcomeMailbox();
  ~OutcomeMailbox();
  OutcomeMailbox(const OutcomeMailbox&) = delete;
  OutcomeMailbox& operator=(const OutcomeMailbox&) = delete;

  // The descriptor the loop watches for reading.
  int wake_fd() const { return wake_; }
  // The loop, on its thread, before anything can be posted there.
  void BindToThisThread() { loop_thread_ = std::this_thread::get_id(); }

  // Any thread.
  void Post(Ticket ticket, WebhookResult outcome);
  void Wake();

  // The loop: once wake_fd() is readable, ClearWake(); then, and after any
  // call on its thread that may post, Take() what was posted since last time.
  void ClearWake();
  Outcomes Take();

 private:
  const int wake_;
  std::atomic<std::thread::id> loop_thread_{};
  std::mutex mutex_;
  Outcomes outcomes_;
};

}  // namespace hookbridge
