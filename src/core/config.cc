#include "hookbridge/core/config.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <sstream>

#include "hookbridge/core/setting_names.h"
#include "hookbridge/core/text.h"
#include "hookbridge/rules/rules.h"

extern char** environ;

namespace hookbridge {
namespace {

constexpr const char* kFaultInjectionEnv = "HOOKBRIDGE_FAULT_INJECTION";
constexpr const char* kRetiredHttpThreadsEnv = "HOOKBRIDGE_HTTP_THREADS";

// Every variable with these prefixes must be a name hookbridge knows: a typo
// (HOOKBRIDGE_KAFKA_BROKER) stops start-up instead of passing for a default.
constexpr std::string_view kCheckedEnvPrefixes[] = {"HOOKBRIDGE_", "GETPROFILE_"};

// The one list of names with those prefixes that are not in Settings() yet
// legitimately sit in hookbridge's environment, each with the reason. Keep it
// short: everything else with the prefixes is refused.
constexpr std::string_view kOtherKnownEnv[] = {
    // Tests only (Config::fault_injection); read in LoadConfig, not in --help.
    kFaultInjectionEnv,
    // Retired: it sized a thread pool that no longer exists. Old deployments
    // still start, with a warning.
    kRetiredHttpThreadsEnv,
    // Read by deploy/healthcheck.sh, which runs in the same container.
    "HOOKBRIDGE_HEALTHCHECK_TIMEOUT_S",
};
constexpr std::string_view kPassedEnvPrefixes[] = {
    // librdkafka properties: librdkafka itself judges their names.
    kRdkafkaEnvPrefix,
    // hookbridge-replay's own settings (src/replay/replay_options.cc), which
    // it checks the same way; a shared env file may hold them.
    "HOOKBRIDGE_REPLAY_",
};

// The most connection loops one instance runs.
constexpr int kMaxHttpLoops = 256;

// Parses one value into the config; returns an error text, empty when fine.
using Apply = std::function<std::string(Config&, const std::string& value)>;
// The setting's value in a config, as --check-config prints it; empty when unset.
using Show = std::function<std::string(const Config&)>;

// One setting. Its default is Show applied to a default Config: Config's
// initialisers are the one place defaults are written.
struct Setting {
  const char* env;
  const char* flag;
  const char* unset_text;  // --help's default when Show gives nothing
  const char* help;
  Apply apply;
  Show show;
};

std::string Number(long long value) { return std::to_string(value); }

constexpr std::pair<const char*, LogLevel> kLogLevels[] = {{"debug", LogLevel::kDebug},
                                                           {"info", LogLevel::kInfo},
                                                           {"warn", LogLevel::kWarn},
                                                           {"error", LogLevel::kError}};

const char* LogLevelName(LogLevel level) {
  for (const auto& [name, value] : kLogLevels) {
    if (value == level) return name;
  }
  return "info";
}

std::string ParseInteger(const std::string& text, long long min, long long max, long long* out) {
  long long value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return "'" + text + "' is not a number";
  if (value < min || value > max) {
    return std::to_string(value) + " is out of range [" + std::to_string(min) + ", " +
           std::to_string(max) + "]";
  }
  *out = value;
  return "";
}

std::string ApplyListen(Config& config, const std::string& value) {
  size_t colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) return "'" + value + "' is not HOST:PORT";
  std::string host = value.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  long long port = 0;
  if (std::string error = ParseInteger(value.substr(colon + 1), 0, 65535, &port); !error.empty()) {
    return "port " + error;
  }
  config.listen_host = host;
  config.listen_port = static_cast<int>(port);
  return "";
}

// A typo stops start-up instead of failing every produce.
std::string CheckTopicName(const std::string& name) {
  if (name.empty()) return "must not be empty";
  if (!IsTopicName(name)) {
    return "'" + name + "' is not a Kafka topic name (" + std::string(kTopicNameRule) + ")";
  }
  return "";
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"HOOKBRIDGE_LISTEN", "--listen", "", "HOST:PORT to serve HTTP on", ApplyListen,
       [](const Config& c) { return c.listen_host + ":" + Number(c.listen_port); }},
      {"HOOKBRIDGE_WEBHOOK_PATH", "--webhook-path", "", "path that accepts the webhook POSTs",
       [](Config& c, const std::string& v) -> std::string {
         if (std::string problem = WebhookPathProblem(v); !problem.empty()) {
           return "'" + v + "' " + problem;
         }
         c.webhook_path = v;
         return "";
       },
       [](const Config& c) { return c.webhook_path; }},
      {"GETPROFILE_API_KEY", "--api-key", "(none)",
       "accepted API keys, comma-separated (several allow rotation without downtime)",
       [](Config& c, const std::string& v) -> std::string {
         std::string error;
         auto keys = ApiKeys::FromCommaList(v, &error);
         if (!keys) return error;
         c.api_keys = std::move(*keys);
         c.api_key_file.clear();
         return "";
       },
       [](const Config& c) {
         return c.api_key_file.empty() && c.api_keys.size() > 0
                    ? "(" + Number(static_cast<long long>(c.api_keys.size())) + " keys, redacted)"
                    : std::string();
       }},
      {"GETPROFILE_API_KEY_FILE", "--api-key-file", "(none)",
       "file with one accepted API key per line (instead of GETPROFILE_API_KEY)",
       [](Config& c, const std::string& v) -> std::string {
         std::string error;
         auto keys = ApiKeys::FromFile(v, &error);
         if (!keys) return error;
         c.api_keys = std::move(*keys);
         c.api_key_file = v;
         return "";
       },
       [](const Config& c) {
         return c.api_key_file.empty()
                    ? std::string()
                    : c.api_key_file + " (" + Number(static_cast<long long>(c.api_keys.size())) +
                          " keys, redacted)";
       }},
      {"HOOKBRIDGE_SOURCES_FILE", "--sources-file", "(none: the GetProfile source alone)",
       "YAML file of webhook sources (docs/sources.md), re-read when it changes; with it, "
       "GETPROFILE_API_KEY is needed only by bearer sources that name no secrets_file",
       [](Config& c, const std::string& v) -> std::string {
         if (v.empty()) return "must name a file";
         c.sources_file = v;
         return "";
       },
       [](const Config& c) { return c.sources_file; }},
      {"HOOKBRIDGE_KAFKA_BROKERS", "--kafka-brokers", "(none: required)",
       "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]; or 'embedded': an in-memory "
       "development broker inside the process that LOSES every event on exit",
       [](Config& c, const std::string& v) -> std::string {
         c.embedded_broker = v == kEmbeddedBroker;
         c.kafka_brokers = c.embedded_broker ? "" : v;
         return "";
       },
       [](const Config& c) {
         if (!c.embedded_broker) return c.kafka_brokers;
         return std::string(kEmbeddedBroker) +
                (c.kafka_brokers.empty() ? "" : " (" + c.kafka_brokers + ")");
       }},
      {"HOOKBRIDGE_KAFKA_TOPIC", "--kafka-topic", "", "topic the events go to",
       [](Config& c, const std::string& v) -> std::string {
         if (std::string error = CheckTopicName(v); !error.empty()) return error;
         c.kafka_topic = v;
         return "";
       },
       [](const Config& c) { return c.kafka_topic; }},
      {"HOOKBRIDGE_DEAD_LETTER_TOPIC", "--dead-letter-topic", "(none: such webhooks get their 4xx)",
       "topic for authenticated webhooks that cannot become an event (bad JSON, failed checks, "
       "content type): kept there and answered 200; see hookbridge-replay",
       [](Config& c, const std::string& v) -> std::string {
         if (std::string error = CheckTopicName(v); !error.empty()) return error;
         c.dead_letter_topic = v;
         return "";
       },
       [](const Config& c) { return c.dead_letter_topic; }},
      {"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", "",
       "answer 503 when Kafka has not acknowledged an event within this many ms",
       [](Config& c, const std::string& v) -> std::string {
         long long ms = 0;
         if (std::string error = ParseInteger(v, 100, 60000, &ms); !error.empty()) return error;
         c.ack_timeout = std::chrono::milliseconds(ms);
         return "";
       },
       [](const Config& c) { return Number(c.ack_timeout.count()); }},
      {"HOOKBRIDGE_MAX_BODY_BYTES", "--max-body-bytes", "",
       "largest accepted request body; larger ones get 413",
       [](Config& c, const std::string& v) -> std::string {
         long long bytes = 0;
         if (std::string error = ParseInteger(v, 64, 64 << 20, &bytes); !error.empty())
           return error;
         c.max_body_bytes = static_cast<size_t>(bytes);
         return "";
       },
       [](const Config& c) { return Number(static_cast<long long>(c.max_body_bytes)); }},
      {"HOOKBRIDGE_MAX_IN_FLIGHT", "--max-in-flight", "",
       "webhooks being received or waiting for Kafka's acknowledgement; past it, webhooks get "
       "503 at once",
       [](Config& c, const std::string& v) -> std::string {
         long long connections = 0;
         if (std::string error = ParseInteger(v, 1, 1 << 20, &connections); !error.empty()) {
           return error;
         }
         c.max_in_flight = static_cast<int>(connections);
         return "";
       },
       [](const Config& c) { return Number(c.max_in_flight); }},
      {"HOOKBRIDGE_MAX_CONNECTIONS", "--max-connections", "",
       "open client connections, idle ones included; past it, a new connection is answered 503 "
       "at once and closed",
       [](Config& c, const std::string& v) -> std::string {
         long long connections = 0;
         if (std::string error = ParseInteger(v, 1, 1 << 20, &connections); !error.empty()) {
           return error;
         }
         c.max_connections = static_cast<int>(connections);
         return "";
       },
       [](const Config& c) { return Number(c.max_connections); }},
      {"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "--request-timeout-ms", "",
       "a client that has not sent its whole request (or finished its TLS handshake) within "
       "this many ms gets 408 and is closed; one that stalls 5 s gets 408 sooner",
       [](Config& c, const std::string& v) -> std::string {
         long long ms = 0;
         if (std::string error = ParseInteger(v, 1000, 600000, &ms); !error.empty()) return error;
         c.request_timeout = std::chrono::milliseconds(ms);
         return "";
       },
       [](const Config& c) { return Number(c.request_timeout.count()); }},
      {"HOOKBRIDGE_HTTP_LOOPS", "--http-loops", "(one per two CPUs the process may use)",
       "connection loops, the threads serving connections (over HTTPS as many handshake "
       "threads); the CPUs are the affinity mask's, capped by a cgroup CPU limit",
       [](Config& c, const std::string& v) -> std::string {
         long long loops = 0;
         if (std::string error = ParseInteger(v, 1, kMaxHttpLoops, &loops); !error.empty()) {
           return error;
         }
         c.http_loops = static_cast<int>(loops);
         return "";
       },
       [](const Config& c) { return c.http_loops > 0 ? Number(c.http_loops) : ""; }},
      {"HOOKBRIDGE_DEDUP_WINDOW_S", "--dedup-window-s", "",
       "a webhook whose event id was PERSISTED this many seconds ago or less is answered 200 as "
       "a duplicate and produces nothing; at least every signed source's tolerance_seconds",
       [](Config& c, const std::string& v) -> std::string {
         long long seconds = 0;
         if (std::string error = ParseInteger(v, 1, 7 * 24 * 3600, &seconds); !error.empty())
           return error;
         c.dedup_window = std::chrono::seconds(seconds);
         return "";
       },
       [](const Config& c) { return Number(c.dedup_window.count()); }},
      {"HOOKBRIDGE_DEDUP_MAX_IDS", "--dedup-max-ids", "",
       "event ids remembered for deduplication, all sources together (45 to 91 bytes each); "
       "when full the oldest go first; 0 turns deduplication off",
       [](Config& c, const std::string& v) -> std::string {
         long long ids = 0;
         if (std::string error = ParseInteger(v, 0, 100'000'000, &ids); !error.empty())
           return error;
         c.dedup_max_ids = static_cast<size_t>(ids);
         return "";
       },
       [](const Config& c) { return Number(static_cast<long long>(c.dedup_max_ids)); }},
      {"HOOKBRIDGE_LOG_LEVEL", "--log-level", "", "debug, info, warn or error",
       [](Config& c, const std::string& v) -> std::string {
         for (const auto& [name, level] : kLogLevels) {
           if (EqualsIgnoreCase(v, name)) {
             c.log_level = level;
             return "";
           }
         }
         return "'" + v + "' is not one of debug, info, warn, error";
       },
       [](const Config& c) { return std::string(LogLevelName(c.log_level)); }},
      {"HOOKBRIDGE_DRAIN_GRACE_MS", "--drain-grace-ms", "",
       "after SIGTERM, keep serving this long with /readyz at 503, then stop",
       [](Config& c, const std::string& v) -> std::string {
         long long ms = 0;
         if (std::string error = ParseInteger(v, 0, 600000, &ms); !error.empty()) return error;
         c.drain_grace = std::chrono::milliseconds(ms);
         return "";
       },
       [](const Config& c) { return Number(c.drain_grace.count()); }},
      {"HOOKBRIDGE_TLS_CERT_FILE", "--tls-cert-file", "(none: plain HTTP)",
       "PEM certificate chain; with HOOKBRIDGE_TLS_KEY_FILE serves HTTPS (TLS 1.2+)",
       [](Config& c, const std::string& v) -> std::string {
         c.tls_cert_file = v;
         return "";
       },
       [](const Config& c) { return c.tls_cert_file; }},
      {"HOOKBRIDGE_TLS_KEY_FILE", "--tls-key-file", "(none)", "PEM private key for HTTPS",
       [](Config& c, const std::string& v) -> std::string {
         c.tls_key_file = v;
         return "";
       },
       [](const Config& c) { return c.tls_key_file; }},
  };
  return settings;
}

