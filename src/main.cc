// hookbridge: wires configuration, the Kafka adapter, the request handler and
// the HTTP adapter together, then runs the process life cycle: key reloads on
// SIGHUP or file change, sources reloads likewise, and a drain on SIGTERM/SIGINT.
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "hookbridge/core/config.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/log.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/kafka/embedded_broker.h"
#include "hookbridge/kafka/kafka_publisher.h"
#include "hookbridge/sources/source_store.h"
#include "hookbridge/version.h"
#include "hookbridge/webhook/webhook_handler.h"

extern char** environ;

namespace hookbridge {
namespace {

constexpr int kExitUndelivered = 1;
constexpr int kExitConfigError = 2;
constexpr int kExitFatalProducerError = 3;
constexpr int kEmbeddedTopicPartitions = 3;
constexpr std::chrono::seconds kCheckConfigTimeout{10};
const timespec kKeyFileCheckInterval{1, 0};

// Every open client connection is a file descriptor, idle ones included
// (they are parked, not given a thread). The usual soft limit of 1024 would
// cap connections far below what the process can hold; the hard limit is
// what the administrator allows.
void RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Environment ReadEnvironment() {
  Environment env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text = *entry;
    size_t equals = text.find('=');
    if (equals != std::string::npos) env[text.substr(0, equals)] = text.substr(equals + 1);
  }
  return env;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "hookbridge: %s\n", message.c_str());
  return kExitConfigError;
}

void ReloadKeys(KeyStore& keys, Metrics& metrics, bool force) {
  std::string error;
  switch (keys.Reload(force, &error)) {
    case KeyStore::ReloadResult::kUnchanged: return;
    case KeyStore::ReloadResult::kReloaded:
      metrics.CountKeyReload(true);
      metrics.SetApiKeyCount(keys.current()->size());
      Log(LogLevel::kInfo, "API keys reloaded", {{"keys", std::to_string(keys.current()->size())}});
      return;
    case KeyStore::ReloadResult::kFailed:
      metrics.CountKeyReload(false);
      Log(LogLevel::kError, "API key file rejected; the previous keys stay in force",
          {{"reason", error}});
      return;
  }
}

void ReloadSources(SourceStore& sources, KafkaPublisher& publisher, Metrics& metrics, bool force) {
  std::string error;
  switch (sources.Reload(force, &error)) {
    case SourceStore::ReloadResult::kUnchanged: return;
    case SourceStore::ReloadResult::kReloaded:
      metrics.CountSourcesReload(true);
      publisher.WatchTopics(sources.current()->Topics(), /*new_ones_gate=*/false);
      Log(LogLevel::kInfo, "sources reloaded",
          {{"sources", std::to_string(sources.current()->sources.size())}});
      return;
    case SourceStore::ReloadResult::kFailed:
      // The message names file, source and field, never a secret.
      metrics.CountSourcesReload(false);
      Log(LogLevel::kError, "sources file rejected; the previous sources stay in force",
          {{"reason", error}});
      return;
  }
}

// The sources from HOOKBRIDGE_SOURCES_FILE, or the built-in GetProfile source.
std::unique_ptr<SourceStore> LoadSources(const Config& config, std::string* error) {
  if (config.sources_file.empty()) return std::make_unique<SourceStore>(BuiltInSources(config));
  SourcesDefaults defaults;
  defaults.dead_letter_topic = config.dead_letter_topic;
  defaults.bearer_keys_configured = config.api_keys.size() > 0;
  SourcesFileResult loaded = LoadSourcesFile(config.sources_file, defaults);
  if (!loaded.sources) {
    *error = loaded.error;
    return nullptr;
  }
  return std::make_unique<SourceStore>(config.sources_file, defaults, std::move(loaded));
}

