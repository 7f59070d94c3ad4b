// The Kafka adapter: a Publisher on a librdkafka producer.
//
// Each Publish() produces one record without blocking. librdkafka's events
// (delivery reports, which call each record's callback; statistics; errors)
// are served either by a thread of the publisher's own (hb-kafka-poll), or,
// with KafkaOptions::caller_serves_events, by the caller's event loop:
// events_fd() turns readable when some wait and ServeEvents() serves them.
// The HTTP server's loop does so, which saves a thread wake-up on the way
// from Kafka's acknowledgement to the webhook's answer.
// Only a report with no error and status PERSISTED (acks=all) counts as
// stored. The producer is idempotent (enable.idempotence=true, which needs
// librdkafka >= 2.3: 2.0.2 could raise a fatal "sequence desynchronization"
// error, upstream issue 4438). After a fatal error, from whatever cause (for an
// idempotent producer: the broker lost records it had acknowledged, or a
// producer id or sequence it cannot recover), every Publish() fails at once and
// fatal_error() reports it, so the process can stop and be restarted.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hookbridge/core/config.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/core/publisher.h"
#include "hookbridge/core/readiness.h"
#include "hookbridge/kafka/security_failure.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;

namespace hookbridge {

struct KafkaOptions {
  std::string brokers;
  std::string topic;
  // message.timeout.ms: librdkafka gives up on a record after this long.
  std::chrono::milliseconds message_timeout = kDefaultAckTimeout;
  // Largest record value to expect: message.max.bytes is sized from it.
  size_t max_value_bytes = kDefaultMaxBodyBytes;
  // How often librdkafka reports statistics (queue depth, broker state and
  // round-trip times), which feed readiness and the metrics.
  std::chrono::milliseconds statistics_interval{1000};
  // Raw librdkafka properties, applied over hookbridge's defaults.
  std::vector<std::pair<std::string, std::string>> properties;
  // false: a thread of the publisher's own serves librdkafka's events. true:
  // the caller must, through events_fd() and ServeEvents().
  bool caller_serves_events = false;
};

class KafkaPublisher final : public Publisher {
 public:
  // nullptr and *error (librdkafka's own message for its properties) on failure.
  // `metrics` must outlive the publisher.
  static std::unique_ptr<KafkaPublisher> Create(const KafkaOptions& options, Metrics& metrics,
                                                std::string* error);
  static const char* LibraryVersion();
  ~KafkaPublisher() override;  // flushes (bounded, unless Flush() ran), then fails what is left

  void Publish(KafkaRecord record, Done done) override;

  // How long a stop waits for outstanding delivery reports, whether through
  // Flush() or the destructor (docs/operations.md says 10 s).
  static constexpr std::chrono::seconds kShutdownFlushTimeout{10};

  // Waits until every record produced so far has its delivery report, at most
  // `timeout`, serving events meanwhile. Returns how many are still outstanding.
  int Flush(std::chrono::milliseconds timeout);

  // With caller_serves_events: readable (level-triggered) while events wait;
  // ServeEvents(), on the caller's one event-loop thread, serves them all.
  int events_fd() const { return events_fd_; }
  void ServeEvents();

  bool fatal_error() const { return fatal_error_.load(); }
  // Health().topic_metadata holds when the publisher's own topic and each of
  // `topics` (every topic the sources use) that gates readiness has
  // partitions with leaders. Called at start-up with new_ones_gate (every
  // topic gates), and again after a reload of the sources without: a topic a
  // reload adds gates once its metadata has been seen, so that a file naming
  // a topic that does not exist cannot take every instance out of the load
  // balancer (that source's records get 503 instead). Thread-safe.
  void WatchTopics(const std::vector<std::string>& topics, bool new_ones_gate);
  ProducerHealth Health() const;
  // The security refusal in force, if any (also named by Health()).
  SecurityFailure security_failure() const { return security_failure_; }
  // The topics in use (the publisher's own and every watched one, gating or
  // not) that a broker said it does not have, as of the last statistics.
  // hookbridge never creates them (allow.auto.create.topics=false, and an
  // override turning it on is refused). Thread-safe.
  std::vector<std::string> MissingTopics() const;

  // Asks the broker why each missing topic is missing (a blocking metadata
  // request per topic, at most `timeout` each): one our principal may not
  // describe is an authorization failure, not an absent topic, and is noted
  // as one. Asks again only when the set of missing topics changed. Called
  // by the application's thread, never by librdkafka's.
  void ExplainMissingTopics(std::chrono::milliseconds timeout);

  // New SASL PLAIN/SCRAM credentials for the connections made from now on
  // (librdkafka >= 2.0). false and *error (librdkafka's, without the password).
  bool SetSaslCredentials(const std::string& username, const std::string& password,
                          std::string* error);

  // Fault injection for tests: raises a fatal producer error, as librdkafka
  // would after e.g. an idempotent producer's unrecoverable sequence gap.
  void InjectFatalError();

 private:
  explicit KafkaPublisher(Metrics& metrics) : metrics_(metrics) {}
  void PollLoop();
  static int OnStatistics(rd_kafka_s* rk, char* json, size_t json_length, void* opaque);
  static void OnDelivery(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
  static void OnError(rd_kafka_s* rk, int err, const char* reason, void* opaque);

  rd_kafka_s* producer_ = nullptr;
  rd_kafka_topic_s* topic_ = nullptr;
  std::atomic<bool> fatal_error_{false};
  std::atomic<int> records_in_flight_{0};  // produced, delivery report not yet served
  int queue_high_water_ = 0;               // readiness fails at this many records in flight
  std::atomic<bool> broker_connected_{false};
  // The last security refusal (security_failure.h), logged once when it
  // starts; cleared when a broker is up and every gating topic has leaders.
  std::atomic<SecurityFailure> security_failure_{SecurityFailure::kNone};
  void NoteSecurityFailure(SecurityFailure failure, const char* error, const char* reason);
  std::atomic<bool> topic_metadata_{false};
  std::string topic_name_;
  // A topic besides topic_name_; its handle keeps it in librdkafka's statistics.
  struct WatchedTopic {
    std::string name;
    rd_kafka_topic_s* handle;
    bool gates;  // readiness needs its metadata
  };
  mutable std::mutex watched_mutex_;  // guards the three below
  std::vector<WatchedTopic> watched_;
  std::vector<std::string> missing_topics_;
  std::set<std::string> answered_topics_;  // a broker has answered about each (see OnStatistics)
  std::vector<std::string> explained_missing_;  // ExplainMissingTopics' last set; its thread only
  Metrics& metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> flushed_{false};  // Flush() ran: the destructor does not wait again
  std::thread poller_;                // unless caller_serves_events
  int events_fd_ = -1;                // with caller_serves_events: an eventfd librdkafka writes to
};

}  // namespace hookbridge
