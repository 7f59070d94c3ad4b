#include "hookbridge_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace hookbridge::e2e {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

HookbridgeProcess::HookbridgeProcess(const std::map<std::string, std::string>& env,
                                     const std::vector<std::string>& args,
                                     bool wait_until_listening) {
  char path_template[] = "/tmp/hookbridge-e2e-XXXXXX";
  int fd = mkstemp(path_template);
  output_path_ = path_template;

  std::vector<std::string> env_strings;
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> arg_strings = {HOOKBRIDGE_BINARY};
  arg_strings.insert(arg_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : arg_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);

  pid_ = fork();
  if (pid_ == 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execve(HOOKBRIDGE_BINARY, argv.data(), envp.data());
    _exit(127);
  }
  close(fd);
  if (!wait_until_listening) return;

  // The start-up log line names the bound address: ..."address":"127.0.0.1:PORT"...
  const std::regex listening(R"re("message":"hookbridge listening","address":"[^"]*:(\d+)")re");
  for (int attempt = 0; attempt < 300; ++attempt) {
    std::smatch match;
    std::string text = ReadWhole(output_path_);
    if (std::regex_search(text, match, listening)) {
      port_ = std::stoi(match[1]);
      return;
    }
    if (WaitForExit(std::chrono::milliseconds(0)) != -1) return;  // exited during start-up
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

HookbridgeProcess::~HookbridgeProcess() {
  if (pid_ > 0) SignalAndWait(SIGKILL, std::chrono::seconds(10));
  unlink(output_path_.c_str());
}

const std::string& HookbridgeProcess::output() const {
  output_ = ReadWhole(output_path_);
  return output_;
}

bool HookbridgeProcess::Signal(int signal) { return pid_ > 0 && kill(pid_, signal) == 0; }

int HookbridgeProcess::SignalAndWait(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  kill(pid_, signal);
  return WaitForExit(timeout);
}

int HookbridgeProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  do {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return -1;
}

}  // namespace hookbridge::e2e
