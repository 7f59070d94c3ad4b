// Runs the real hookbridge binary as a child process for end-to-end tests.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "child_process.h"

namespace hookbridge::e2e {

class HookbridgeProcess {
 public:
  // Starts the binary with exactly `env` as its environment and waits until it
  // logs that it listens (listen on 127.0.0.1:0 to get a free port). With
  // `wait_until_listening` false it returns at once, and port() stays -1
  // (for a log level that hides the start-up line).
  HookbridgeProcess(const std::map<std::string, std::string>& env,
                    const std::vector<std::string>& args = {}, bool wait_until_listening = true);

  bool started() const { return port_ > 0; }
  int port() const { return port_; }
  pid_t pid() const { return process_.pid(); }  // for sampling its memory, descriptors, threads
  const std::string& output() const { return process_.output(); }  // stdout and stderr so far

  // Sends `signal` without waiting (false if the process is gone).
  bool Signal(int signal) { return process_.Signal(signal); }
  // Sends `signal` and waits for the exit; returns the exit code (128+n if
  // killed by signal n), or -1 if it did not exit within `timeout`.
  int SignalAndWait(int signal, std::chrono::milliseconds timeout) {
    return process_.SignalAndWait(signal, timeout);
  }
  // Waits for an exit that the process makes on its own (-1 if it did not).
  int WaitForExit(std::chrono::milliseconds timeout) { return process_.WaitForExit(timeout); }

 private:
  ChildProcess process_;  // SIGKILLed on destruction if still running
  int port_ = -1;
};

}  // namespace hookbridge::e2e