std::string ApplyRdkafkaFlag(Config& config, const std::string& value) {
  size_t equals = value.find('=');
  if (equals == std::string::npos || equals == 0) return "expected KEY=VALUE, got '" + value + "'";
  config.rdkafka_properties.emplace_back(value.substr(0, equals), value.substr(equals + 1));
  return "";
}

// Every variable with a checked prefix that is neither a setting nor in
// kOtherKnownEnv nor under a passed prefix, named, with the nearest known name.
std::string UnknownEnvironment(const Environment& env) {
  SettingNames names;
  names.checked_prefixes.assign(std::begin(kCheckedEnvPrefixes), std::end(kCheckedEnvPrefixes));
  names.passed_prefixes.assign(std::begin(kPassedEnvPrefixes), std::end(kPassedEnvPrefixes));
  for (const Setting& setting : Settings()) names.known.emplace_back(setting.env);
  names.known.insert(names.known.end(), std::begin(kOtherKnownEnv), std::end(kOtherKnownEnv));
  return UnknownSettings(env, names);
}

std::string ApplyFaultInjection(Config& config, const std::string& value) {
  if (value != "0" && value != "1") return "'" + value + "' is not 0 or 1 (a switch for tests)";
  config.fault_injection = value == "1";
  return "";
}

ConfigResult Failure(std::string error) {
  ConfigResult result;
  result.error = std::move(error);
  return result;
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    size_t equals = text.find('=');
    if (equals != std::string::npos) env[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return env;
}

int AvailableCpus() {
  cpu_set_t set;
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  // cgroup v2: "max 100000" (no limit) or "<quota> <period>", in microseconds.
  std::ifstream limit("/sys/fs/cgroup/cpu.max");
  std::string quota;
  long long period = 0;
  if (limit >> quota >> period && quota != "max" && period > 0) {
    long long microseconds = 0;
    const bool parsed =
        std::from_chars(quota.data(), quota.data() + quota.size(), microseconds).ec == std::errc();
    if (parsed && microseconds > 0) {
      // A limit of 1.5 CPUs: 2 loops, each idle part of the time.
      cpus = static_cast<int>(std::min<long long>(cpus, (microseconds + period - 1) / period));
    }
  }
  return std::max(cpus, 1);
}

int DefaultHttpLoops() { return std::clamp((AvailableCpus() + 1) / 2, 1, kMaxHttpLoops); }

ConfigResult LoadConfig(const std::vector<std::string>& args, const Environment& env) {
  Config config;
  bool check_config = false;

  // The environment first, then flags over it. An error in the environment is
  // reported after the flags are read, so that --help and --version still work.
  std::string env_error = UnknownEnvironment(env);
  for (const Setting& setting : Settings()) {
    if (!env_error.empty()) break;
    auto found = env.find(setting.env);
    if (found == env.end()) continue;
    if (std::string error = setting.apply(config, found->second); !error.empty()) {
      env_error = std::string(setting.env) + ": " + error;
      break;
    }
  }
  if (env_error.empty() && env.count("GETPROFILE_API_KEY") &&
      env.count("GETPROFILE_API_KEY_FILE")) {
    env_error = "GETPROFILE_API_KEY and GETPROFILE_API_KEY_FILE are both set: set only one";
  }
  if (auto fault = env.find(kFaultInjectionEnv); env_error.empty() && fault != env.end()) {
    if (std::string error = ApplyFaultInjection(config, fault->second); !error.empty()) {
      env_error = std::string(kFaultInjectionEnv) + ": " + error;
    }
  }
  const RdkafkaProperties from_env = RdkafkaPropertiesFromEnvironment(env);
  config.rdkafka_properties.insert(config.rdkafka_properties.end(), from_env.begin(),
                                   from_env.end());

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h" || arg == "--version") {
      ConfigResult result;
      result.show_help = arg != "--version";
      result.show_version = arg == "--version";
      return result;
    }
    if (arg == "--check-config") {
      check_config = true;
      continue;
    }
    std::string name = arg.substr(0, arg.find('='));
    const Setting* setting = nullptr;
    for (const Setting& candidate : Settings()) {
      if (name == candidate.flag) setting = &candidate;
    }
    if (setting == nullptr && name != "--rdkafka") {
      return Failure("unknown option '" + name + "' (see --help)");
    }
    std::optional<std::string> given = FlagValue(args, name, i);
    if (!given) return Failure(name + ": needs a value (see --help)");
    const std::string& value = *given;
    if (name == "--rdkafka") {
      if (std::string error = ApplyRdkafkaFlag(config, value); !error.empty()) {
        return Failure("--rdkafka: " + error);
      }
      continue;
    }
    if (std::string error = setting->apply(config, value); !error.empty()) {
      return Failure(name + ": " + error);
    }
  }
  if (!env_error.empty()) return Failure(env_error);
  if (std::string error =
          ResolvePropertyFiles(&config.rdkafka_properties, &config.rdkafka_property_files);
      !error.empty()) {
    return Failure(error);
  }

  if (config.api_keys.size() == 0 && config.sources_file.empty()) {
    return Failure(
        "GETPROFILE_API_KEY: no API key configured (set GETPROFILE_API_KEY or "
        "GETPROFILE_API_KEY_FILE)");
  }
  // Without a broker list nothing would reach Kafka: the in-memory broker
  // runs only when asked for by name, never because a setting is missing.
  if (config.kafka_brokers.empty() && !config.embedded_broker) {
    return Failure(
        "HOOKBRIDGE_KAFKA_BROKERS: no Kafka broker configured: set HOOKBRIDGE_KAFKA_BROKERS (or "
        "--kafka-brokers) to HOST:PORT[,HOST:PORT...], or to 'embedded' for the in-memory "
        "development broker, which loses every event on exit");
  }
  if (config.dead_letter_topic == config.kafka_topic) {
    return Failure("HOOKBRIDGE_DEAD_LETTER_TOPIC: must differ from HOOKBRIDGE_KAFKA_TOPIC ('" +
                   config.kafka_topic + "')");
  }
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return Failure(config.tls_cert_file.empty()
                       ? "HOOKBRIDGE_TLS_CERT_FILE: needed with HOOKBRIDGE_TLS_KEY_FILE"
                       : "HOOKBRIDGE_TLS_KEY_FILE: needed with HOOKBRIDGE_TLS_CERT_FILE");
  }
  // Depends on the machine: resolved here, so that --help gives the rule and
  // --check-config the number.
  if (config.http_loops == 0) config.http_loops = DefaultHttpLoops();
  ConfigResult result;
  result.config = std::move(config);
  result.check_config = check_config;
  // Dropped settings still found in a deployment: harmless, but said once.
  if (env.count(kRetiredHttpThreadsEnv) != 0) {
    result.warnings.emplace_back(
        "HOOKBRIDGE_HTTP_THREADS no longer has an effect: no thread waits for Kafka any more "
        "(docs/http-threads.md); remove it");
  }
  return result;
}

