#include "http_test_server.h"

#include <gtest/gtest.h>

#include <thread>

#include "hookbridge/sources/source.h"

namespace hookbridge::test_support {

TestServer::TestServer(const std::function<void(Config&)>& configure_settings,
                       const std::function<void(HttpServerOptions&)>& configure_options) {
  Config config;
  // Two loops whatever the machine: every HTTP test also crosses loops
  // (a webhook's outcome posted from another loop, limits shared).
  config.http_loops = 2;
  config.listen_host = "127.0.0.1";
  config.listen_port = 0;
  config.webhook_path = kWebhookPath;
  config.max_in_flight = 64;
  config.max_body_bytes = 4096;
  if (configure_settings) configure_settings(config);
  std::string error;
  keys_ = std::make_unique<KeyStore>(*ApiKeys::FromCommaList(kTestKey, &error), "");
  WebhookOptions webhook;
  webhook.ack_timeout = config.ack_timeout;
  webhook.max_body_bytes = config.max_body_bytes;
  handler_ = std::make_unique<WebhookHandler>(*keys_, publisher_, webhook);
  HttpServerOptions options(config);
  // Routed as the binary routes without a sources file.
  options.sources = [sources = BuiltInSources(config)] { return sources; };
  if (configure_options) configure_options(options);
  server_ = std::make_unique<HttpServer>(options, *handler_, metrics_, [this] {
    Readiness readiness;
    readiness.producer = {ready_, ready_, ready_, false};
    return readiness;
  });
  if (!server_->Start(&error)) ADD_FAILURE() << "server did not start: " << error;
}

TestServer::~TestServer() {
  server_->Stop();
  // The handler goes before the publisher: no late answer may still call it.
  publisher_.FinishLaterAnswers();
}

std::string TestEvent(const std::string& id, const std::string& profile) {
  return R"({"id":")" + id +
         R"(","event":"profile.updated","tenant_id":"t-1","data":{"profile_id":")" + profile +
         R"("},"created_at":"2023-10-01T12:00:00Z","webhook_id":"w-1"})";
}

std::string WebhookRequest(const std::string& body, const std::string& extra_headers) {
  return std::string("POST ") + kWebhookPath + " HTTP/1.1\r\nHost: hookbridge\r\n" +
         "Authorization: Bearer " + kTestKey + "\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

}  // namespace hookbridge::test_support
