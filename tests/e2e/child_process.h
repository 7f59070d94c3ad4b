// A program run as a child process by a test: exactly the environment given,
// stdout and stderr captured in a file, signalled and waited for with bounds.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace hookbridge::e2e {

class ChildProcess {
 public:
  ChildProcess(const std::string& binary, const std::map<std::string, std::string>& env,
               const std::vector<std::string>& args);
  ~ChildProcess();  // SIGKILLs it if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }  // for sampling its memory, descriptors, threads
  const std::string& output() const;  // stdout and stderr so far

  // Sends `signal` without waiting (false if the process is gone).
  bool Signal(int signal);
  // Sends `signal` and waits for the exit; returns the exit code (128+n if
  // killed by signal n), or -1 if it did not exit within `timeout`.
  int SignalAndWait(int signal, std::chrono::milliseconds timeout);
  // Waits for an exit that the process makes on its own (-1 if it did not).
  int WaitForExit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string output_path_;
  mutable std::string output_;
};

}  // namespace hookbridge::e2e
