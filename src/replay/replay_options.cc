#include "hookbridge/replay/replay_options.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "hookbridge/core/rdkafka_property_files.h"
#include "hookbridge/core/setting_names.h"
#include "hookbridge/core/text.h"
#include "hookbridge/rules/rules.h"
#include "hookbridge/version.h"

namespace hookbridge::replay {
namespace {

using Apply = std::function<std::string(ReplayOptions&, const std::string& value)>;

// Every HOOKBRIDGE_REPLAY_* variable must be one of the tool's own: a typo
// stops the run. Other HOOKBRIDGE_* names belong to the server, which checks
// them; the tool reads only the two it shares (brokers, dead-letter topic).
constexpr std::string_view kOwnEnvPrefix = "HOOKBRIDGE_REPLAY_";
constexpr const char* kApiKeyEnv = "HOOKBRIDGE_REPLAY_API_KEY";

struct Flag {
  const char* name;
  const char* env;  // nullptr: a flag only
  const char* help;
  Apply apply;
};

std::string ApplyKeyFile(ReplayOptions& options, const std::string& path) {
  std::ifstream file(path);
  if (!file) return "cannot read '" + path + "'";
  std::string line;
  while (std::getline(file, line)) {
    std::string_view key = Trim(line);
    if (!key.empty()) {
      options.api_key = std::string(key);
      return "";
    }
  }
  return "'" + path + "' holds no key";
}

std::string ApplyReasons(ReplayOptions& options, const std::string& value) {
  options.selection.reasons.clear();
  for (std::string_view reason : Split(value, ',')) {
    reason = Trim(reason);
    const auto& known = DeadLetterReasons();
    if (std::find(known.begin(), known.end(), reason) == known.end()) {
      std::string names;
      for (const auto& name : known) names += (names.empty() ? "" : ", ") + name;
      return "'" + std::string(reason) + "' is not one of " + names;
    }
    options.selection.reasons.emplace_back(reason);
  }
  return "";
}

Apply Time(std::optional<int64_t> RecordSelection::*field) {
  return [field](ReplayOptions& options, const std::string& value) -> std::string {
    std::optional<int64_t> ms = ParseUtcTime(value);
    if (!ms) return "'" + value + "' is not a UTC time like 2026-12-02T09:30:00Z";
    options.selection.*field = ms;
    return "";
  };
}

Apply Text(std::string ReplayOptions::*field) {
  return [field](ReplayOptions& options, const std::string& value) -> std::string {
    if (value.empty()) return "must not be empty";
    options.*field = value;
    return "";
  };
}

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> flags = {
      {"--brokers", "HOOKBRIDGE_KAFKA_BROKERS", "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]",
       Text(&ReplayOptions::brokers)},
      {"--topic", "HOOKBRIDGE_DEAD_LETTER_TOPIC", "the dead-letter topic to read",
       Text(&ReplayOptions::topic)},
      {"--group", "HOOKBRIDGE_REPLAY_GROUP",
       "consumer group whose commits record what was delivered (default hookbridge-replay)",
       Text(&ReplayOptions::group)},
      {"--url", "HOOKBRIDGE_REPLAY_URL",
       "the webhook endpoint to POST to, e.g. http://hookbridge:8080/webhooks/getprofile",
       [](ReplayOptions& options, const std::string& value) -> std::string {
         size_t scheme_end = value.find("://");
         std::string scheme = scheme_end == std::string::npos ? "" : value.substr(0, scheme_end);
         if ((scheme != "http" && scheme != "https") ||
             value.find('/', scheme_end + 3) == std::string::npos ||
             value.find('/', scheme_end + 3) == scheme_end + 3) {
           return "'" + value + "' is not http(s)://HOST[:PORT]/PATH";
         }
         options.url = value;
         return "";
       }},
      {"--api-key-file", "HOOKBRIDGE_REPLAY_API_KEY_FILE",
       "file whose first non-empty line is the API key to send (or set HOOKBRIDGE_REPLAY_API_KEY)",
       ApplyKeyFile},
      {"--reason", nullptr,
       "only dead letters of these reasons: json, schema, content_type (comma-separated)",
       ApplyReasons},
      {"--since", nullptr,
       "only dead letters stored at or after this UTC time (2026-12-02T09:30:00Z)",
       Time(&RecordSelection::since_ms)},
      {"--until", nullptr, "only dead letters stored before this UTC time",
       Time(&RecordSelection::until_ms)},
      {"--rdkafka", nullptr,
       "KEY=VALUE: a librdkafka consumer property (e.g. security.protocol=SSL); KEY.file=PATH "
       "sets KEY to the file's content (sasl.password.file=/run/secrets/kafka-password)",
       [](ReplayOptions& options, const std::string& value) -> std::string {
         size_t equals = value.find('=');
         if (equals == std::string::npos || equals == 0) return "expected KEY=VALUE";
         options.rdkafka_properties.emplace_back(value.substr(0, equals), value.substr(equals + 1));
         return "";
       }},
  };
  return flags;
}

std::string UnknownEnvironment(const std::map<std::string, std::string>& env) {
  SettingNames names;
  names.checked_prefixes = {kOwnEnvPrefix};
  names.known = {kApiKeyEnv};
  for (const Flag& flag : Flags()) {
    if (flag.env != nullptr) names.known.emplace_back(flag.env);
  }
  return UnknownSettings(env, names);
}

ReplayOptionsResult Failure(std::string error) {
  ReplayOptionsResult result;
  result.error = std::move(error);
  return result;
}

}  // namespace

