// KafkaPublisher::Health() and the metrics it feeds from librdkafka's
// statistics, on the mock cluster: the Kafka side of /readyz (connection,
// topic metadata, queue high-water mark, fatal error) and of /metrics (queue
// depth, broker round-trip time, delivery errors by name). A missing topic is
// tested end to end: the mock cluster creates every topic asked for.
//
// Statistics arrive every `statistics_interval`; every wait is a bounded poll
// that asserts only that the outcome arrived in time.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/poll_until.h"
#include "../support/prometheus_text.h"
#include "../support/publish_future.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/core/readiness.h"
#include "hookbridge/kafka/embedded_broker.h"
#include "hookbridge/kafka/kafka_publisher.h"

namespace hookbridge {
namespace {

using namespace std::chrono_literals;
using test_support::ParseExposition;
using test_support::PublishAndGetFuture;

constexpr char kTopic[] = "health";
constexpr int32_t kBrokerId = 1;
constexpr auto kBound = 15s;  // many statistics rounds, on a loaded machine

using test_support::PollUntil;

std::string Describe(const ProducerHealth& health) {
  return std::string("connected=") + (health.broker_connected ? "1" : "0") +
         " metadata=" + (health.topic_metadata ? "1" : "0") +
         " queue_ok=" + (health.queue_below_high_water ? "1" : "0") +
         " fatal=" + (health.fatal_error ? "1" : "0");
}

KafkaRecord Record(const std::string& value) {
  KafkaRecord record;
  record.topic = kTopic;
  record.key = "k";
  record.value = value;
  return record;
}

// A mock cluster, metrics and a publisher with 200 ms statistics. The metrics
// outlive the publisher, which reports into them from its own thread.
class HealthTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::pair<std::string, std::string>> properties = {},
             std::chrono::milliseconds message_timeout = 4000ms,
             const std::string& topic = kTopic) {
    std::string error;
    broker_ = EmbeddedBroker::Start(kTopic, 2, &error);
    ASSERT_NE(broker_, nullptr) << error;
    KafkaOptions options;
    options.brokers = broker_->bootstrap_servers();
    options.topic = topic;
    options.message_timeout = message_timeout;
    options.statistics_interval = 200ms;
    options.properties = std::move(properties);
    publisher_ = KafkaPublisher::Create(options, metrics_, &error);
    ASSERT_NE(publisher_, nullptr) << error;
  }

  void TearDown() override {
    publisher_.reset();
    broker_.reset();
  }

  ProducerHealth health() const { return publisher_->Health(); }

  Metrics metrics_{"test"};
  std::unique_ptr<EmbeddedBroker> broker_;
  std::unique_ptr<KafkaPublisher> publisher_;
};

TEST_F(HealthTest, ConnectedWithTopicMetadataOnceStatisticsArrive) {
  Start();
  EXPECT_TRUE(PollUntil(kBound, [&] {
    ProducerHealth now = health();
    return now.broker_connected && now.topic_metadata;
  })) << Describe(health());
  ProducerHealth now = health();
  EXPECT_TRUE(now.queue_below_high_water);
  EXPECT_FALSE(now.fatal_error);
  EXPECT_TRUE((Readiness{now, false}).ready());
}

