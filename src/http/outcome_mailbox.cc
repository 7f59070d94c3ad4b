#include "hookbridge/http/outcome_mailbox.h"

#include <sys/eventfd.h>
#include <unistd.h>

namespace hookbridge {

OutcomeMailbox::OutcomeMailbox() : wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

OutcomeMailbox::~OutcomeMailbox() { ::close(wake_); }

void OutcomeMailbox::Post(Ticket ticket, WebhookResult outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  const bool first = outcomes_.empty();
  outcomes_.emplace_back(ticket, std::move(outcome));
  if (first) Wake();  // one wake-up for however many outcomes arrive before the loop takes them
}

void OutcomeMailbox::Wake() {
  const uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

OutcomeMailbox::Outcomes OutcomeMailbox::Take() {
  uint64_t count;
  (void)!::read(wake_, &count, sizeof count);
  Outcomes taken;
  std::lock_guard<std::mutex> lock(mutex_);
  taken.swap(outcomes_);
  return taken;
}

}  // namespace hookbridge
