#include "hookbridge/app/application.h"

#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <thread>

#include "hookbridge/core/key_store.h"
#include "hookbridge/core/log.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/kafka/embedded_broker.h"
#include "hookbridge/kafka/kafka_publisher.h"
#include "hookbridge/sources/source_store.h"
#include "hookbridge/version.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {
namespace {

constexpr int kEmbeddedTopicPartitions = 3;
constexpr std::chrono::seconds kCheckConfigTimeout{10};
// --check-config names a topic the broker says it does not have once that
// answer has stood this long (a topic created a moment ago gets this long to
// reach the broker's metadata), not after the whole kCheckConfigTimeout: the
// answer is in, waiting longer only delays whoever runs the check.
constexpr std::chrono::seconds kMissingTopicSettle{2};
// How long the main thread may wait for the broker to say why a topic is missing.
constexpr std::chrono::seconds kExplainMissingTimeout{2};
// Serving, the producer's fatal error is looked at least this often, whatever
// the file check interval.
constexpr std::chrono::milliseconds kLongestWait{1000};

int Fail(const std::string& message) {
  std::fprintf(stderr, "hookbridge: %s\n", message.c_str());
  return kExitConfigError;
}

timespec ToTimespec(std::chrono::milliseconds wait) {
  wait = std::max(wait, std::chrono::milliseconds::zero());
  return {static_cast<time_t>(wait.count() / 1000),
          static_cast<long>(wait.count() % 1000) * 1000000L};
}

std::chrono::milliseconds Until(std::chrono::steady_clock::time_point end,
                                std::chrono::steady_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
}

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

// The sources from HOOKBRIDGE_SOURCES_FILE, or the built-in GetProfile source.
std::unique_ptr<SourceStore> LoadSources(const Config& config, std::string* error) {
  if (config.sources_file.empty()) return std::make_unique<SourceStore>(BuiltInSources(config));
  SourcesDefaults defaults;
  defaults.dead_letter_topic = config.dead_letter_topic;
  defaults.bearer_keys_configured = config.api_keys.size() > 0;
  if (config.dedup_max_ids > 0) defaults.dedup_window = config.dedup_window;
  SourcesFileResult loaded = LoadSourcesFile(config.sources_file, defaults);
  if (!loaded.sources) {
    *error = loaded.error;
    return nullptr;
  }
  return std::make_unique<SourceStore>(config.sources_file, defaults, std::move(loaded));
}

// --check-config: is Kafka reachable, with metadata for every topic in use?
// It creates nothing: a topic the broker does not have is named, not made.
int CheckKafka(KafkaPublisher& publisher, const std::vector<std::string>& topics,
               const SteadyClock& clock) {
  auto quoted = [](const std::vector<std::string>& names) {
    std::string listed;
    for (const std::string& name : names) listed += (listed.empty() ? "'" : ", '") + name + "'";
    return listed;
  };
  const std::string listed = quoted(topics);
  const bool one = topics.size() == 1;
  const auto deadline = clock() + kCheckConfigTimeout;
  // Since when the broker has said a topic is missing (max: it does not say so).
  constexpr auto kNotMissing = std::chrono::steady_clock::time_point::max();
  auto missing_since = kNotMissing;
  ProducerHealth health;
  while (clock() < deadline) {
    health = publisher.Health();
    if (health.broker_connected && health.topic_metadata) {
      std::printf("kafka: connected, %s %s partitions with leaders\n", one ? "topic" : "topics",
                  (listed + (one ? " has" : " have")).c_str());
      return kExitClean;
    }
    if (!health.broker_connected || publisher.MissingTopics().empty()) {
      missing_since = kNotMissing;
    } else if (missing_since == kNotMissing) {
      missing_since = clock();
    } else if (clock() - missing_since >= kMissingTopicSettle) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // A refusal explains the rest (a topic we may not describe also looks missing).
  publisher.ExplainMissingTopics(std::chrono::seconds(5));
  if (SecurityFailure failure = publisher.security_failure(); failure != SecurityFailure::kNone) {
    std::printf("kafka: %s\n", SecurityFailureAdvice(failure));
    return kExitUndelivered;
  }
  const std::vector<std::string> missing = publisher.MissingTopics();
  if (!missing.empty()) {
    const bool one_missing = missing.size() == 1;
    std::printf("kafka: %s %s on the broker (hookbridge creates no topic: create %s)\n",
                one_missing ? "topic" : "topics",
                (quoted(missing) + (one_missing ? " does not exist" : " do not exist")).c_str(),
                one_missing ? "it" : "them");
    return kExitUndelivered;
  }
  std::printf("kafka: %s\n",
              !health.broker_connected
                  ? "no broker reachable"
                  : ((one ? "no metadata for topic " : "no metadata for some of the topics ") +
                     listed + (one ? " (does it exist?)" : " (do they exist?)"))
                        .c_str());
  return kExitUndelivered;
}

}  // namespace

Application::Application(Config config, SteadyClock clock)
    : config_(std::move(config)),
      clock_(std::move(clock)),
      metrics_(std::make_unique<Metrics>(KafkaPublisher::LibraryVersion())) {}

Application::~Application() = default;

bool Application::Open(bool serving, std::string* error) {
  sources_ = LoadSources(config_, error);
  if (!sources_) return false;

  if (config_.embedded_broker) {  // asked for by name (LoadConfig refuses a missing broker list)
    embedded_ = EmbeddedBroker::Start(config_.kafka_topic, kEmbeddedTopicPartitions, error);
    if (!embedded_) return false;
    config_.kafka_brokers = embedded_->bootstrap_servers();
    Log(LogLevel::kWarn,
        "HOOKBRIDGE_KAFKA_BROKERS=embedded: using the EMBEDDED DEVELOPMENT BROKER (librdkafka "
        "mock cluster, memory only, events are LOST on exit). Name a real Kafka cluster in "
        "production.",
        {{"bootstrap_servers", config_.kafka_brokers},
         {"topic", config_.kafka_topic},
         {"watch_with", "kcat -b " + config_.kafka_brokers + " -C -t " + config_.kafka_topic}});
  }

  KafkaOptions kafka;
  kafka.brokers = config_.kafka_brokers;
  kafka.topic = config_.kafka_topic;
  kafka.message_timeout = std::max(config_.ack_timeout, kMinimumRecordTimeout);
  kafka.max_value_bytes = config_.max_body_bytes;
  kafka.properties = config_.rdkafka_properties;
  // Serving, the HTTP server's loop serves the producer's events (Serve());
  // checking the configuration, the publisher's own thread does.
  kafka.caller_serves_events = serving;
  publisher_ = KafkaPublisher::Create(kafka, *metrics_, error);
  if (!publisher_) return false;
  // The password file as LoadConfig read it (close enough: a change in
  // between is taken at the next SIGHUP or change).
  for (const RdkafkaPropertyFile& file : config_.rdkafka_property_files) {
    if (file.property == "sasl.password") sasl_password_identity_ = IdentityOf(file.path);
  }
  publisher_->WatchTopics(sources_->current()->Topics(), /*new_ones_gate=*/true);
  return true;
}

int Application::CheckConfig() {
  std::string error;
  if (!Open(/*serving=*/false, &error)) return Fail(error);
  std::fputs(DescribeConfig(config_).c_str(), stdout);
  std::vector<std::string> topics = sources_->current()->Topics();
  if (std::find(topics.begin(), topics.end(), config_.kafka_topic) == topics.end()) {
    topics.insert(topics.begin(), config_.kafka_topic);
  }
  return CheckKafka(*publisher_, topics, clock_);
}

int Application::Serve(const sigset_t& signals) {
  std::string error;
  if (!Open(/*serving=*/true, &error)) return Fail(error);

  keys_ = std::make_unique<KeyStore>(std::move(config_.api_keys), config_.api_key_file);
  metrics_->SetApiKeyCount(keys_->current()->size());
  WebhookOptions webhook;
  webhook.ack_timeout = config_.ack_timeout;
  webhook.max_body_bytes = config_.max_body_bytes;
  webhook.dedup_window = config_.dedup_window;
  webhook.dedup_max_ids = config_.dedup_max_ids;
  handler_ = std::make_unique<WebhookHandler>(*keys_, *publisher_, webhook);
  HttpServerOptions server_options(config_);
  server_options.sources = [this] { return sources_->current(); };
  server_options.clock = clock_;

  RaiseOpenFileLimit();
  server_ = std::make_unique<HttpServer>(
      std::move(server_options), *handler_, *metrics_,
      [this] {
        return Readiness{publisher_->Health(), draining_};
      },
      LoopEventSource{publisher_->events_fd(), [this] { publisher_->ServeEvents(); }});
  if (!server_->Start(&error)) return Fail(error);
  port_ = server_->port();
  Log(LogLevel::kInfo, "hookbridge listening",
      {{"address", config_.listen_host + ":" + std::to_string(server_->port())},
       {"tls", config_.tls_cert_file.empty() ? "off" : "on"},
       // With a sources file the paths are the file's: HOOKBRIDGE_WEBHOOK_PATH serves nothing.
       {"webhook_path", config_.sources_file.empty() ? config_.webhook_path : ""},
       {"sources", config_.sources_file.empty() ? "getprofile (built in) on " + config_.webhook_path
                                                : config_.sources_file},
       {"kafka_brokers", config_.kafka_brokers},
       {"topic", config_.kafka_topic},
       {"dead_letter_topic", config_.dead_letter_topic},
       {"version", kVersion},
       {"librdkafka", KafkaPublisher::LibraryVersion()}});

  AwaitStop(signals);
  const bool fatal = publisher_->fatal_error();
  if (fatal) {
    Log(LogLevel::kError, "stopping: the Kafka producer hit a fatal error; restart for a new one");
  } else {
    Drain(signals);
  }
  server_->Stop();  // stops accepting and answers every request in progress
  int undelivered = publisher_->Flush(KafkaPublisher::kShutdownFlushTimeout);
  publisher_.reset();
  Log(undelivered == 0 ? LogLevel::kInfo : LogLevel::kError, "stopped",
      {{"undelivered_records", undelivered}});
  if (fatal) return kExitFatalProducerError;
  return undelivered == 0 ? kExitClean : kExitUndelivered;
}

// Until SIGTERM/SIGINT or a fatal producer error: check the watched files
// every file_check_interval, and reload them all on SIGHUP.
// HOOKBRIDGE_FAULT_INJECTION=1 (tests only): SIGUSR2 raises a fatal producer
// error, to prove the process survives one.
void Application::AwaitStop(const sigset_t& signals) {
  auto next_check = clock_() + config_.file_check_interval;
  while (!publisher_->fatal_error()) {
    const timespec wait = ToTimespec(std::min(Until(next_check, clock_()), kLongestWait));
    const int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGTERM || signal == SIGINT) return;
    if (signal == SIGUSR2 && config_.fault_injection) publisher_->InjectFatalError();
    const bool forced = signal == SIGHUP;
    if (forced || clock_() >= next_check) {
      CheckFiles(forced);
      next_check = clock_() + config_.file_check_interval;
    }
  }
}

