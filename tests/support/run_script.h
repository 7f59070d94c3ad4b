// Runs a helper script (scripts/kafka-broker.sh, scripts/kafka-cluster.sh)
// from a test and collects what it prints.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace hookbridge::test_support {

// Runs `bash script args...` with this process's environment, `env` set on
// top, and no file descriptors of ours but its output pipe (a broker it
// launches must not keep our sockets open). True on exit status 0; *output
// gets stdout and stderr. On failure the output also goes to stderr.
bool RunScript(const std::string& script, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env, std::string* output = nullptr);

}  // namespace hookbridge::test_support
