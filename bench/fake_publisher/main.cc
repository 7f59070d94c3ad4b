// hookbridge_fake_publisher: hookbridge's real HTTP server and webhook
// handler over a publisher that answers PERSISTED at once, for the "every
// core" scenario of scripts/bench.sh (bench/README.md). With no broker
// competing for the cores, what limits it is the HTTP side alone: one
// connection loop against several (HOOKBRIDGE_HTTP_LOOPS, where the build
// knows that setting).
//
// Configured exactly as hookbridge is, by the same Config loader (so every
// HOOKBRIDGE_* setting, its checks and its exit status 2 apply; the Kafka
// settings are read and ignored). The built-in GetProfile source only: a
// sources file is refused. Serves until SIGTERM or SIGINT. A benchmark tool,
// never installed: nothing it answers reaches Kafka.
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hookbridge/core/config.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/log.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/core/publisher.h"
#include "hookbridge/core/readiness.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/sources/source.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace {

// Every record is "stored" at once, on the calling thread, as a refusal
// would be answered: no thread, no queue, no broker.
class PersistedAtOnce : public hookbridge::Publisher {
 public:
  void Publish(hookbridge::KafkaRecord /*record*/, Done done) override {
    done(hookbridge::PublishResult{hookbridge::PublishStatus::kPersisted, "", 0, 0});
  }
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "hookbridge_fake_publisher: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using hookbridge::Config;
  sigset_t signals;
  sigemptyset(&signals);
  for (int signal : {SIGTERM, SIGINT}) sigaddset(&signals, signal);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread: all inherit it
  signal(SIGPIPE, SIG_IGN);

  hookbridge::ConfigResult loaded = hookbridge::LoadConfig(
      std::vector<std::string>(argv + 1, argv + argc), hookbridge::ProcessEnvironment());
  if (loaded.show_help || loaded.show_version) {
    std::fputs(loaded.show_help ? hookbridge::HelpText().c_str() : "hookbridge_fake_publisher\n",
               stdout);
    return 0;
  }
  if (!loaded.config) return Fail(loaded.error);
  Config config = std::move(*loaded.config);
  if (!config.sources_file.empty()) {
    return Fail("HOOKBRIDGE_SOURCES_FILE: not supported here (the built-in source only)");
  }
  hookbridge::SetLogLevel(config.log_level);

  hookbridge::Metrics metrics("none (fake publisher)");
  hookbridge::KeyStore keys(std::move(config.api_keys), config.api_key_file);
  PersistedAtOnce publisher;
  hookbridge::WebhookOptions webhook;
  webhook.ack_timeout = config.ack_timeout;
  webhook.max_body_bytes = config.max_body_bytes;
  webhook.dedup_window = config.dedup_window;
  webhook.dedup_max_ids = config.dedup_max_ids;
  hookbridge::WebhookHandler handler(keys, publisher, webhook);

  hookbridge::HttpServerOptions options(config);
  std::shared_ptr<const hookbridge::SourceSet> sources = hookbridge::BuiltInSources(config);
  options.sources = [sources] { return sources; };
  hookbridge::HttpServer server(std::move(options), handler, metrics, [] {
    hookbridge::Readiness ready;
    ready.producer = {true, true, true, false};
    return ready;
  });
  std::string error;
  if (!server.Start(&error)) return Fail(error);
  std::fprintf(stderr, "hookbridge_fake_publisher: listening on %s:%d\n",
               config.listen_host.c_str(), server.port());

  int signal = 0;
  sigwait(&signals, &signal);
  server.Stop();
  return 0;
}