// /readyz turns 503 at once; serve on through the grace period so the load
// balancer stops routing here (a second signal cuts it short). Connections
// first: once /readyz says draining, every answer closes.
void Application::Drain(const sigset_t& signals) {
  server_->CloseConnectionsAfterEachAnswer();
  draining_ = true;
  Log(LogLevel::kInfo, "draining: /readyz answers 503",
      {{"grace_ms", config_.drain_grace.count()}});
  // A SIGHUP meanwhile must not restart the wait: it ends at a fixed time.
  const auto grace_end = clock_() + config_.drain_grace;
  for (auto left = config_.drain_grace; left.count() > 0; left = Until(grace_end, clock_())) {
    const timespec grace = ToTimespec(left);
    if (sigtimedwait(&signals, nullptr, &grace) != SIGHUP) return;
  }
}

void Application::CheckFiles(bool force) {
  CheckSaslPasswordFile(force);
  // Not a file, but checked as often: is a missing topic one we may not describe?
  if (publisher_) publisher_->ExplainMissingTopics(kExplainMissingTimeout);
  if (keys_ && keys_->reloadable()) {
    ReloadAndReport<ApiKeys>(
        *keys_, force,
        {"API keys reloaded", "API key file rejected; the previous keys stay in force",
         [this](bool success) { metrics_->CountKeyReload(success); },
         [this](const ApiKeys& keys) {
           metrics_->SetApiKeyCount(keys.size());
           return std::make_pair(std::string("keys"), keys.size());
         }});
  }
  if (sources_ && sources_->reloadable()) {
    // The message names file, source and field, never a secret.
    ReloadAndReport<SourceSet>(
        *sources_, force,
        {"sources reloaded", "sources file rejected; the previous sources stay in force",
         [this](bool success) { metrics_->CountSourcesReload(success); },
         [this](const SourceSet& sources) {
           publisher_->WatchTopics(sources.Topics(), /*new_ones_gate=*/false);
           return std::make_pair(std::string("sources"), sources.sources.size());
         }});
  }
}

