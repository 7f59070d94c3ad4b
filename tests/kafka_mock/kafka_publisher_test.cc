// KafkaPublisher on librdkafka's mock cluster (EmbeddedBroker), with fault
// injection. Every test starts its own cluster and publisher.
//
// Time: every wait is bounded (Bound(): a generous multiple of the configured
// message timeout) and only asserts that the outcome arrived before the bound,
// never how fast.
#include "hookbridge/kafka/kafka_publisher.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../support/murmur2.h"
#include "../support/publish_future.h"
#include "hookbridge/core/publisher.h"
#include "hookbridge/kafka/embedded_broker.h"

namespace hookbridge {
namespace {

using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kTopic[] = "webhooks";
constexpr int32_t kBrokerId = 1;          // EmbeddedBroker starts a one-broker cluster
constexpr int16_t kProduceApiKey = 0;     // RD_KAFKAP_Produce (not in the public headers)
constexpr auto kDefaultTimeout = 4000ms;  // KafkaOptions' default message_timeout

// How long to wait for an outcome with this message timeout. librdkafka looks
// for timed-out records only once a second, so a record can fail up to ~1 s
// after its timeout: 3x the timeout plus 2 s of slack for a loaded machine.
constexpr std::chrono::milliseconds Bound(std::chrono::milliseconds message_timeout) {
  return 3 * message_timeout + 2000ms;
}

const char* StatusName(PublishStatus status) {
  switch (status) {
    case PublishStatus::kPersisted: return "kPersisted";
    case PublishStatus::kQueueFull: return "kQueueFull";
    case PublishStatus::kFailed: return "kFailed";
    case PublishStatus::kRecordTooLarge: return "kRecordTooLarge";
  }
  return "?";
}

std::string Describe(const PublishResult& result) {
  return std::string(StatusName(result.status)) + " error=\"" + result.error +
         "\" partition=" + std::to_string(result.partition) +
         " offset=" + std::to_string(result.offset);
}

// ---------------------------------------------------------------------------
// Java's partitioner, written independently of librdkafka (tests/support),
// so the partition test checks the adapter against the Java client.
using test_support::JavaPartitionOf;
using test_support::Murmur2;
using test_support::PublishAndGetFuture;

// ---------------------------------------------------------------------------
// Fixtures and helpers.

// Outlives every publisher: the adapter reports into it from its own thread.
Metrics& TestMetrics() {
  static Metrics metrics("test");
  return metrics;
}

std::unique_ptr<EmbeddedBroker> StartBroker(int partitions) {
  std::string error;
  auto broker = EmbeddedBroker::Start(kTopic, partitions, &error);
  EXPECT_NE(broker, nullptr) << error;
  return broker;
}

std::unique_ptr<KafkaPublisher> NewPublisher(const EmbeddedBroker& broker,
                                             std::chrono::milliseconds message_timeout,
                                             Headers properties = {}) {
  KafkaOptions options;
  options.brokers = broker.bootstrap_servers();
  options.topic = kTopic;
  options.message_timeout = message_timeout;
  options.properties = std::move(properties);
  std::string error;
  auto publisher = KafkaPublisher::Create(options, TestMetrics(), &error);
  EXPECT_NE(publisher, nullptr) << error;
  return publisher;
}

KafkaRecord Record(std::string key, std::string value, Headers headers = {}) {
  KafkaRecord record;
  record.topic = kTopic;
  record.key = std::move(key);
  record.value = std::move(value);
  record.headers = std::move(headers);
  return record;
}

// Waits at most `bound` for the outcome. False if it did not arrive.
[[nodiscard]] bool Await(std::future<PublishResult>& future, std::chrono::milliseconds bound,
                         PublishResult* result) {
  if (future.wait_for(bound) != std::future_status::ready) return false;
  *result = future.get();
  return true;
}

// Destroys the publisher on another thread and waits at most `bound` for the
// destructor to return. On timeout the destructor is left running (and the
// caller must then leak anything it uses, such as the broker).
[[nodiscard]] bool DestroyWithin(std::unique_ptr<KafkaPublisher> publisher,
                                 std::chrono::milliseconds bound) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::thread([publisher = std::move(publisher), done]() mutable {
    publisher.reset();
    done->set_value();
  }).detach();
  return finished.wait_for(bound) == std::future_status::ready;
}

// A record as a plain librdkafka consumer reads it back.
struct Consumed {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  Headers headers;
};

// Reads the first record of `partition` (assign, offset beginning) with a
// plain librdkafka consumer. Empty *error on success.
Consumed ConsumeFirst(const std::string& bootstrap, int32_t partition,
                      std::chrono::milliseconds bound, std::string* error) {
  Consumed consumed;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [name, value] : Headers{{"bootstrap.servers", bootstrap},
                                           {"group.id", "kafka-mock-test"},
                                           {"enable.auto.commit", "false"},
                                           {"log_level", "3"}}) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      *error = errstr;
      return consumed;
    }
  }
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (consumer == nullptr) {
    rd_kafka_conf_destroy(conf);
    *error = errstr;
    return consumed;
  }
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(assignment, kTopic, partition)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_resp_err_t err = rd_kafka_assign(consumer, assignment);
  rd_kafka_topic_partition_list_destroy(assignment);
  *error = err ? std::string("assign: ") + rd_kafka_err2str(err) : "no record before the bound";

  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (err == RD_KAFKA_RESP_ERR_NO_ERROR && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
    if (message == nullptr) continue;
    if (message->err) {
      *error = std::string("consumer: ") + rd_kafka_message_errstr(message);
      rd_kafka_message_destroy(message);
      continue;  // transient (e.g. connecting); the deadline bounds it
    }
    consumed.partition = message->partition;
    consumed.offset = message->offset;
    if (message->key) consumed.key.assign(static_cast<const char*>(message->key), message->key_len);
    if (message->payload) {
      consumed.value.assign(static_cast<const char*>(message->payload), message->len);
    }
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t i = 0;
           rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        consumed.headers.emplace_back(
            name, value ? std::string(static_cast<const char*>(value), size) : std::string());
      }
    }
    rd_kafka_message_destroy(message);
    error->clear();
    break;
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return consumed;
}

