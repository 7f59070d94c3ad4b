// Whether this instance should get traffic, and the /readyz answer that says
// which condition fails.
#pragma once

#include "hookbridge/core/http_response.h"

namespace hookbridge {

struct ProducerHealth {
  bool broker_connected = false;        // a connection to some broker is up
  bool topic_metadata = false;          // the topic's partitions and leaders are known
  bool queue_below_high_water = false;  // the producer queue has room
  bool fatal_error = false;             // the producer is unusable
  // Set while Kafka refuses us for a security reason: "authentication",
  // "authorization" or "tls_verification" (hookbridge/kafka/security_failure.h).
  // It names why the connection or the metadata is missing; it is not a
  // condition of its own.
  const char* security_failure = nullptr;
};

struct Readiness {
  ProducerHealth producer;
  bool draining = false;  // SIGTERM received: the load balancer should stop routing here

  bool ready() const {
    return producer.broker_connected && producer.topic_metadata &&
           producer.queue_below_high_water && !producer.fatal_error && !draining;
  }
};

// 200 {"status":"ready"}, or 503 {"status":"not_ready","failing":[...]} naming
// each failing condition: kafka_connection, topic_metadata, producer_queue,
// producer_fatal_error, draining; and kafka_authentication,
// kafka_authorization or kafka_tls_verification for the reason behind them.
HttpResponse ReadinessResponse(const Readiness& readiness);

}  // namespace hookbridge
