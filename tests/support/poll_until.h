// Waiting for a condition in a test: never a fixed sleep, always a bound.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace hookbridge::test_support {

// Calls `condition` every `interval` until it is true (returns true) or
// `timeout` passes (returns false).
inline bool PollUntil(std::chrono::milliseconds timeout, const std::function<bool()>& condition,
                      std::chrono::milliseconds interval = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace hookbridge::test_support
