// hookbridge: wires configuration, the Kafka adapter, the request handler and
// the HTTP adapter together, then waits for SIGTERM/SIGINT.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "hookbridge/core/config.h"
#include "hookbridge/core/log.h"
#include "hookbridge/core/webhook_handler.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/kafka/embedded_broker.h"
#include "hookbridge/kafka/kafka_publisher.h"

extern char** environ;

namespace hookbridge {
namespace {

constexpr int kExitConfigError = 2;
constexpr int kExitFatalProducerError = 3;
constexpr int kEmbeddedTopicPartitions = 3;

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

// Blocks until SIGTERM/SIGINT (returns true) or a fatal producer error (false).
bool WaitForStopSignal(const sigset_t& signals, const KafkaPublisher& publisher) {
  const timespec kCheckInterval{0, 200 * 1000 * 1000};
  while (!publisher.fatal_error()) {
    if (sigtimedwait(&signals, nullptr, &kCheckInterval) > 0) return true;
  }
  return false;
}

int Run(int argc, char** argv) {
  // Signals are taken synchronously by the main thread only; block them
  // before any other thread exists so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ConfigResult loaded = LoadConfig(std::vector<std::string>(argv + 1, argv + argc), ReadEnvironment());
  if (loaded.show_help) {
    std::fputs(HelpText().c_str(), stdout);
    return 0;
  }
  if (!loaded.config) return Fail(loaded.error);
  Config& config = *loaded.config;

  std::string error;
  std::unique_ptr<EmbeddedBroker> embedded;
  if (config.kafka_brokers.empty()) {
    embedded = EmbeddedBroker::Start(config.kafka_topic, kEmbeddedTopicPartitions, &error);
    if (!embedded) return Fail(error);
    config.kafka_brokers = embedded->bootstrap_servers();
    Log(LogLevel::kWarn,
        "NO KAFKA BROKER CONFIGURED: using the EMBEDDED DEVELOPMENT BROKER (librdkafka mock "
        "cluster, memory only, events are LOST on exit). Set HOOKBRIDGE_KAFKA_BROKERS in "
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
  std::unique_ptr<KafkaPublisher> publisher = KafkaPublisher::Create(kafka, &error);
  if (!publisher) return Fail(error);

  WebhookOptions webhook;
  webhook.ack_timeout = config.ack_timeout;
  webhook.max_body_bytes = config.max_body_bytes;
  WebhookHandler handler(std::move(config.api_keys), *publisher, webhook);

  HttpServerOptions http;
  http.host = config.listen_host;
  http.port = config.listen_port;
  http.webhook_path = config.webhook_path;
  http.threads = config.http_threads;
  http.max_body_bytes = config.max_body_bytes;
  HttpServer server(http, handler);
  if (!server.Start(&error)) return Fail(error);
  Log(LogLevel::kInfo, "hookbridge listening",
      {{"address", config.listen_host + ":" + std::to_string(server.port())},
       {"webhook_path", config.webhook_path},
       {"kafka_brokers", config.kafka_brokers},
       {"topic", config.kafka_topic}});

  bool signalled = WaitForStopSignal(stop_signals, *publisher);
  Log(LogLevel::kInfo, signalled ? "stopping: signal received"
                                 : "stopping: the Kafka producer hit a fatal error");
  server.Stop();  // answers every request in progress
  int undelivered = publisher->Flush(std::chrono::seconds(10));
  publisher.reset();
  Log(LogLevel::kInfo, "stopped", {{"undelivered_records", std::to_string(undelivered)}});
  return signalled ? 0 : kExitFatalProducerError;
}

}  // namespace
}  // namespace hookbridge

int main(int argc, char** argv) { return hookbridge::Run(argc, argv); }
