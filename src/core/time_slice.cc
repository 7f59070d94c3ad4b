#include "hookbridge/core/time_slice.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace hookbridge {
namespace {

// The kernel's struct sched_attr (its first version, which every kernel
// since 3.14 takes). Declared here because <linux/sched/types.h> clashes
// with glibc's <sched.h>, and glibc 2.36 has no wrappers for these calls.
struct SchedulingAttributes {
  std::uint32_t size;
  std::uint32_t policy;
  std::uint64_t flags;
  std::int32_t nice;
  std::uint32_t priority;
  std::uint64_t runtime;  // for ordinary threads since Linux 6.12: the slice
  std::uint64_t deadline;
  std::uint64_t period;
};
constexpr std::uint64_t kKeepPolicy = 0x08;  // SCHED_FLAG_KEEP_POLICY

bool GetAttributes(pid_t thread, SchedulingAttributes* attributes) {
  return ::syscall(SYS_sched_getattr, thread, attributes, sizeof(*attributes), 0) == 0;
}

}  // namespace

std::chrono::nanoseconds TimeSliceOf(pid_t thread) {
  SchedulingAttributes attributes{};
  if (!GetAttributes(thread, &attributes) || attributes.policy != SCHED_OTHER) {
    return std::chrono::nanoseconds::zero();
  }
  return std::chrono::nanoseconds(attributes.runtime);
}

std::chrono::nanoseconds RequestTimeSlice(std::chrono::nanoseconds slice) {
  SchedulingAttributes attributes{};
  if (!GetAttributes(0, &attributes) || attributes.policy != SCHED_OTHER) {
    return std::chrono::nanoseconds::zero();
  }
  // Setting the attributes sets the niceness too: the one read above is
  // written back unchanged. Without the utilisation-clamp flag the clamps are
  // left alone (kernels built without them refuse that flag).
  attributes.size = sizeof(attributes);
  attributes.flags = kKeepPolicy;
  attributes.runtime = static_cast<std::uint64_t>(slice.count());
  if (::syscall(SYS_sched_setattr, 0, &attributes, 0) != 0) {
    return std::chrono::nanoseconds::zero();
  }
  return TimeSliceOf(0);
}

}  // namespace hookbridge
