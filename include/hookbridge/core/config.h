// hookbridge's settings: one plain struct, read once at start-up from the
// environment and the command line (a flag wins over its variable), and
// checked there. A bad value stops start-up with a message naming the setting.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hookbridge/core/api_keys.h"

namespace hookbridge {

struct Config {
  std::string listen_host = "0.0.0.0";
  int listen_port = 8080;  // 0 picks a free port (tests)
  std::string webhook_path = "/webhooks/getprofile";
  ApiKeys api_keys;                // required; never logged
  std::string kafka_brokers;       // empty: run the embedded development broker
  std::string kafka_topic = "getprofile.events";
  std::chrono::milliseconds ack_timeout{4000};  // below GetProfile's 5 s
  size_t max_body_bytes = 1 << 20;
  int http_threads = 64;  // each keep-alive connection holds one while open
  // Raw librdkafka properties, applied after hookbridge's own defaults.
  std::vector<std::pair<std::string, std::string>> rdkafka_properties;
};

using Environment = std::map<std::string, std::string>;

struct ConfigResult {
  std::optional<Config> config;  // set when start-up may go on
  bool show_help = false;        // --help was given
  std::string error;             // names the setting at fault
};

ConfigResult LoadConfig(const std::vector<std::string>& args, const Environment& env);

// The --help text: every setting with its variable, flag and default.
std::string HelpText();

}  // namespace hookbridge
