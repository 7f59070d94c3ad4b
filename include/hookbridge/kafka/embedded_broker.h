// librdkafka's in-process mock cluster, in its two roles: the development
// broker hookbridge starts when asked for by name (HOOKBRIDGE_KAFKA_BROKERS=
// embedded; memory only, lost on exit), and fault injection in the adapter tests. It speaks the
// Kafka protocol on a loopback port, so other processes (kcat) can use it too. It is not Kafka: it
// ignores acks and has no replicas.
#pragma once

#include <memory>
#include <string>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace hookbridge {

class EmbeddedBroker {
 public:
  // Starts the cluster and creates `topic`. nullptr and *error on failure.
  static std::unique_ptr<EmbeddedBroker> Start(const std::string& topic, int partitions,
                                               std::string* error);
  ~EmbeddedBroker();

  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  // For fault injection with the rd_kafka_mock_* functions.
  rd_kafka_mock_cluster_s* mock() const { return cluster_; }

 private:
  EmbeddedBroker() = default;
  rd_kafka_s* host_ = nullptr;  // the client handle the mock cluster lives in
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_servers_;
};

}  // namespace hookbridge
