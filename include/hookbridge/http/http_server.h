// The HTTP adapter: hookbridge's HTTP/1.1 server in front of a WebhookHandler.
//
// HOOKBRIDGE_HTTP_LOOPS connection loops (hb-loop, one per core by default;
// docs/http-threads.md draws them) share the listening socket. Each owns the
// sockets it accepted from accept to close: reading each request whole under
// its limits (request_head.h, chunked_body.h), handing each complete webhook
// to the handler, writing every answer, keep-alive, lingering closes,
// deadlines and overload, against limits that hold for the whole instance
// (instance_limits.h). Over TLS as many handshake threads (hb-tls) accept
// instead and hand each connection to a loop once its handshake is done
// (handshake_loop.h). No thread waits for Kafka: a webhook's outcome comes
// back from the publisher's thread (outcome_mailbox.h).
// Routes are in routes.h; every answer is counted and logged (access_log.h).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "hookbridge/core/config.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/core/readiness.h"
#include "hookbridge/http/request_head.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {

struct HttpServerOptions {
  // From the settings: Config holds their defaults.
  explicit HttpServerOptions(const Config& config)
      : host(config.listen_host),
        port(config.listen_port),
        loops(static_cast<size_t>(config.http_loops)),
        max_in_flight(static_cast<size_t>(config.max_in_flight)),
        max_connections(static_cast<size_t>(config.max_connections)),
        request_timeout(config.request_timeout),
        tls_cert_file(config.tls_cert_file),
        tls_key_file(config.tls_key_file) {}

  std::string host;
  int port;  // 0: any free port
  // The sources in force, asked on every request's head (a reload swaps
  // them). Required: without a sources file, a fixed BuiltInSources().
  std::function<std::shared_ptr<const SourceSet>()> sources;
  size_t loops;            // connection loops (and, over TLS, handshake threads); at least 1
  size_t max_in_flight;    // webhooks being read or waiting for Kafka; past it, 503 at once
  size_t max_connections;  // open connections; past it, a new one is answered 503 and closed
  // To receive a whole request (or finish a TLS handshake); past it, 408.
  std::chrono::milliseconds request_timeout;
  // (The body limit is the webhook handler's: Routes::max_body_bytes().)
  std::string tls_cert_file;  // both set: serve HTTPS (TLS 1.2 or newer)
  std::string tls_key_file;

  // The clock every deadline of the loop is read from, the ack deadline
  // included: the application's (app/application.h).
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
  // Starts each of the server's threads: std::thread, which throws
  // std::system_error when the system has none to give (tests make it fail).
  std::function<std::thread(std::function<void()>)> start_thread = [](std::function<void()> body) {
    return std::thread(std::move(body));
  };

  // Fixed.
  HeadLimits head_limits;
  size_t keep_alive_max_requests = 100000;
  std::chrono::seconds keep_alive_timeout{30};  // an idle connection is closed after it
  // A request that stalls this long gets 408; a request_timeout this long or
  // shorter comes first, and then it alone applies.
  std::chrono::seconds read_timeout{5};
  std::chrono::seconds write_timeout{5};  // an answer not taken this long: closed
  // After an answer given before the body was read, what the client still
  // sends is discarded this long, so that it reads the answer, not a reset.
  std::chrono::seconds linger{1};
};

// A descriptor the first connection loop watches besides its sockets, and
// what to run on the loop's thread while it is readable. The application
// hands it the Kafka producer's events, so that a delivery report is served
// on a loop, and with one loop on the thread that writes the webhook's
// answer: one thread wake-up fewer per webhook. (With several loops, the
// outcome for another loop's webhook goes to that loop's mailbox.)
struct LoopEventSource {
  int fd = -1;  // -1: none
  std::function<void()> serve;
};

class HttpServer {
 public:
  // `readiness` is asked on every GET /readyz.
  HttpServer(HttpServerOptions options, WebhookHandler& handler, Metrics& metrics,
             std::function<Readiness()> readiness, LoopEventSource events = {});
  ~HttpServer();  // Stop()s

  // Binds and starts serving in the background. false and *error (naming the
  // setting) on failure.
  bool Start(std::string* error);
  int port() const { return port_; }
  // From now on every answer closes its connection, so clients reconnect,
  // through the load balancer, to an instance that is not draining.
  void CloseConnectionsAfterEachAnswer() { closing_connections_ = true; }
  // Stops accepting, answers the requests in progress, closes every
  // connection, and returns.
  void Stop();

 private:
  class Impl;
  const HttpServerOptions options_;
  WebhookHandler& handler_;
  Metrics& metrics_;
  const std::function<Readiness()> readiness_;
  const LoopEventSource events_;
  std::atomic<bool> closing_connections_{false};
  std::unique_ptr<Impl> impl_;  // while started
  int port_ = -1;
};

}  // namespace hookbridge
