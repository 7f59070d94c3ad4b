// hookbridge run as an orchestrator runs it, for the suites that fault it
// under load (tests/faults, tests/cluster): started on a free port the first
// time, then always on that same port, which the senders keep; and, when
// supervised, started again at once after a fatal error of the idempotent
// producer (exit status 3, docs/producer-settings.md), while any other exit is
// a failure. Start() and the accessors may be called from any thread; the
// watcher thread of Supervise() replaces the process under the same lock.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "hookbridge_process.h"

namespace hookbridge::e2e {

class SupervisedHookbridge {
 public:
  // The whole environment of a process that listens on 127.0.0.1:`port`
  // (0: a free port).
  using Environment = std::function<std::map<std::string, std::string>(int port)>;

  explicit SupervisedHookbridge(Environment environment);
  ~SupervisedHookbridge();  // stops supervising; the process is SIGKILLed if it still runs
  SupervisedHookbridge(const SupervisedHookbridge&) = delete;
  SupervisedHookbridge& operator=(const SupervisedHookbridge&) = delete;

  // Starts a new process in place of the current one (which should have
  // exited by now): on a free port the first time, then on the same port.
  // That port can take a moment to be free again after a kill, so it tries
  // again for a while. False if the last try did not listen (its output says
  // why).
  bool Start();

  // From now on a watcher thread restarts the process after exit status 3;
  // any other exit, or a restart that does not listen, stops the watcher and
  // is reported by failure().
  void Supervise();
  void StopSupervising();  // joins the watcher; a restart under way is abandoned

  std::string failure() const;                // "" until the watcher saw something wrong
  int restarts() const { return restarts_; }  // by the watcher, after exit status 3
  int port() const;                           // -1 before the first Start()
  pid_t pid() const;                          // of the current process
  // Everything the processes wrote so far, the earlier ones first.
  std::string output() const;

  // The current process, to signal it or wait for it. Not while supervised:
  // the watcher may replace it.
  HookbridgeProcess& process() { return *process_; }

 private:
  bool Launch(bool by_watcher);
  void Watch();

  const Environment environment_;
  mutable std::mutex mutex_;
  std::unique_ptr<HookbridgeProcess> process_;  // replaced only under mutex_
  int port_ = -1;                               // under mutex_
  std::string earlier_output_;                  // of replaced processes; under mutex_
  std::string failure_;                         // under mutex_
  std::atomic<bool> supervising_{false};
  std::atomic<int> restarts_{0};
  std::thread watcher_;
};

}  // namespace hookbridge::e2e