void Application::CheckSaslPasswordFile(bool force) {
  auto file = std::find_if(
      config_.rdkafka_property_files.begin(), config_.rdkafka_property_files.end(),
      [](const RdkafkaPropertyFile& candidate) { return candidate.property == "sasl.password"; });
  if (file == config_.rdkafka_property_files.end() || !publisher_) return;
  const FileIdentity now = IdentityOf(file->path);
  if (!force && now == sasl_password_identity_) return;
  sasl_password_identity_ = now;
  std::string username;
  for (const auto& [name, value] : config_.rdkafka_properties) {
    if (name == "sasl.username") username = value;
  }
  std::string password;
  std::string error = ReadPropertyFile(file->path, &password);
  if (error.empty()) publisher_->SetSaslCredentials(username, password, &error);
  if (!error.empty()) {
    Log(LogLevel::kError, "Kafka SASL password file rejected; the previous password stays in force",
        {{"file", file->path}, {"error", error}});
    return;
  }
  Log(LogLevel::kInfo, "Kafka SASL password reloaded: used from the next connection on",
      {{"file", file->path}});
}

int RunProcess(const std::vector<std::string>& args, const Environment& env) {
  // Signals are taken synchronously by the main thread only; block them
  // before any other thread exists so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A client that hangs up before its answer must cost an EPIPE, not the
  // process: OpenSSL writes with plain write().
  signal(SIGPIPE, SIG_IGN);

  ConfigResult loaded = LoadConfig(args, env);
  if (loaded.show_help || loaded.show_version) {
    std::fputs(loaded.show_help ? HelpText().c_str()
                                : (std::string("hookbridge ") + kVersion + " (librdkafka " +
                                   KafkaPublisher::LibraryVersion() + ")\n")
                                      .c_str(),
               stdout);
    return kExitClean;
  }
  if (!loaded.config) return Fail(loaded.error);
  SetLogLevel(loaded.config->log_level);
  for (const std::string& warning : loaded.warnings) Log(LogLevel::kWarn, warning);
  Application application(std::move(*loaded.config));
  return loaded.check_config ? application.CheckConfig() : application.Serve(signals);
}

}  // namespace hookbridge
