// The end of a process's captured output, for failure messages.
#pragma once

#include <cstddef>
#include <string>

namespace hookbridge::test_support {

// The last `lines` lines of `text`.
inline std::string Tail(const std::string& text, size_t lines) {
  size_t at = text.size();
  for (size_t found = 0; found <= lines && at > 0;) {
    at = text.rfind('\n', at - 1);
    if (at == std::string::npos) return text;
    ++found;
  }
  return text.substr(at + 1);
}

}  // namespace hookbridge::test_support
