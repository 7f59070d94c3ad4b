#include "hookbridge/core/time_slice.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <thread>

namespace hookbridge {
namespace {

using std::chrono::microseconds;
using std::chrono::nanoseconds;

int OwnNiceness() { return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid())); }

// Each test changes a thread of its own, never the test runner's.
template <typename Body>
void OnItsOwnThread(Body body) {
  std::thread thread(body);
  thread.join();
}

TEST(TimeSlice, AThreadGetsTheSliceItAsksForAndKeepsItsNiceness) {
  OnItsOwnThread([] {
    // A thread may always lower its own priority: the niceness it has must survive.
    ASSERT_EQ(::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 3), 0);
    const bool kernel_has_slices = TimeSliceOf(0) != nanoseconds::zero();

    const nanoseconds granted = RequestTimeSlice(kAnsweringThreadSlice);

    EXPECT_EQ(::sched_getscheduler(0), SCHED_OTHER);
    EXPECT_EQ(OwnNiceness(), 3);
    // Before Linux 6.12 there is nothing to ask for, and nothing changes.
    EXPECT_EQ(granted,
              kernel_has_slices ? nanoseconds(kAnsweringThreadSlice) : nanoseconds::zero());
    EXPECT_EQ(TimeSliceOf(0), granted);
  });
}

TEST(TimeSlice, TheKernelClampsARequestToItsRange) {
  OnItsOwnThread([] {
    const bool kernel_has_slices = TimeSliceOf(0) != nanoseconds::zero();
    EXPECT_EQ(RequestTimeSlice(nanoseconds(1)),
              kernel_has_slices ? nanoseconds(microseconds(100)) : nanoseconds::zero());
  });
}

TEST(TimeSlice, AnotherPolicyIsLeftAlone) {
  OnItsOwnThread([] {
    sched_param param{};
    ASSERT_EQ(::sched_setscheduler(0, SCHED_IDLE, &param), 0);

    EXPECT_EQ(RequestTimeSlice(kAnsweringThreadSlice), nanoseconds::zero());
    EXPECT_EQ(::sched_getscheduler(0), SCHED_IDLE);
  });
}

}  // namespace
}  // namespace hookbridge
