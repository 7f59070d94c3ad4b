// The timeout of a thread's epoll_wait that keeps deadlines (a connection
// loop's, a handshake thread's): until the earliest of them, or forever.
#pragma once

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <optional>

namespace hookbridge {

// Milliseconds from `now` to the earliest of `deadlines` (those set),
// rounded up so that the thread wakes at or after it, never just before and
// then again; -1 when none is set; at most a minute (which fits an int).
inline int EpollTimeoutMs(
    std::chrono::steady_clock::time_point now,
    std::initializer_list<std::optional<std::chrono::steady_clock::time_point>> deadlines) {
  std::optional<std::chrono::steady_clock::time_point> next;
  for (const auto& deadline : deadlines) {
    if (deadline && (!next || *deadline < *next)) next = deadline;
  }
  if (!next) return -1;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now).count() + 1;
  return static_cast<int>(std::clamp<long long>(wait, 0, 60000));
}

}  // namespace hookbridge
