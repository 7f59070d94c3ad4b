// Where webhook outcomes reach the connection loop, from whichever thread the
// publisher calls back on (the loop itself when it serves Kafka's events, a
// publisher thread otherwise): a list under a mutex and an eventfd that
// wakes the loop.
//
// Every pending publish callback holds a share of the mailbox, so a delivery
// report that comes after the loop has gone posts here and is dropped with
// it, never into freed memory. The eventfd also carries the loop's stop
// request.
#pragma once

#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "hookbridge/core/webhook_handler.h"

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

  // Any thread.
  void Post(Ticket ticket, WebhookResult outcome);
  void Wake();

  // The loop, once its wake_fd() is readable: everything posted since last time.
  Outcomes Take();

 private:
  const int wake_;
  std::mutex mutex_;
  Outcomes outcomes_;
};

}  // namespace hookbridge
