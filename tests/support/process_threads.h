// The test process's own threads, by the name they gave themselves
// (pthread_setname_np; /proc/self/task/<tid>/comm). Linux only.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace hookbridge::test_support {

// The threads whose name starts with `prefix`: id -> name.
inline std::map<pid_t, std::string> ThreadsNamed(const std::string& prefix) {
  std::map<pid_t, std::string> threads;
  std::error_code error;  // a thread that ends meanwhile is simply not listed
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name) && name.rfind(prefix, 0) == 0) {
      threads.emplace(static_cast<pid_t>(std::stol(task.path().filename().string())), name);
    }
  }
  return threads;
}

}  // namespace hookbridge::test_support