TEST_F(HealthTest, BrokerDownLosesTheConnectionAndRecoveryRegainsIt) {
  Start();
  ASSERT_TRUE(PollUntil(kBound, [&] { return health().broker_connected; })) << Describe(health());
  ASSERT_EQ(rd_kafka_mock_broker_set_down(broker_->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_TRUE(PollUntil(kBound, [&] { return !health().broker_connected; })) << Describe(health());
  ASSERT_EQ(rd_kafka_mock_broker_set_up(broker_->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  // With nothing to send, librdkafka may wait for its next metadata refresh to
  // reconnect: a record gives it a reason to.
  auto record = PublishAndGetFuture(*publisher_, Record("wake up"));
  EXPECT_TRUE(PollUntil(kBound, [&] { return health().broker_connected; })) << Describe(health());
  EXPECT_EQ(record.wait_for(kBound), std::future_status::ready);
}

TEST_F(HealthTest, QueueAtItsHighWaterMarkIsNotBelowIt) {
  // queue.buffering.max.messages 10: the mark is 80%, 8 records in flight.
  Start({{"queue.buffering.max.messages", "10"}}, 60000ms);
  ASSERT_TRUE(PollUntil(kBound, [&] { return health().broker_connected; })) << Describe(health());
  ASSERT_EQ(rd_kafka_mock_broker_set_down(broker_->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::vector<std::future<PublishResult>> pending;
  for (int i = 0; i < 7; ++i)
    pending.push_back(PublishAndGetFuture(*publisher_, Record("pending")));
  EXPECT_TRUE(health().queue_below_high_water) << "7 of 10";
  pending.push_back(PublishAndGetFuture(*publisher_, Record("pending")));
  EXPECT_FALSE(health().queue_below_high_water) << "8 of 10";

  // The queue depth reaches the metrics through the statistics.
  std::string text;
  EXPECT_TRUE(PollUntil(kBound, [&] {
    text = metrics_.Render();
    return ParseExposition(text).Value("hookbridge_kafka_producer_queue_messages") == 8;
  })) << text;
  EXPECT_GE(ParseExposition(text).Value("hookbridge_kafka_producer_queue_bytes"),
            8 * 7);  // the values

  // Back below the mark once the records are delivered.
  ASSERT_EQ(rd_kafka_mock_broker_set_up(broker_->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(publisher_->Flush(kBound), 0);
  EXPECT_TRUE(health().queue_below_high_water);
  for (auto& future : pending) {
    ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
    EXPECT_EQ(future.get().status, PublishStatus::kPersisted);
  }
}

TEST_F(HealthTest, FatalErrorIsReported) {
  Start();
  EXPECT_FALSE(health().fatal_error);
  publisher_->InjectFatalError();
  EXPECT_TRUE(PollUntil(kBound, [&] { return health().fatal_error; }));
  Readiness readiness{health(), false};
  EXPECT_FALSE(readiness.ready());
}

TEST_F(HealthTest, StatisticsFeedBrokerRoundTripTimeAndDeliveryErrorsAreCountedByName) {
  Start({}, 1000ms);
  std::string text;
  EXPECT_TRUE(PollUntil(kBound, [&] {
    text = metrics_.Render();
    return ParseExposition(text).Has("hookbridge_kafka_broker_rtt_seconds{broker=\"1\"}");
  })) << text;
  EXPECT_GE(ParseExposition(text).Value("hookbridge_kafka_broker_rtt_seconds{broker=\"1\"}"), 0);
  // Only real brokers, never the bootstrap address (-1).
  EXPECT_EQ(ParseExposition(text).SeriesOf("hookbridge_kafka_broker_rtt_seconds").size(), 1u)
      << text;

  // Two records that time out: counted under librdkafka's error name.
  ASSERT_EQ(rd_kafka_mock_broker_set_down(broker_->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto first = PublishAndGetFuture(*publisher_, Record("lost 1"));
  auto second = PublishAndGetFuture(*publisher_, Record("lost 2"));
  ASSERT_EQ(first.wait_for(kBound), std::future_status::ready);
  ASSERT_EQ(second.wait_for(kBound), std::future_status::ready);
  PublishResult result = first.get();
  ASSERT_NE(result.status, PublishStatus::kPersisted);
  auto exposition = ParseExposition(metrics_.Render());
  EXPECT_TRUE(exposition.errors.empty());
  double total = 0;
  for (const auto& [series, value] :
       exposition.SeriesOf("hookbridge_kafka_delivery_errors_total")) {
    total += value;
  }
  EXPECT_EQ(total, 2);
  EXPECT_EQ(
      exposition.Value("hookbridge_kafka_delivery_errors_total{error=\"" + result.error + "\"}"), 2)
      << metrics_.Render();
}

}  // namespace
}  // namespace hookbridge
