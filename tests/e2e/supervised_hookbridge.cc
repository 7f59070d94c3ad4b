#include "supervised_hookbridge.h"

#include <utility>

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How long a start keeps trying while the previous process's port is not free yet.
constexpr auto kStartTimeout = 30s;

}  // namespace

SupervisedHookbridge::SupervisedHookbridge(Environment environment)
    : environment_(std::move(environment)) {}

SupervisedHookbridge::~SupervisedHookbridge() { StopSupervising(); }

bool SupervisedHookbridge::Start() { return Launch(/*by_watcher=*/false); }

bool SupervisedHookbridge::Launch(bool by_watcher) {
  const int port = this->port();
  const auto deadline = Clock::now() + kStartTimeout;
  std::unique_ptr<HookbridgeProcess> next;
  while (true) {
    if (next) {
      std::lock_guard<std::mutex> lock(mutex_);
      earlier_output_ += next->output();
    }
    next = std::make_unique<HookbridgeProcess>(environment_(port > 0 ? port : 0));
    // The watcher gives up when supervision stops, not to hold up the test.
    const bool abandoned = by_watcher && !supervising_;
    if (next->started() || abandoned || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(200ms);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (process_) earlier_output_ += process_->output();
  process_ = std::move(next);
  if (port_ <= 0) port_ = process_->port();
  return process_->started() && process_->port() == port_;
}

void SupervisedHookbridge::Supervise() {
  supervising_ = true;
  watcher_ = std::thread([this] { Watch(); });
}

void SupervisedHookbridge::StopSupervising() {
  supervising_ = false;
  if (watcher_.joinable()) watcher_.join();
}

void SupervisedHookbridge::Watch() {
  while (supervising_) {
    int status = -1;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      status = process_->WaitForExit(0ms);
    }
    if (status == -1) {
      std::this_thread::sleep_for(100ms);
      continue;
    }
    if (status != 3) {
      std::lock_guard<std::mutex> lock(mutex_);
      failure_ = "hookbridge exited with status " + std::to_string(status);
      return;
    }
    if (!Launch(/*by_watcher=*/true)) {
      std::lock_guard<std::mutex> lock(mutex_);
      failure_ = "hookbridge did not start again after its fatal error";
      return;
    }
    ++restarts_;
  }
}

std::string SupervisedHookbridge::failure() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failure_;
}

int SupervisedHookbridge::port() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return port_;
}

pid_t SupervisedHookbridge::pid() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return process_ ? process_->pid() : -1;
}

std::string SupervisedHookbridge::output() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return earlier_output_ + (process_ ? process_->output() : std::string());
}

}  // namespace hookbridge::e2e
