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
  // One wake-up for however many outcomes arrive before the loop takes them;
  // none for the loop itself.
  if (first && std::this_thread::get_id() != loop_thread_.load()) Wake();
}

void OutcomeMailbox::Wake() {
  const uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

void OutcomeMailbox::ClearWake() {
  uint64_t count;
  (void)!::read(wake_, &count, sizeof count);
}

OutcomeMailbox::Outcomes OutcomeMailbox::Take() {
  Outcomes taken;
  std::lock_guard<std::mutex> lock(mutex_);
  taken.swap(outcomes_);
  return taken;
}

}  // namespace hookbridge