// --check-config: is Kafka reachable, with metadata for every topic in use?
// It creates nothing: a topic the broker does not have is named, not made.
int CheckKafka(const KafkaPublisher& publisher, const std::vector<std::string>& topics) {
  auto quoted = [](const std::vector<std::string>& names) {
    std::string listed;
    for (const std::string& name : names) listed += (listed.empty() ? "'" : ", '") + name + "'";
    return listed;
  };
  const std::string listed = quoted(topics);
  const bool one = topics.size() == 1;
  auto deadline = std::chrono::steady_clock::now() + kCheckConfigTimeout;
  ProducerHealth health;
  while (std::chrono::steady_clock::now() < deadline) {
    health = publisher.Health();
    if (health.broker_connected && health.topic_metadata) {
      std::printf("kafka: connected, %s %s partitions with leaders\n", one ? "topic" : "topics",
                  (listed + (one ? " has" : " have")).c_str());
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::vector<std::string> missing = publisher.MissingTopics();
  if (!missing.empty()) {
    const bool one_missing = missing.size() == 1;
    std::printf("kafka: %s %s on the broker (hookbridge creates no topic: create %s)\n",
                one_missing ? "topic" : "topics",
                (quoted(missing) + (one_missing ? " does not exist" : " do not exist")).c_str(),
                one_missing ? "it" : "them");
    return 1;
  }
  std::printf("kafka: %s\n",
              !health.broker_connected
                  ? "no broker reachable"
                  : ((one ? "no metadata for topic " : "no metadata for some of the topics ") +
                     listed + (one ? " (does it exist?)" : " (do they exist?)"))
                        .c_str());
  return 1;
}

int Run(int argc, char** argv) {
  // Signals are taken synchronously by the main thread only; block them
  // before any other thread exists so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up before its answer must cost an EPIPE, not the
  // process: OpenSSL writes with plain write().
  signal(SIGPIPE, SIG_IGN);

  ConfigResult loaded =
      LoadConfig(std::vector<std::string>(argv + 1, argv + argc), ReadEnvironment());
  if (loaded.show_help || loaded.show_version) {
    std::fputs(loaded.show_help ? HelpText().c_str()
                                : (std::string("hookbridge ") + kVersion + " (librdkafka " +
                                   KafkaPublisher::LibraryVersion() + ")\n")
                                      .c_str(),
               stdout);
    return 0;
  }
  if (!loaded.config) return Fail(loaded.error);
  Config& config = *loaded.config;
  SetLogLevel(config.log_level);
  for (const std::string& warning : loaded.warnings) Log(LogLevel::kWarn, warning);
  Metrics metrics(KafkaPublisher::LibraryVersion());

  std::string error;
  std::unique_ptr<SourceStore> sources = LoadSources(config, &error);
  if (!sources) return Fail(error);

  std::unique_ptr<EmbeddedBroker> embedded;
  if (config.embedded_broker) {  // asked for by name (LoadConfig refuses a missing broker list)
    embedded = EmbeddedBroker::Start(config.kafka_topic, kEmbeddedTopicPartitions, &error);
    if (!embedded) return Fail(error);
    config.kafka_brokers = embedded->bootstrap_servers();
    Log(LogLevel::kWarn,
        "HOOKBRIDGE_KAFKA_BROKERS=embedded: using the EMBEDDED DEVELOPMENT BROKER (librdkafka "
        "mock cluster, memory only, events are LOST on exit). Name a real Kafka cluster in "
        "production.",
        {{"bootstrap_servers", config.kafka_brokers},
         {"topic", config.kafka_topic},
         {"watch_with", "kcat -b " + config.kafka_brokers + " -C -t " + config.kafka_topic}});
  }

  KafkaOptions kafka;
  kafka.brokers = config.kafka_brokers;
  kafka.topic = config.kafka_topic;
  kafka.message_timeout = config.ack_timeout;
  kafka.max_value_bytes = config.max_body_bytes;
  kafka.properties = config.rdkafka_properties;
  // Serving, the HTTP server's loop serves the producer's events (below);
  // checking the configuration, the publisher's own thread does.
  kafka.caller_serves_events = !loaded.check_config;
  std::unique_ptr<KafkaPublisher> publisher = KafkaPublisher::Create(kafka, metrics, &error);
  if (!publisher) return Fail(error);
  publisher->WatchTopics(sources->current()->Topics(), /*new_ones_gate=*/true);

  if (loaded.check_config) {
    std::fputs(DescribeConfig(config).c_str(), stdout);
    std::vector<std::string> topics = sources->current()->Topics();
    if (std::find(topics.begin(), topics.end(), config.kafka_topic) == topics.end()) {
      topics.insert(topics.begin(), config.kafka_topic);
    }
    return CheckKafka(*publisher, topics);
  }

  KeyStore keys(std::move(config.api_keys), config.api_key_file);
  metrics.SetApiKeyCount(keys.current()->size());
  WebhookOptions webhook;
  webhook.ack_timeout = config.ack_timeout;
  webhook.max_body_bytes = config.max_body_bytes;
  WebhookHandler handler(keys, *publisher, metrics, webhook);
  HttpServerOptions server_options(config);
  server_options.sources = [&sources] { return sources->current(); };

  std::atomic<bool> draining{false};
  RaiseOpenFileLimit();
  HttpServer server(
      std::move(server_options), handler, metrics,
      [&] {
        return Readiness{publisher->Health(), draining};
      },
      LoopEventSource{publisher->events_fd(), [&] { publisher->ServeEvents(); }});
  if (!server.Start(&error)) return Fail(error);
  Log(LogLevel::kInfo, "hookbridge listening",
      {{"address", config.listen_host + ":" + std::to_string(server.port())},
       {"tls", config.tls_cert_file.empty() ? "off" : "on"},
       // With a sources file the paths are the file's: HOOKBRIDGE_WEBHOOK_PATH serves nothing.
       {"webhook_path", config.sources_file.empty() ? config.webhook_path : ""},
       {"sources", config.sources_file.empty() ? "getprofile (built in) on " + config.webhook_path
                                               : config.sources_file},
       {"kafka_brokers", config.kafka_brokers},
       {"topic", config.kafka_topic},
       {"dead_letter_topic", config.dead_letter_topic},
       {"version", kVersion}});

  // Until SIGTERM/SIGINT or a fatal producer error: reload keys when asked
  // (SIGHUP) or when the key file changes.
  // HOOKBRIDGE_FAULT_INJECTION=1 (tests only): SIGUSR2 raises a fatal
  // producer error, to prove the process survives one.
  while (!publisher->fatal_error()) {
    int signal = sigtimedwait(&signals, nullptr, &kKeyFileCheckInterval);
    if (signal == SIGTERM || signal == SIGINT) break;
    if (signal == SIGUSR2 && config.fault_injection) publisher->InjectFatalError();
    if (keys.reloadable()) ReloadKeys(keys, metrics, signal == SIGHUP);
    if (sources->reloadable()) ReloadSources(*sources, *publisher, metrics, signal == SIGHUP);
  }

  const bool fatal = publisher->fatal_error();
  if (fatal) {
    Log(LogLevel::kError, "stopping: the Kafka producer hit a fatal error; restart for a new one");
  } else {
    // Drain: /readyz turns 503 at once; serve on through the grace period so
    // the load balancer stops routing here (a second signal cuts it short).
    // Connections first: once /readyz says draining, every answer closes.
    server.CloseConnectionsAfterEachAnswer();
    draining = true;
    Log(LogLevel::kInfo, "draining: /readyz answers 503",
        {{"grace_ms", std::to_string(config.drain_grace.count())}});
    // A SIGHUP meanwhile must not restart the wait: it ends at a fixed time.
    const auto grace_end = std::chrono::steady_clock::now() + config.drain_grace;
    for (auto left = config.drain_grace; left.count() > 0;
         left = std::chrono::duration_cast<std::chrono::milliseconds>(
             grace_end - std::chrono::steady_clock::now())) {
      timespec grace{static_cast<time_t>(left.count() / 1000),
                     static_cast<long>(left.count() % 1000) * 1000000L};
      if (sigtimedwait(&signals, nullptr, &grace) != SIGHUP) break;
    }
  }
  server.Stop();  // stops accepting and answers every request in progress
  int undelivered = publisher->Flush(KafkaPublisher::kShutdownFlushTimeout);
  publisher.reset();
  Log(undelivered == 0 ? LogLevel::kInfo : LogLevel::kError, "stopped",
      {{"undelivered_records", std::to_string(undelivered)}});
  if (fatal) return kExitFatalProducerError;
  return undelivered == 0 ? 0 : kExitUndelivered;
}

}  // namespace
}  // namespace hookbridge

int main(int argc, char** argv) { return hookbridge::Run(argc, argv); }
