// The HTTP adapter: cpp-httplib in front of a WebhookHandler.
//
// Owns the connection loop (see ConnectionStream) so that a connection whose
// request body was not read to its end is always closed after the answer,
// never left for that body to be parsed as the next request.
//
// Routes: POST <webhook path> to the handler; GET /healthz, /readyz and
// /metrics for operators; other methods on these paths get 405, any other
// path 404. Every answer but /metrics is JSON and carries X-Request-Id. Each
// request is counted in the metrics; each webhook gets an access-log line.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "hookbridge/core/metrics.h"
#include "hookbridge/core/readiness.h"
#include "hookbridge/core/webhook_handler.h"

namespace hookbridge {

struct HttpServerOptions {
  // From the settings (Config, where their defaults are).
  std::string host;
  int port = 0;  // 0: any free port
  std::string webhook_path;
  int threads = 1;
  int max_in_flight = 1;  // requests being served or waiting for a worker; past it, 503 at once
  size_t max_body_bytes = 0;
  std::string tls_cert_file;  // both set: serve HTTPS (TLS 1.2 or newer)
  std::string tls_key_file;

  // Fixed.
  size_t max_head_bytes = 64 * 1024;  // request line and headers
  size_t keep_alive_max_requests = 100000;
  std::chrono::seconds keep_alive_timeout{30};
  std::chrono::seconds read_timeout{5};       // for each read
  std::chrono::seconds request_timeout{15};   // to receive a whole request
  std::chrono::seconds write_timeout{5};
};

class HttpServer {
 public:
  // `readiness` is asked on every GET /readyz.
  HttpServer(HttpServerOptions options, WebhookHandler& handler, Metrics& metrics,
             std::function<Readiness()> readiness);
  ~HttpServer();  // Stop()s

  // Binds and starts serving in the background. false and *error on failure.
  bool Start(std::string* error);
  int port() const { return port_; }
  // From now on every answer closes its connection, so clients reconnect,
  // through the load balancer, to an instance that is not draining.
  void CloseConnectionsAfterEachAnswer() { closing_connections_ = true; }
  // Stops accepting, lets requests in progress finish, and returns.
  void Stop();

 private:
  class Server;
  const HttpServerOptions options_;
  std::atomic<bool> closing_connections_{false};  // before server_, which refers to it
  std::unique_ptr<Server> server_;
  std::thread listener_;
  int port_ = -1;
};

}  // namespace hookbridge
