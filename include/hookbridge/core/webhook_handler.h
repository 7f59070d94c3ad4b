// Handling of one webhook request, free of any HTTP or Kafka library.
//
// The HTTP adapter calls CheckHead() once the headers are in (authentication
// is decided before a byte of the body is read), reads the body up to
// max_body_bytes(), then calls HandleBody(), which parses, publishes and waits
// for the delivery report until the acknowledgement deadline. Thread-safe:
// one instance serves every HTTP worker.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/core/config.h"
#include "hookbridge/core/http_response.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/core/publisher.h"

namespace hookbridge {

// The request headers that matter, each with every value received.
struct RequestHead {
  std::vector<std::string_view> authorization;
  std::vector<std::string_view> content_type;
  std::vector<std::string_view> content_encoding;
};

struct WebhookOptions {
  std::chrono::milliseconds ack_timeout = kDefaultAckTimeout;  // answer 503 if not PERSISTED by then
  size_t max_body_bytes = kDefaultMaxBodyBytes;
};

// What became of a webhook's body: the answer, and for the access log the
// event id and where Kafka stored it (partition and offset when PERSISTED).
struct WebhookResult {
  HttpResponse response;
  std::string event_id;  // empty when the body was not a valid event
  PublishResult delivery;
};

class WebhookHandler {
 public:
  using Clock = std::chrono::steady_clock;

  WebhookHandler(const KeyStore& keys, Publisher& publisher, Metrics& metrics,
                 WebhookOptions options);

  // An answer if the request is refused on its headers alone; nullopt means
  // "read the body and call HandleBody".
  std::optional<HttpResponse> CheckHead(const RequestHead& head) const;

  // `received` is when the request arrived: the deadline counts from there.
  WebhookResult HandleBody(std::string body, Clock::time_point received);

  size_t max_body_bytes() const { return options_.max_body_bytes; }

 private:
  const KeyStore& keys_;
  Publisher& publisher_;
  Metrics& metrics_;
  WebhookOptions options_;
};

// True for "application/json" with optional parameters, of which charset may
// only be utf-8 (RFC 8259 8.1).
bool IsJsonContentType(std::string_view content_type);

}  // namespace hookbridge
