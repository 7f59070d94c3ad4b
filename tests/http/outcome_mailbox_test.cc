// The mailbox between the publisher's callbacks and the connection loop: who
// gets woken, and that nothing posted is lost.
#include "hookbridge/http/outcome_mailbox.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <thread>

namespace hookbridge {
namespace {

bool Readable(int fd) {
  pollfd waiting{fd, POLLIN, 0};
  return ::poll(&waiting, 1, 0) == 1;
}

WebhookResult Outcome(int status) {
  WebhookResult result;
  result.response.status = status;
  return result;
}

TEST(OutcomeMailbox, APostFromAnotherThreadWakesTheLoopOnce) {
  OutcomeMailbox mailbox;
  mailbox.BindToThisThread();
  EXPECT_FALSE(Readable(mailbox.wake_fd()));
  std::thread([&] {
    mailbox.Post(1, Outcome(200));
    mailbox.Post(2, Outcome(503));
  }).join();
  EXPECT_TRUE(Readable(mailbox.wake_fd()));
  mailbox.ClearWake();
  EXPECT_FALSE(Readable(mailbox.wake_fd()));
  OutcomeMailbox::Outcomes taken = mailbox.Take();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].first, 1u);
  EXPECT_EQ(taken[0].second.response.status, 200);
  EXPECT_EQ(taken[1].first, 2u);
  EXPECT_TRUE(mailbox.Take().empty());
}

TEST(OutcomeMailbox, APostOnTheLoopsOwnThreadWakesNothingButIsKept) {
  OutcomeMailbox mailbox;
  mailbox.BindToThisThread();
  mailbox.Post(7, Outcome(400));
  EXPECT_FALSE(Readable(mailbox.wake_fd()));
  OutcomeMailbox::Outcomes taken = mailbox.Take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].first, 7u);
}

TEST(OutcomeMailbox, WakeIsWhatStopUses) {
  OutcomeMailbox mailbox;
  mailbox.BindToThisThread();
  mailbox.Wake();
  EXPECT_TRUE(Readable(mailbox.wake_fd()));
  EXPECT_TRUE(mailbox.Take().empty());
}

}  // namespace
}  // namespace hookbridge
