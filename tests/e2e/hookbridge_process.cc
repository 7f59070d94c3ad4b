#include "hookbridge_process.h"

#include <regex>
#include <thread>

namespace hookbridge::e2e {

HookbridgeProcess::HookbridgeProcess(const std::map<std::string, std::string>& env,
                                     const std::vector<std::string>& args,
                                     bool wait_until_listening)
    : process_(HOOKBRIDGE_BINARY, env, args) {
  if (!wait_until_listening) return;

  // The start-up log line names the bound address: ..."address":"127.0.0.1:PORT"...
  const std::regex listening(R"re("message":"hookbridge listening","address":"[^"]*:(\d+)")re");
  for (int attempt = 0; attempt < 300; ++attempt) {
    std::smatch match;
    const std::string& text = process_.output();
    if (std::regex_search(text, match, listening)) {
      port_ = std::stoi(match[1]);
      return;
    }
    if (WaitForExit(std::chrono::milliseconds(0)) != -1) return;  // exited during start-up
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace hookbridge::e2e