std::string DescribeConfig(const Config& config) {
  std::ostringstream text;
  for (const Setting& setting : Settings()) {
    std::string value = setting.show(config);
    // Keys are shown only as a count, under the one setting they came from.
    if (value.empty() && std::string_view(setting.env).rfind("GETPROFILE_API_KEY", 0) == 0)
      continue;
    text << setting.env << "=" << (value.empty() ? setting.unset_text : value) << "\n";
  }
  for (const auto& [name, value] : config.rdkafka_properties) {
    auto from_file = std::find_if(
        config.rdkafka_property_files.begin(), config.rdkafka_property_files.end(),
        [&name = name](const RdkafkaPropertyFile& file) { return file.property == name; });
    if (from_file != config.rdkafka_property_files.end()) {
      text << "rdkafka " << name << "=(from file " << from_file->path << ")\n";
      continue;
    }
    // Values of librdkafka's secret properties (sasl.password, ssl.key.password, ...) stay hidden.
    bool secret = name.find("password") != std::string::npos ||
                  name.find("secret") != std::string::npos ||
                  name.find(".pem") != std::string::npos || name == "sasl.oauthbearer.config";
    text << "rdkafka " << name << "=" << (secret ? "(redacted)" : value) << "\n";
  }
  return text.str();
}

std::string HelpText() {
  std::ostringstream text;
  text << "hookbridge: GetProfile webhooks in, Kafka records out; 2xx only once Kafka has the "
          "event.\n\nUsage: hookbridge [--flag VALUE | --flag=VALUE]...\n\n"
          "Every setting is an environment variable or a flag (the flag wins). Any other\n"
          "HOOKBRIDGE_* or GETPROFILE_* variable stops start-up, so that a typo cannot pass for\n"
          "a default; let through are HOOKBRIDGE_REPLAY_* (hookbridge-replay's) and\n"
          "HOOKBRIDGE_HEALTHCHECK_TIMEOUT_S (deploy/healthcheck.sh).\n\n";
  for (const Setting& setting : Settings()) {
    const std::string value = setting.show(Config{});
    text << "  " << setting.flag << "  (" << setting.env << ")\n      " << setting.help
         << "\n      default: " << (value.empty() ? setting.unset_text : value) << "\n";
  }
  text << "  --rdkafka KEY=VALUE  (" << kRdkafkaEnvPrefix << "<KEY>, dots as underscores)\n"
       << "      any librdkafka producer property, e.g. "
          "HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL=SASL_SSL\n"
       << "      a property NAME.file=PATH sets NAME to the file's content, the way to give\n"
       << "      a secret: HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE=/run/secrets/kafka-password\n"
       << "  --check-config\n      validate the settings and reach Kafka, print the effective\n"
       << "      settings (keys redacted), exit 0 if all is well\n"
       << "  --version\n  --help\n      this text\n";
  return text.str();
}

}  // namespace hookbridge