ReplayOptionsResult ParseReplayOptions(const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env) {
  ReplayOptions options;
  // Like a bad value, reported after the flags, so that --help still works.
  std::string env_error = UnknownEnvironment(env);
  // As the service takes them, so one env file serves both; --rdkafka adds to them.
  options.rdkafka_properties = RdkafkaPropertiesFromEnvironment(env);
  // The key from the environment first: a key file, from either, replaces it.
  if (auto key = env.find(kApiKeyEnv); key != env.end()) {
    options.api_key = std::string(Trim(key->second));
  }
  for (const Flag& flag : Flags()) {
    if (flag.env == nullptr || !env_error.empty()) continue;
    auto found = env.find(flag.env);
    if (found == env.end()) continue;
    if (std::string error = flag.apply(options, found->second); !error.empty()) {
      env_error = std::string(flag.env) + ": " + error;
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      ReplayOptionsResult result;
      result.show_help = true;
      return result;
    }
    if (arg == "--version") {
      ReplayOptionsResult result;
      result.show_version = true;
      return result;
    }
    if (arg == "--dry-run") {
      options.dry_run = true;
      continue;
    }
    std::string name = arg.substr(0, arg.find('='));
    auto flag = std::find_if(Flags().begin(), Flags().end(),
                             [&name](const Flag& candidate) { return name == candidate.name; });
    if (flag == Flags().end()) return Failure("unknown option '" + name + "' (see --help)");
    std::optional<std::string> given = FlagValue(args, name, i);
    if (!given) return Failure(name + ": needs a value (see --help)");
    const std::string& value = *given;
    if (std::string error = flag->apply(options, value); !error.empty()) {
      return Failure(name + ": " + error);
    }
  }
  if (!env_error.empty()) return Failure(env_error);
  // Secrets (sasl.password, ssl.key.password) come from files, never a flag's value.
  std::vector<RdkafkaPropertyFile> secret_files;
  if (std::string error = ResolvePropertyFiles(&options.rdkafka_properties, &secret_files);
      !error.empty()) {
    return Failure(std::string("--rdkafka (or ") + kRdkafkaEnvPrefix + "*): " + error);
  }
  if (options.brokers.empty()) return Failure("--brokers (or HOOKBRIDGE_KAFKA_BROKERS): required");
  if (options.topic.empty()) return Failure("--topic (or HOOKBRIDGE_DEAD_LETTER_TOPIC): required");
  if (options.url.empty()) return Failure("--url (or HOOKBRIDGE_REPLAY_URL): required");
  if (options.api_key.empty() && !options.dry_run) {
    return Failure("--api-key-file (or HOOKBRIDGE_REPLAY_API_KEY): an API key is required");
  }
  if (options.selection.since_ms && options.selection.until_ms &&
      *options.selection.since_ms >= *options.selection.until_ms) {
    return Failure("--since: must be before --until");
  }
  ReplayOptionsResult result;
  result.options = std::move(options);
  return result;
}

std::string ReplayHelpText() {
  std::ostringstream text;
  text
      << "hookbridge-replay: sends the dead letters of a hookbridge dead-letter topic to a "
         "hookbridge\n"
         "webhook endpoint, once the cause is fixed. A 2xx commits the record; a 4xx leaves it in\n"
         "the topic for a later run and reports it; a 5xx or no answer is retried with back-off.\n"
         "It reads what the topic holds when it starts, then exits (docs/replay.md).\n\n"
         "Usage: hookbridge-replay [--flag VALUE | --flag=VALUE]... [--dry-run]\n\n";
  for (const Flag& flag : Flags()) {
    text << "  " << flag.name;
    if (flag.env != nullptr) text << "  (" << flag.env << ")";
    text << "\n      " << flag.help << "\n";
  }
  text << "  (" << kRdkafkaEnvPrefix << "<KEY>, dots as underscores)\n"
       << "      a librdkafka property, as hookbridge takes it: "
          "HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL=SSL,\n"
       << "      HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE=/run/secrets/kafka-password; --rdkafka "
          "wins\n"
       << "  (HOOKBRIDGE_REPLAY_API_KEY)\n      the API key itself, instead of a key file\n"
       << "  Any other HOOKBRIDGE_REPLAY_* variable is a bad setting (a typo must not pass for a\n"
       << "  default).\n"
       << "  --dry-run\n      list what would be sent; send and commit nothing\n"
       << "  --help\n      this text\n"
       << "  --version\n      hookbridge-replay's and librdkafka's versions\n\n"
       << "Exit status: 0 all selected dead letters delivered; 1 some were refused (4xx) and left\n"
       << "in the topic; 2 a bad setting; 3 stopped by a signal before the end; 4 Kafka failed.\n";
  return text.str();
}

std::string ReplayVersionText(const char* librdkafka_version) {
  return std::string("hookbridge-replay ") + kVersion + " (librdkafka " + librdkafka_version +
         ")\n";
}

}  // namespace hookbridge::replay
