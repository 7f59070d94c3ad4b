// hookbridge-replay's settings, from flags and the environment (a flag wins),
// checked once at start-up: a bad one stops the run with a message naming it.
// The API key is read from a file or the environment, never from a flag (a
// flag shows in `ps`), and is never printed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hookbridge/replay/record_selection.h"

namespace hookbridge::replay {

struct ReplayOptions {
  std::string brokers;                      // Kafka bootstrap servers
  std::string topic;                        // the dead-letter topic
  std::string group = "hookbridge-replay";  // consumer group whose commits say what was delivered
  std::string url;      // http(s)://host[:port]/path of a hookbridge webhook endpoint
  std::string api_key;  // sent as Bearer; never printed
  RecordSelection selection;
  bool dry_run = false;  // list what would be sent; send and commit nothing
  // Consumer properties: HOOKBRIDGE_RDKAFKA_* first, then --rdkafka (the later wins).
  std::vector<std::pair<std::string, std::string>> rdkafka_properties;
};

struct ReplayOptionsResult {
  std::optional<ReplayOptions> options;
  bool show_help = false;
  bool show_version = false;
  std::string error;  // names the flag or variable at fault
};

ReplayOptionsResult ParseReplayOptions(const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env);

std::string ReplayHelpText();

// One line for --version: "hookbridge-replay VERSION (librdkafka LIBRDKAFKA)\n".
std::string ReplayVersionText(const char* librdkafka_version);

}  // namespace hookbridge::replay
