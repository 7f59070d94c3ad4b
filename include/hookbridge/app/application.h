// The hookbridge process: wires the settings to the key store, the sources,
// the Kafka publisher, the metrics and the HTTP server, and runs their life
// cycle: reloads of the watched files (every Config::file_check_interval, and
// at once on SIGHUP), a drain on SIGTERM/SIGINT, a stop on a fatal producer
// error, and the exit status (docs/operations.md#signals).
//
// Time is read from the clock the application is built with, for every
// decision taken on it here: when the files are next checked, when the drain
// grace ends, how long --check-config waits for Kafka. main() only calls
// RunProcess(). Not thread-safe: one thread (main's) drives it.
#pragma once

#include <atomic>
#include <chrono>
#include <csignal>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hookbridge/core/config.h"
#include "hookbridge/core/file_identity.h"

namespace hookbridge {

class EmbeddedBroker;
class HttpServer;
class KafkaPublisher;
class KeyStore;
class Metrics;
class SourceStore;
class WebhookHandler;

// The process's exit statuses (docs/operations.md#signals).
inline constexpr int kExitClean = 0;
// Records stayed undelivered; with --check-config: Kafka is not usable.
inline constexpr int kExitUndelivered = 1;
inline constexpr int kExitConfigError = 2;  // a bad setting, named on stderr
inline constexpr int kExitFatalProducerError = 3;

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

class Application {
 public:
  explicit Application(Config config, SteadyClock clock = &std::chrono::steady_clock::now);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // --check-config: print the effective settings, then reach Kafka with
  // metadata for every topic in use. The exit status: 0 if all is well, 1 if
  // Kafka is not usable, 2 for a bad setting (named on stderr).
  int CheckConfig();

  // Serves until SIGTERM/SIGINT (then drains) or a fatal producer error. The
  // exit status. `signals` (SIGTERM, SIGINT, SIGHUP, SIGUSR2) must be blocked
  // in every thread: they are taken here, synchronously.
  int Serve(const sigset_t& signals);

  // Re-reads the key file and the sources file if one of their files changed
  // (every one, with force), counting and logging the outcome. Serve() calls
  // it every file_check_interval and on SIGHUP.
  void CheckFiles(bool force);

  // The port served on once Serve() is listening (a listen port of 0 picks
  // one); -1 before. Any thread may ask.
  int port() const { return port_.load(); }

 private:
  // Sources, the embedded broker when asked for, the Kafka publisher. false
  // and *error (naming the setting) on failure.
  bool Open(bool serving, std::string* error);
  // Serving, after Open: until a stop signal or a fatal producer error.
  void AwaitStop(const sigset_t& signals);
  void Drain(const sigset_t& signals);
  // sasl.password from a file (sasl.password.file): a changed file gives the
  // live producer the new credentials (rd_kafka_sasl_set_credentials), used
  // from its next connection on; connections up stay up.
  void CheckSaslPasswordFile(bool force);

  Config config_;
  const SteadyClock clock_;
  // In wiring order; destroyed the other way round.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<SourceStore> sources_;
  std::unique_ptr<EmbeddedBroker> embedded_;
  std::unique_ptr<KafkaPublisher> publisher_;
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<WebhookHandler> handler_;
  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> draining_{false};
  std::atomic<int> port_{-1};
  FileIdentity sasl_password_identity_;  // of the file when last read
};

// The whole process: blocks the signals, reads the settings from `args` and
// `env` (--help and --version answered here), then runs the application.
// The exit status.
int RunProcess(const std::vector<std::string>& args, const Environment& env);

}  // namespace hookbridge