// ---------------------------------------------------------------------------
// 1. Persisted, then read back byte for byte.

TEST(KafkaPublisherTest, PersistedRecordRoundTripsKeyValueAndHeaders) {
  auto broker = StartBroker(3);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kDefaultTimeout);
  ASSERT_NE(publisher, nullptr);

  const std::string key("order-42\0\xff", 10);
  std::string value = "{\"id\":\"evt_1\",\"bytes\":\"";
  value += std::string("\0\x01\x7f\x80\xfe\xff\r\n", 8);
  value += "\"}";
  const Headers headers = {
      {"ce_specversion", "1.0"},
      {"ce_id", "evt_1"},
      {"ce_type", "com.example.order.created"},
      {"content-type", "application/json; charset=utf-8"},
      {"binary", std::string("\0\xff\x01", 3)},
      {"repeated", "first"},
      {"repeated", "second"},
      {"empty", ""},
  };

  auto future = PublishAndGetFuture(*publisher, Record(key, value, headers));
  PublishResult result;
  ASSERT_TRUE(Await(future, Bound(kDefaultTimeout), &result)) << "no delivery outcome";
  ASSERT_EQ(result.status, PublishStatus::kPersisted) << Describe(result);
  EXPECT_TRUE(result.error.empty()) << Describe(result);
  ASSERT_GE(result.partition, 0);
  ASSERT_LT(result.partition, 3);
  ASSERT_GE(result.offset, 0);

  std::string error;
  Consumed consumed =
      ConsumeFirst(broker->bootstrap_servers(), result.partition, Bound(kDefaultTimeout), &error);
  ASSERT_TRUE(error.empty()) << error;
  EXPECT_EQ(consumed.partition, result.partition);
  EXPECT_EQ(consumed.offset, result.offset);
  EXPECT_EQ(consumed.key, key);
  EXPECT_EQ(consumed.value, value);
  EXPECT_EQ(consumed.headers, headers);  // names, values and order
}

