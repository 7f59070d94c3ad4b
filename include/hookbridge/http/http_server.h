// The HTTP adapter: cpp-httplib in front of a WebhookHandler.
//
// Owns the connection loop (see ConnectionStream) so that a connection whose
// request body was not read to its end is always closed after the answer,
// never left for that body to be parsed as the next request. Routes:
// POST <webhook path> to the handler; other methods there get 405; anything
// else 404. Every answer is JSON.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "hookbridge/core/webhook_handler.h"

namespace hookbridge {

struct HttpServerOptions {
  std::string host = "0.0.0.0";
  int port = 8080;  // 0: any free port
  std::string webhook_path = "/webhooks/getprofile";
  int threads = 64;
  size_t max_body_bytes = 1 << 20;
  size_t keep_alive_max_requests = 100000;
  std::chrono::seconds keep_alive_timeout{30};
  std::chrono::seconds read_timeout{5};       // for each read
  std::chrono::seconds request_timeout{15};   // to receive a whole request
  std::chrono::seconds write_timeout{5};
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, WebhookHandler& handler);
  ~HttpServer();  // Stop()s

  // Binds and starts serving in the background. false and *error on failure.
  bool Start(std::string* error);
  int port() const { return port_; }
  // Stops accepting, lets requests in progress finish, and returns.
  void Stop();

 private:
  class Server;
  std::unique_ptr<Server> server_;
  std::pair<std::string, int> host_port_;
  std::thread listener_;
  int port_ = -1;
};

}  // namespace hookbridge
