#include "hookbridge/kafka/embedded_broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "rdkafka_log.h"

namespace hookbridge {

std::unique_ptr<EmbeddedBroker> EmbeddedBroker::Start(const std::string& topic, int partitions,
                                                      std::string* error) {
  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker());
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The host handle never connects anywhere; it only owns the mock cluster.
  rd_kafka_conf_set(conf, "client.id", "hookbridge-embedded-broker", nullptr, 0);
  rd_kafka_conf_set(conf, "log_level", "3", nullptr, 0);  // it would warn that it has no brokers
  RouteLibrdkafkaLogs(conf);
  broker->host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (broker->host_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    *error = std::string("embedded broker: ") + errstr;
    return nullptr;
  }
  broker->cluster_ = rd_kafka_mock_cluster_new(broker->host_, 1);
  if (broker->cluster_ == nullptr) {
    *error = "embedded broker: could not start librdkafka's mock cluster";
    return nullptr;
  }
  rd_kafka_resp_err_t err =
      rd_kafka_mock_topic_create(broker->cluster_, topic.c_str(), partitions, 1);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = std::string("embedded broker: cannot create topic: ") + rd_kafka_err2str(err);
    return nullptr;
  }
  broker->bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(broker->cluster_);
  return broker;
}

EmbeddedBroker::~EmbeddedBroker() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (host_ != nullptr) rd_kafka_destroy(host_);
}

}  // namespace hookbridge
