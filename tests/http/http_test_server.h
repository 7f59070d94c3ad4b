// hookbridge's HTTP server in this process, on a free loopback port, with a
// fake publisher instead of Kafka: what the server does with each request is
// seen through a real client, and what reached "Kafka" through the fake.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "../support/fake_publisher.h"
#include "../support/poll_until.h"
#include "hookbridge/core/config.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge::test_support {

inline constexpr const char* kTestKey = "test-key-0123456789";
inline constexpr const char* kWebhookPath = "/webhooks/getprofile";

class TestServer {
 public:
  // `configure` may change the settings and fixed options before the start.
  explicit TestServer(const std::function<void(Config&)>& configure_settings = {},
                      const std::function<void(HttpServerOptions&)>& configure_options = {});
  ~TestServer();

  int port() const { return server_->port(); }
  FakePublisher& publisher() { return publisher_; }
  Metrics& metrics() { return metrics_; }
  HttpServer& server() { return *server_; }
  void set_ready(bool ready) { ready_ = ready; }

 private:
  FakePublisher publisher_;
  Metrics metrics_{"test"};
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<WebhookHandler> handler_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<HttpServer> server_;
};

// A valid profile.updated event with this id.
std::string TestEvent(const std::string& id, const std::string& profile = "p-1");

// A whole webhook request as bytes (Content-Length framing, the test key).
std::string WebhookRequest(const std::string& body, const std::string& extra_headers = "");

}  // namespace hookbridge::test_support