// 2. Keys land where the Java client would put them.

// With caller_serves_events there is no thread of the publisher's own: the
// outcome comes only when the caller serves the events its descriptor
// announces, and the callback runs on the caller's thread.
TEST(KafkaPublisherTest, CallerServedEventsDeliverTheOutcomeOnTheCallersThread) {
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  KafkaOptions options;
  options.brokers = broker->bootstrap_servers();
  options.topic = kTopic;
  options.caller_serves_events = true;
  std::string error;
  auto publisher = KafkaPublisher::Create(options, TestMetrics(), &error);
  ASSERT_NE(publisher, nullptr) << error;
  ASSERT_GE(publisher->events_fd(), 0);

  std::optional<PublishResult> outcome;
  std::thread::id called_on;
  publisher->Publish(Record("k", "served by the caller"), [&](PublishResult result) {
    outcome = std::move(result);
    called_on = std::this_thread::get_id();
  });
  const auto deadline = std::chrono::steady_clock::now() + Bound(kDefaultTimeout);
  while (!outcome && std::chrono::steady_clock::now() < deadline) {
    pollfd readable{publisher->events_fd(), POLLIN, 0};
    if (::poll(&readable, 1, 100) == 1) publisher->ServeEvents();
  }
  ASSERT_TRUE(outcome) << "no outcome, though the descriptor was served until the bound";
  EXPECT_EQ(outcome->status, PublishStatus::kPersisted) << Describe(*outcome);
  EXPECT_EQ(called_on, std::this_thread::get_id());
}

TEST(KafkaPublisherTest, JavaMurmur2MatchesKafkaReferenceVectors) {
  // Apache Kafka's UtilsTest.testMurmur2: anchors the independent
  // implementation above before it is used as the oracle.
  const std::vector<std::pair<std::string, int32_t>> cases = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  for (const auto& [key, expected] : cases) {
    EXPECT_EQ(static_cast<int32_t>(Murmur2(key)), expected) << key;
  }
}

TEST(KafkaPublisherTest, KeysLandOnTheJavaMurmur2Partition) {
  constexpr int32_t kPartitions = 6;
  auto broker = StartBroker(kPartitions);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kDefaultTimeout);
  ASSERT_NE(publisher, nullptr);

  // 50 distinct keys of lengths 1..50 (every murmur2 tail length), some with
  // bytes >= 0x80 to catch signed-char arithmetic.
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    std::string key = "tenant-" + std::to_string(i) + "/order-" + std::to_string(i * 7919);
    key.resize(static_cast<size_t>(i + 1), static_cast<char>('a' + i % 26));
    if (i % 3 == 0) key[0] = static_cast<char>(0x80 + i);
    keys.push_back(key);
  }
  ASSERT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), keys.size());

  std::vector<std::future<PublishResult>> futures;
  for (const auto& key : keys)
    futures.push_back(PublishAndGetFuture(*publisher, Record(key, "v:" + key)));

  std::set<int32_t> used;
  for (size_t i = 0; i < keys.size(); ++i) {
    PublishResult result;
    ASSERT_TRUE(Await(futures[i], Bound(kDefaultTimeout), &result)) << "key #" << i;
    ASSERT_EQ(result.status, PublishStatus::kPersisted) << "key #" << i << ": " << Describe(result);
    EXPECT_EQ(result.partition, JavaPartitionOf(keys[i], kPartitions)) << "key #" << i;
    used.insert(result.partition);
  }
  // The keys exercise every partition, so a constant partitioner cannot pass.
  EXPECT_EQ(used.size(), static_cast<size_t>(kPartitions));
}

// 3. Broker down: the record fails (never persisted); after recovery, records persist.

