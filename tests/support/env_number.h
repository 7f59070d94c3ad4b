// A positive whole number from the environment, for test sizes that a manual
// run may raise (events, senders, ports).
#pragma once

#include <cstddef>
#include <cstdlib>

namespace hookbridge::test_support {

// `name`'s value if it is a positive decimal number, else `fallback`.
inline size_t EnvNumber(const char* name, size_t fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  return end != text && *end == '\0' && value > 0 ? static_cast<size_t>(value) : fallback;
}

}  // namespace hookbridge::test_support
