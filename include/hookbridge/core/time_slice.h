// A thread that answers others asks the scheduler for a short time slice, so
// that it runs soon after it wakes even when every CPU is busy with long
// work (TLS handshakes, the broker, a load generator beside it).
//
// Linux 6.12 and later schedule ordinary threads by EEVDF: each runnable
// thread has a virtual deadline one slice after its eligible time, and the
// earliest deadline runs next. A thread that wakes with a shorter slice than
// the running one's gets the earlier deadline and preempts it. This changes
// when a thread runs, not how much: its CPU share stays the same as its
// neighbours' at the same niceness, so unlike a lower niceness for the
// others it cannot starve anything. Older kernels ignore the request.
#pragma once

#include <sys/types.h>

#include <chrono>

namespace hookbridge {

// The slice the threads that write answers ask for: the shortest the kernel
// grants (it clamps a request to 0.1-100 ms).
inline constexpr std::chrono::microseconds kAnsweringThreadSlice{100};

// Asks for `slice` for the calling thread, keeping its policy and niceness,
// and returns TimeSliceOf(0) after. A thread with another policy than
// SCHED_OTHER is left alone.
std::chrono::nanoseconds RequestTimeSlice(std::chrono::nanoseconds slice);

// A thread's slice as the kernel reports it (its default until it asks for
// another), or zero: a kernel before 6.12, which has no per-thread slices,
// or a policy other than SCHED_OTHER. `thread` is a thread id; 0 is the
// calling thread.
std::chrono::nanoseconds TimeSliceOf(pid_t thread);

}  // namespace hookbridge