TEST(KafkaPublisherTest, BrokerDownFailsTheRecordAndRecoveryPersistsAgain) {
  constexpr auto kTimeout = 1000ms;
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kTimeout);
  ASSERT_NE(publisher, nullptr);

  ASSERT_EQ(rd_kafka_mock_broker_set_down(broker->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto down = PublishAndGetFuture(*publisher, Record("k", "while the broker is down"));
  PublishResult result;
  ASSERT_TRUE(Await(down, Bound(kTimeout), &result)) << "no outcome while the broker was down";
  EXPECT_EQ(result.status, PublishStatus::kFailed) << Describe(result);
  EXPECT_FALSE(result.error.empty());

  ASSERT_EQ(rd_kafka_mock_broker_set_up(broker->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  // The publisher recovers: a new record persists. Not necessarily the first
  // one: with no connection to keep, librdkafka retries the bootstrap broker
  // only about once a second, so a record published right after set_up can
  // still time out (1 s) before the connection is back. A sender retries
  // after a failure; so does this test, within one overall bound.
  const auto deadline = std::chrono::steady_clock::now() + 10 * kTimeout;
  PublishResult after;
  int attempts = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    ++attempts;
    auto future = PublishAndGetFuture(*publisher, Record("k", "after recovery"));
    ASSERT_TRUE(Await(future, Bound(kTimeout), &after)) << "no outcome after recovery";
    if (after.status == PublishStatus::kPersisted) break;
  }
  ASSERT_EQ(after.status, PublishStatus::kPersisted)
      << Describe(after) << " after " << attempts << " attempts";
  EXPECT_GE(after.partition, 0);
  EXPECT_GE(after.offset, 0);
}

// 4. Produce request errors from the broker.

TEST(KafkaPublisherTest, PersistentNotEnoughReplicasFailsWhenTheTimeoutExpires) {
  constexpr auto kTimeout = 1000ms;
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kTimeout);
  ASSERT_NE(publisher, nullptr);

  // More errors than retries fit in one message timeout (retry.backoff.ms is 100).
  std::vector<rd_kafka_resp_err_t> errors(50, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
  rd_kafka_mock_push_request_errors_array(broker->mock(), kProduceApiKey, errors.size(),
                                          errors.data());

  auto future = PublishAndGetFuture(*publisher, Record("k", "v"));
  PublishResult result;
  ASSERT_TRUE(Await(future, Bound(kTimeout), &result));
  EXPECT_EQ(result.status, PublishStatus::kFailed) << Describe(result);
  EXPECT_FALSE(result.error.empty());
  EXPECT_EQ(result.offset, -1);
}

TEST(KafkaPublisherTest, SingleRetriableProduceErrorIsRetriedAndPersists) {
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kDefaultTimeout);
  ASSERT_NE(publisher, nullptr);

  // On the broker's own error stack, so we can check afterwards that the
  // error was really returned to the producer (and the record retried).
  ASSERT_EQ(
      rd_kafka_mock_broker_push_request_error_rtts(broker->mock(), kBrokerId, kProduceApiKey, 1,
                                                   RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, 0),
      RD_KAFKA_RESP_ERR_NO_ERROR);

  auto future = PublishAndGetFuture(*publisher, Record("k", "v"));
  PublishResult result;
  ASSERT_TRUE(Await(future, Bound(kDefaultTimeout), &result));
  EXPECT_EQ(result.status, PublishStatus::kPersisted) << Describe(result);
  EXPECT_EQ(result.partition, 0);
  EXPECT_EQ(result.offset, 0);  // stored once: the failed attempt wrote nothing

  size_t left = 99;
  ASSERT_EQ(rd_kafka_mock_broker_error_stack_cnt(broker->mock(), kBrokerId, kProduceApiKey, &left),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(left, 0u) << "the injected error was never returned: nothing was retried";
}

TEST(KafkaPublisherTest, BrokerRejectingTheRecordAsTooLargeIsRecordTooLarge) {
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kDefaultTimeout);
  ASSERT_NE(publisher, nullptr);

  // Not retriable: the delivery report carries it, and retrying cannot help.
  rd_kafka_mock_push_request_errors(broker->mock(), kProduceApiKey, 1,
                                    RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  auto future = PublishAndGetFuture(*publisher, Record("k", "v"));
  PublishResult result;
  ASSERT_TRUE(Await(future, Bound(kDefaultTimeout), &result));
  EXPECT_EQ(result.status, PublishStatus::kRecordTooLarge) << Describe(result);
}

// 5. Queue full is refused at once.

TEST(KafkaPublisherTest, FullLocalQueueIsRefusedAtOnce) {
  constexpr auto kTimeout = 1000ms;
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(broker->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto publisher = NewPublisher(*broker, kTimeout, {{"queue.buffering.max.messages", "1"}});
  ASSERT_NE(publisher, nullptr);

  auto first = PublishAndGetFuture(*publisher, Record("k", "fills the queue"));
  auto second = PublishAndGetFuture(*publisher, Record("k", "no room"));
  ASSERT_EQ(second.wait_for(0s), std::future_status::ready) << "kQueueFull must be immediate";
  PublishResult refused = second.get();
  EXPECT_EQ(refused.status, PublishStatus::kQueueFull) << Describe(refused);
  EXPECT_EQ(refused.error, "_QUEUE_FULL");

  // The record that was queued still gets its own outcome: failed, as the
  // broker never came back.
  PublishResult queued;
  ASSERT_TRUE(Await(first, Bound(kTimeout), &queued));
  EXPECT_EQ(queued.status, PublishStatus::kFailed) << Describe(queued);
}

// 6. Records too large.

TEST(KafkaPublisherTest, RecordAboveMessageMaxBytesIsRecordTooLarge) {
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kDefaultTimeout, {{"message.max.bytes", "1000"}});
  ASSERT_NE(publisher, nullptr);

  auto future = PublishAndGetFuture(*publisher, Record("k", std::string(5000, 'x')));
  PublishResult result;
  ASSERT_TRUE(Await(future, Bound(kDefaultTimeout), &result));
  EXPECT_EQ(result.status, PublishStatus::kRecordTooLarge) << Describe(result);
  EXPECT_EQ(result.error, "MSG_SIZE_TOO_LARGE");

  // The limit is per record: a small one still persists on the same publisher.
  auto small = PublishAndGetFuture(*publisher, Record("k", std::string(100, 'x')));
  ASSERT_TRUE(Await(small, Bound(kDefaultTimeout), &result));
  EXPECT_EQ(result.status, PublishStatus::kPersisted) << Describe(result);
}

TEST(KafkaPublisherTest, ValueOfMaxValueBytesIsAccepted) {
  // message.max.bytes is sized from max_value_bytes (1 MiB by default), which
  // is above librdkafka's own default of 1000000 bytes. Only the producer side
  // is checked: the mock broker enforces no size limit of its own.
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kDefaultTimeout);
  ASSERT_NE(publisher, nullptr);

  const std::string value(KafkaOptions().max_value_bytes, 'v');
  auto future = PublishAndGetFuture(*publisher, Record("k", value, {{"ce_id", "big"}}));
  PublishResult result;
  ASSERT_TRUE(Await(future, Bound(kDefaultTimeout), &result));
  EXPECT_EQ(result.status, PublishStatus::kPersisted) << Describe(result);
}

// 7. A fatal producer error makes every later Publish fail at once.

TEST(KafkaPublisherTest, FatalErrorFailsPendingAndLaterRecords) {
  constexpr auto kTimeout = 1000ms;
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kTimeout);
  ASSERT_NE(publisher, nullptr);
  ASSERT_FALSE(publisher->fatal_error());

  auto healthy = PublishAndGetFuture(*publisher, Record("k", "before"));
  PublishResult result;
  ASSERT_TRUE(Await(healthy, Bound(kTimeout), &result));
  ASSERT_EQ(result.status, PublishStatus::kPersisted) << Describe(result);

  // A record pending when the fatal error strikes.
  ASSERT_EQ(rd_kafka_mock_broker_set_down(broker->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto pending = PublishAndGetFuture(*publisher, Record("k", "pending"));

  publisher->InjectFatalError();
  const auto deadline = std::chrono::steady_clock::now() + Bound(kTimeout);
  while (!publisher->fatal_error() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(publisher->fatal_error()) << "the fatal error was never noticed";

  ASSERT_TRUE(Await(pending, Bound(kTimeout), &result)) << "pending record left hanging";
  EXPECT_EQ(result.status, PublishStatus::kFailed) << Describe(result);

  // With the broker back, the adapter stops records at once, before
  // librdkafka (which, idempotent, would refuse them too; without
  // idempotence, librdkafka 2.0.2 took them).
  ASSERT_EQ(rd_kafka_mock_broker_set_up(broker->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto later = PublishAndGetFuture(*publisher, Record("k", "after"));
  ASSERT_EQ(later.wait_for(0s), std::future_status::ready) << "must fail at once";
  result = later.get();
  EXPECT_EQ(result.status, PublishStatus::kFailed) << Describe(result);
  EXPECT_EQ(result.error, "_FATAL");
}

// 8. Flush, and destruction with records pending.

TEST(KafkaPublisherTest, FlushReturnsZeroOnceEveryRecordHasItsOutcome) {
  auto broker = StartBroker(3);
  ASSERT_NE(broker, nullptr);
  auto publisher = NewPublisher(*broker, kDefaultTimeout);
  ASSERT_NE(publisher, nullptr);

  std::vector<std::future<PublishResult>> futures;
  for (int i = 0; i < 20; ++i) {
    futures.push_back(PublishAndGetFuture(*publisher, Record("key-" + std::to_string(i), "v")));
  }
  EXPECT_EQ(publisher->Flush(Bound(kDefaultTimeout)), 0);
  // Nothing outstanding means every delivery report was served: all futures
  // are ready now, without waiting.
  for (size_t i = 0; i < futures.size(); ++i) {
    ASSERT_EQ(futures[i].wait_for(0s), std::future_status::ready) << "record #" << i;
    PublishResult result = futures[i].get();
    EXPECT_EQ(result.status, PublishStatus::kPersisted)
        << "record #" << i << ": " << Describe(result);
  }
  EXPECT_EQ(publisher->Flush(0ms), 0);
}

TEST(KafkaPublisherTest, DestroyCompletesEveryPendingRecordAsFailed) {
  // A message timeout far longer than the destructor's bounded flush, so the
  // records are still pending when it gives up and must be purged.
  constexpr auto kTimeout = 60000ms;
  constexpr int kRecords = 5;
  auto broker = StartBroker(1);
  ASSERT_NE(broker, nullptr);
  ASSERT_EQ(rd_kafka_mock_broker_set_down(broker->mock(), kBrokerId), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto publisher = NewPublisher(*broker, kTimeout);
  ASSERT_NE(publisher, nullptr);

  std::vector<std::future<PublishResult>> futures;
  for (int i = 0; i < kRecords; ++i) {
    futures.push_back(PublishAndGetFuture(*publisher, Record("k" + std::to_string(i), "pending")));
  }
  // Still outstanding: the broker is down and the timeout is a minute away.
  EXPECT_EQ(publisher->Flush(200ms), kRecords);
  for (auto& future : futures) ASSERT_EQ(future.wait_for(0s), std::future_status::timeout);

  // The destructor flushes for a bounded time (10 s), then fails what is left.
  if (!DestroyWithin(std::move(publisher), 30s)) {
    (void)broker.release();  // the destructor still runs on its thread: keep the cluster
    FAIL() << "~KafkaPublisher did not return";
  }
  for (int i = 0; i < kRecords; ++i) {
    ASSERT_EQ(futures[i].wait_for(0s), std::future_status::ready)
        << "record #" << i << " left hanging after destruction";
    PublishResult result;
    ASSERT_NO_THROW(result = futures[i].get()) << "record #" << i << ": broken promise";
    EXPECT_EQ(result.status, PublishStatus::kFailed) << "record #" << i << ": " << Describe(result);
  }
}

// 9. Properties.

TEST(KafkaPublisherTest, UnknownPropertyIsRefusedNamingIt) {
  KafkaOptions options;
  options.brokers = "127.0.0.1:9";
  options.topic = kTopic;
  options.properties = {{"no.such.property", "1"}};
  std::string error;
  EXPECT_EQ(KafkaPublisher::Create(options, TestMetrics(), &error), nullptr);
  EXPECT_NE(error.find("no.such.property"), std::string::npos) << error;
}

TEST(KafkaPublisherTest, WeakerAcksAreRefused) {
  for (const auto& [name, value] : Headers{{"acks", "1"},
                                           {"acks", "0"},
                                           {"request.required.acks", "1"},
                                           {"request.required.acks", "0"}}) {
    KafkaOptions options;
    options.brokers = "127.0.0.1:9";
    options.topic = kTopic;
    options.properties = {{name, value}};
    std::string error;
    EXPECT_EQ(KafkaPublisher::Create(options, TestMetrics(), &error), nullptr)
        << name << "=" << value;
    EXPECT_NE(error.find(name), std::string::npos) << error;
  }
}

TEST(KafkaPublisherTest, AcksAllIsAccepted) {
  for (const auto& [name, value] :
       Headers{{"acks", "all"}, {"acks", "-1"}, {"request.required.acks", "all"}}) {
    KafkaOptions options;
    options.brokers = "127.0.0.1:9";
    options.topic = kTopic;
    options.properties = {{name, value}};
    std::string error;
    EXPECT_NE(KafkaPublisher::Create(options, TestMetrics(), &error), nullptr)
        << name << "=" << value << ": " << error;
  }
}

// hookbridge never creates a topic (a mistyped one would take acknowledged
// records no consumer reads): an override turning creation on is refused,
// naming the property; turning it off again is harmless.
TEST(KafkaPublisherTest, TopicAutoCreationIsRefused) {
  for (const std::string value : {"true", "TRUE", "t", "1"}) {
    KafkaOptions options;
    options.brokers = "127.0.0.1:9";
    options.topic = kTopic;
    options.properties = {{"allow.auto.create.topics", value}};
    std::string error;
    EXPECT_EQ(KafkaPublisher::Create(options, TestMetrics(), &error), nullptr) << value;
    EXPECT_NE(error.find("allow.auto.create.topics=" + value), std::string::npos) << error;
  }
  KafkaOptions options;
  options.brokers = "127.0.0.1:9";
  options.topic = kTopic;
  options.properties = {{"allow.auto.create.topics", "false"}};
  std::string error;
  EXPECT_NE(KafkaPublisher::Create(options, TestMetrics(), &error), nullptr) << error;
}

// The producer is idempotent, so librdkafka's retries never store a record
// twice: an override turning idempotence off is refused, naming the property;
// turning it on again is harmless.
TEST(KafkaPublisherTest, IdempotenceCannotBeTurnedOff) {
  for (const std::string value : {"false", "FALSE", "f", "0", "no"}) {
    KafkaOptions options;
    options.brokers = "127.0.0.1:9";
    options.topic = kTopic;
    options.properties = {{"enable.idempotence", value}};
    std::string error;
    EXPECT_EQ(KafkaPublisher::Create(options, TestMetrics(), &error), nullptr) << value;
    EXPECT_NE(error.find("enable.idempotence=" + value), std::string::npos) << error;
  }
  KafkaOptions options;
  options.brokers = "127.0.0.1:9";
  options.topic = kTopic;
  options.properties = {{"enable.idempotence", "true"}};
  std::string error;
  EXPECT_NE(KafkaPublisher::Create(options, TestMetrics(), &error), nullptr) << error;
}

// What idempotence needs is librdkafka's to check: more than 5 requests in
// flight per connection fails the start with its own message, naming it.
TEST(KafkaPublisherTest, TooManyRequestsInFlightForIdempotenceAreRefused) {
  KafkaOptions options;
  options.brokers = "127.0.0.1:9";
  options.topic = kTopic;
  options.properties = {{"max.in.flight.requests.per.connection", "6"}};
  std::string error;
  EXPECT_EQ(KafkaPublisher::Create(options, TestMetrics(), &error), nullptr);
  EXPECT_NE(error.find("max.in.flight"), std::string::npos) << error;
}

}  // namespace
}  // namespace hookbridge
