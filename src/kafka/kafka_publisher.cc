#include "hookbridge/kafka/kafka_publisher.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <rapidjson/document.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "hookbridge/core/log.h"
#include "hookbridge/core/text.h"
#include "rdkafka_log.h"

namespace hookbridge {
namespace {

// Room for the key and the CloudEvents headers on top of the largest body.
constexpr size_t kRecordOverheadBytes = 64 * 1024;
constexpr int kPollIntervalMs = 100;
// Readiness fails when the queue holds this share of queue.buffering.max.messages.
constexpr double kQueueHighWaterShare = 0.8;

// What one produced record carries until its delivery report: whom to tell,
// and the value bytes, which librdkafka reads in place (no copy).
struct InFlight {
  Publisher::Done done;
  std::string value;
};

PublishResult Refused(PublishStatus status, std::string error) {
  PublishResult result;
  result.status = status;
  result.error = std::move(error);
  return result;
}

PublishStatus StatusOfError(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__QUEUE_FULL: return PublishStatus::kQueueFull;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: return PublishStatus::kRecordTooLarge;
    default: return PublishStatus::kFailed;
  }
}

// Settings that keep the 2xx promise; a user override may not weaken acks.
bool WeakensAcks(const std::string& name, const std::string& value) {
  return (name == "acks" || name == "request.required.acks") && value != "all" && value != "-1";
}

// hookbridge never creates a topic: on a broker with Kafka's default
// auto.create.topics.enable=true, a mistyped topic would otherwise be created
// and its records acknowledged into a topic no consumer reads. Any value but
// one librdkafka reads as false is refused.
bool AllowsTopicCreation(const std::string& name, const std::string& value) {
  if (name != "allow.auto.create.topics") return false;
  const std::string lower = ToLower(value);
  return lower != "false" && lower != "f" && lower != "0";
}

// Idempotence keeps librdkafka's own retries from writing a record twice (the
// broker drops a batch whose producer id and sequence it has stored): the
// bridge-made duplicates of docs/producer-settings.md. Any value but one
// librdkafka reads as true is refused, like weaker acks.
bool DisablesIdempotence(const std::string& name, const std::string& value) {
  if (name != "enable.idempotence") return false;
  const std::string lower = ToLower(value);
  return lower != "true" && lower != "t" && lower != "1";
}

// rd_kafka_version()'s form of 2.3.0: 0xMMmmrrxx.
constexpr int kMinimumLibraryVersion = 0x020300ff;

std::string Joined(const std::vector<std::string>& names) {
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ",") + name;
  return joined;
}

}  // namespace

const char* KafkaPublisher::LibraryVersion() { return rd_kafka_version_str(); }

std::unique_ptr<KafkaPublisher> KafkaPublisher::Create(const KafkaOptions& options,
                                                       Metrics& metrics, std::string* error) {
  // The library loaded, not the one built against: a stale build tree or a
  // changed library path could load Debian 12's 2.0.2, whose idempotent
  // producer can fail fatally (upstream issue 4438). Refused, never run.
  if (rd_kafka_version() < kMinimumLibraryVersion) {
    *error = std::string("librdkafka ") + rd_kafka_version_str() +
             " is loaded; hookbridge needs 2.3.0 or later for idempotent producing "
             "(scripts/build-librdkafka.sh builds it; see docs/producer-settings.md)";
    return nullptr;
  }
  std::unique_ptr<KafkaPublisher> publisher(new KafkaPublisher(metrics));
  publisher->topic_name_ = options.topic;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];

  std::vector<std::pair<std::string, std::string>> properties = {
      {"bootstrap.servers", options.brokers},
      {"client.id", "hookbridge"},
      {"acks", "all"},
      // No duplicates from librdkafka's retries (see DisablesIdempotence).
      // librdkafka requires, and checks at rd_kafka_new(), acks=all, at most 5
      // requests in flight per connection, retries > 0 (its default is
      // INT32_MAX, bounded by message.timeout.ms) and queuing.strategy=fifo;
      // an override breaking one fails the start with librdkafka's message.
      {"enable.idempotence", "true"},
      {"max.in.flight.requests.per.connection", "5"},
      {"partitioner", "murmur2_random"},  // the partition a Java producer picks
      {"socket.nagle.disable", "true"},
      {"linger.ms", "1"},  // every request waits for its ack: batch, but briefly
      {"message.timeout.ms", std::to_string(options.message_timeout.count())},
      {"message.max.bytes",
       std::to_string(std::max<size_t>(1000000, options.max_value_bytes + kRecordOverheadBytes))},
      {"statistics.interval.ms", std::to_string(options.statistics_interval.count())},
      // After a broker outage, reconnect within a second rather than up to
      // librdkafka's default 10 s: every request meanwhile is answered 503.
      {"reconnect.backoff.max.ms", "1000"},
      // A produce request waits for its answer at most this long (or what is
      // left of message.timeout.ms), then goes again, to the partition's
      // leader by then. librdkafka's 60 s default would hold every record of
      // a frozen broker's partitions for a minute: message.timeout.ms is
      // long now, so this, not it, bounds a stall (docs/producer-settings.md).
      {"socket.timeout.ms", "10000"},
      // Metadata requests must not create topics (librdkafka's producer
      // default is true): a missing topic stays missing, /readyz says so and
      // its records get 503. See AllowsTopicCreation.
      {"allow.auto.create.topics", "false"},
  };
  properties.insert(properties.end(), options.properties.begin(), options.properties.end());
  for (const auto& [name, value] : properties) {
    if (WeakensAcks(name, value)) {
      *error = name + "=" + value +
               " is not allowed: hookbridge answers 2xx only for records "
               "stored with acks=all";
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
    if (DisablesIdempotence(name, value)) {
      *error = name + "=" + value +
               " is not allowed: without idempotence librdkafka's retries can store a "
               "webhook twice";
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
    if (AllowsTopicCreation(name, value)) {
      *error = name + "=" + value +
               " is not allowed: hookbridge never creates topics; create each topic it uses "
               "with the partitions and replication you want";
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      *error = std::string("librdkafka property ") + name + ": " + errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  char queue_limit[32];
  size_t queue_limit_size = sizeof queue_limit;
  rd_kafka_conf_get(conf, "queue.buffering.max.messages", queue_limit, &queue_limit_size);
  publisher->queue_high_water_ = static_cast<int>(
      static_cast<double>(std::strtol(queue_limit, nullptr, 10)) * kQueueHighWaterShare);
  rd_kafka_conf_set_opaque(conf, publisher.get());
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaPublisher::OnDelivery);
  rd_kafka_conf_set_error_cb(conf, &KafkaPublisher::OnError);
  rd_kafka_conf_set_stats_cb(conf, &KafkaPublisher::OnStatistics);
  RouteLibrdkafkaLogs(conf);

  publisher->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (publisher->producer_ == nullptr) {
    rd_kafka_conf_destroy(conf);  // rd_kafka_new owns conf only on success
    *error = std::string("librdkafka: ") + errstr;
    return nullptr;
  }
  publisher->topic_ = rd_kafka_topic_new(publisher->producer_, options.topic.c_str(), nullptr);
  if (publisher->topic_ == nullptr) {
    *error = "HOOKBRIDGE_KAFKA_TOPIC: " + std::string(rd_kafka_err2str(rd_kafka_last_error()));
    return nullptr;
  }
  if (options.caller_serves_events) {
    publisher->events_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (publisher->events_fd_ < 0) {
      *error = "cannot create an eventfd for Kafka's events";
      return nullptr;
    }
    // librdkafka writes this 8-byte count (what an eventfd takes) whenever an
    // event lands on its empty main queue.
    const uint64_t one = 1;
    rd_kafka_queue_t* events = rd_kafka_queue_get_main(publisher->producer_);
    rd_kafka_queue_io_event_enable(events, publisher->events_fd_, &one, sizeof one);
    rd_kafka_queue_destroy(events);  // drops our reference only
  } else {
    publisher->poller_ = std::thread(&KafkaPublisher::PollLoop, publisher.get());
  }
  return publisher;
}

KafkaPublisher::~KafkaPublisher() {
  stopping_ = true;
  if (poller_.joinable()) poller_.join();
  if (producer_ != nullptr) {
    int left = flushed_ ? records_in_flight_.load() : Flush(kShutdownFlushTimeout);
    if (left > 0) {
      Log(LogLevel::kError, "records still undelivered at shutdown; they were answered 503",
          {{"records", left}});
    }
    // Fail what is left and serve those reports, so every waiting request
    // gets its answer and no record outlives the producer.
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    for (int i = 0; i < 50 && records_in_flight_ > 0; ++i) rd_kafka_poll(producer_, 100);
    if (topic_ != nullptr) rd_kafka_topic_destroy(topic_);
    for (WatchedTopic& topic : watched_) rd_kafka_topic_destroy(topic.handle);
    rd_kafka_destroy(producer_);
  }
  if (events_fd_ >= 0) ::close(events_fd_);  // librdkafka is gone: nothing writes to it now
}

void KafkaPublisher::Publish(KafkaRecord record, Done done) {
  if (fatal_error_) return done(Refused(PublishStatus::kFailed, "_FATAL"));

  rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
  for (const auto& [name, value] : record.headers) {
    rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  auto* in_flight = new InFlight{std::move(done), std::move(record.value)};
  ++records_in_flight_;

  // Every record names its topic. The main topic's handle is made at
  // start-up; any other (a source's, a dead-letter topic) is librdkafka's
  // cached handle for that name.
  rd_kafka_topic_t* topic = topic_;
  if (record.topic != topic_name_) {
    topic = rd_kafka_topic_new(producer_, record.topic.c_str(), nullptr);
  }
  if (topic == nullptr) {
    rd_kafka_headers_destroy(headers);
    std::unique_ptr<InFlight> refused(in_flight);
    --records_in_flight_;
    return refused->done(Refused(PublishStatus::kFailed, rd_kafka_err2name(rd_kafka_last_error())));
  }
  rd_kafka_resp_err_t err = rd_kafka_producev(
      producer_, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(RD_KAFKA_PARTITION_UA),
      RD_KAFKA_V_KEY(record.key.data(), record.key.size()),  // copied by librdkafka
      // Neither F_COPY nor F_FREE: librdkafka reads the body in place, and the
      // InFlight keeps it alive until the delivery report.
      RD_KAFKA_V_MSGFLAGS(0), RD_KAFKA_V_VALUE(in_flight->value.data(), in_flight->value.size()),
      RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(in_flight), RD_KAFKA_V_END);
  if (topic != topic_) rd_kafka_topic_destroy(topic);  // the message holds its own reference
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // Not enqueued: headers and the in-flight record are still ours.
    rd_kafka_headers_destroy(headers);
    std::unique_ptr<InFlight> refused(in_flight);
    --records_in_flight_;
    refused->done(Refused(StatusOfError(err), rd_kafka_err2name(err)));
  }
}

int KafkaPublisher::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(producer_, static_cast<int>(timeout.count()));
  flushed_ = true;
  return records_in_flight_;
}

void KafkaPublisher::WatchTopics(const std::vector<std::string>& topics, bool new_ones_gate) {
  std::lock_guard<std::mutex> lock(watched_mutex_);
  std::vector<WatchedTopic> watched;
  for (const std::string& name : topics) {
    if (name == topic_name_) continue;
    auto old = std::find_if(watched_.begin(), watched_.end(),
                            [&](const WatchedTopic& topic) { return topic.name == name; });
    rd_kafka_topic_t* handle = rd_kafka_topic_new(producer_, name.c_str(), nullptr);
    if (handle != nullptr) {
      watched.push_back({name, handle, old != watched_.end() ? old->gates : new_ones_gate});
    }
  }
  for (WatchedTopic& topic : watched_) rd_kafka_topic_destroy(topic.handle);
  watched_ = std::move(watched);
}

std::vector<std::string> KafkaPublisher::MissingTopics() const {
  std::lock_guard<std::mutex> lock(watched_mutex_);
  return missing_topics_;
}

ProducerHealth KafkaPublisher::Health() const {
  ProducerHealth health;
  health.broker_connected = broker_connected_;
  health.topic_metadata = topic_metadata_;
  health.queue_below_high_water = records_in_flight_ < queue_high_water_;
  health.fatal_error = fatal_error_;
  health.security_failure = SecurityFailureName(security_failure_);
  return health;
}

void KafkaPublisher::ExplainMissingTopics(std::chrono::milliseconds timeout) {
  const std::vector<std::string> missing = MissingTopics();
  if (missing == explained_missing_) return;
  explained_missing_ = missing;
  for (const std::string& name : missing) {
    rd_kafka_topic_t* handle = rd_kafka_topic_new(producer_, name.c_str(), nullptr);
    if (handle == nullptr) continue;
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(producer_, 0, handle, &metadata, static_cast<int>(timeout.count())) ==
            RD_KAFKA_RESP_ERR_NO_ERROR &&
        metadata->topic_cnt == 1 &&
        ClassifySecurityFailure(metadata->topics[0].err, "") == SecurityFailure::kAuthorization) {
      const std::string reason = "topic " + name + ": " + rd_kafka_err2str(metadata->topics[0].err);
      NoteSecurityFailure(SecurityFailure::kAuthorization,
                          rd_kafka_err2name(metadata->topics[0].err), reason.c_str());
    }
    if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
    rd_kafka_topic_destroy(handle);
  }
}

bool KafkaPublisher::SetSaslCredentials(const std::string& username, const std::string& password,
                                        std::string* error) {
  rd_kafka_error_t* failed =
      rd_kafka_sasl_set_credentials(producer_, username.c_str(), password.c_str());
  if (failed == nullptr) return true;
  *error = rd_kafka_error_string(failed);
  rd_kafka_error_destroy(failed);
  return false;
}

void KafkaPublisher::InjectFatalError() {
  rd_kafka_test_fatal_error(producer_, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
                            "injected by a test");
}

void KafkaPublisher::ServeEvents() {
  // Reset first: an event that lands after this re-arms the descriptor, and
  // one that landed before is served below.
  uint64_t count;
  (void)!::read(events_fd_, &count, sizeof count);
  // Until the queue is empty: librdkafka writes to the descriptor again only
  // when an event lands on an empty queue. Each callback runs on this thread.
  while (rd_kafka_poll(producer_, 0) > 0) {
  }
}

void KafkaPublisher::PollLoop() {
  pthread_setname_np(pthread_self(), "hb-kafka-poll");  // names the thread in top, perf and /proc
  while (!stopping_) rd_kafka_poll(producer_, kPollIntervalMs);
}

void KafkaPublisher::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  std::unique_ptr<InFlight> in_flight(static_cast<InFlight*>(message->_private));
  auto* publisher = static_cast<KafkaPublisher*>(opaque);
  --publisher->records_in_flight_;
  PublishResult result;
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
      rd_kafka_message_status(message) == RD_KAFKA_MSG_STATUS_PERSISTED) {
    result.status = PublishStatus::kPersisted;
    result.partition = message->partition;
    result.offset = message->offset;
  } else {
    result.status = StatusOfError(message->err);
    // No error but not PERSISTED cannot happen with acks=all; never a 2xx for it.
    result.error = message->err ? rd_kafka_err2name(message->err) : "NOT_PERSISTED";
    publisher->metrics_.CountDeliveryError(result.error);
    // A topic our principal may not write fails its records, not the connection.
    if (ClassifySecurityFailure(message->err, "") == SecurityFailure::kAuthorization) {
      publisher->NoteSecurityFailure(SecurityFailure::kAuthorization, result.error.c_str(),
                                     rd_kafka_err2str(message->err));
    }
  }
  in_flight->done(std::move(result));
}

// librdkafka's statistics JSON (STATISTICS.md): queue depth, the state and
// round-trip time of each broker, and the partitions known for our topic.
int KafkaPublisher::OnStatistics(rd_kafka_t*, char* json, size_t json_length, void* opaque) {
  auto* publisher = static_cast<KafkaPublisher*>(opaque);
  rapidjson::Document stats;
  stats.Parse(json, json_length);
  if (stats.HasParseError() || !stats.IsObject()) return 0;

  // Trusted input, but RapidJSON asserts on a type mismatch: check every type.
  auto integer = [](const rapidjson::Value& object, const char* name, int64_t fallback) {
    auto member = object.FindMember(name);
    return member != object.MemberEnd() && member->value.IsInt64() ? member->value.GetInt64()
                                                                   : fallback;
  };
  publisher->metrics_.SetProducerQueue(integer(stats, "msg_cnt", 0), integer(stats, "msg_size", 0));
  bool connected = false;
  int64_t brokers_known = 0;
  int64_t brokers_up = 0;
  int64_t brokers_unreachable = 0;
  std::map<std::string, double> rtt_by_broker;
  if (stats.HasMember("brokers") && stats["brokers"].IsObject()) {
    for (const auto& entry : stats["brokers"].GetObject()) {
      const rapidjson::Value& broker = entry.value;
      if (!broker.IsObject()) continue;
      auto state = broker.FindMember("state");
      const std::string_view state_name =
          state != broker.MemberEnd() && state->value.IsString() ? state->value.GetString() : "";
      connected |= state_name == "UP";
      int64_t node = integer(broker, "nodeid", -1);  // -1: a bootstrap address, not a broker yet
      if (node >= 0) {
        ++brokers_known;
        brokers_up += state_name == "UP" ? 1 : 0;
        // INIT: never needed (sparse connections: no partition of ours there).
        brokers_unreachable += state_name != "UP" && state_name != "INIT" ? 1 : 0;
      }
      auto rtt = broker.FindMember("rtt");
      if (node >= 0 && rtt != broker.MemberEnd() && rtt->value.IsObject()) {
        rtt_by_broker[std::to_string(node)] =
            static_cast<double>(integer(rtt->value, "avg", 0)) / 1e6;
      }
    }
  }
  // Our topic and every watched one need a partition with a leader.
  auto topic_stats = [&](const std::string& name) -> const rapidjson::Value* {
    if (!stats.HasMember("topics") || !stats["topics"].IsObject()) return nullptr;
    auto topic = stats["topics"].FindMember(name.c_str());
    return topic != stats["topics"].MemberEnd() && topic->value.IsObject() ? &topic->value
                                                                           : nullptr;
  };
  // How many of the topic's partitions librdkafka knows, and how many of
  // those have a leader.
  struct PartitionCount {
    int known = 0;
    int led = 0;
  };
  auto partitions_in_stats = [&](const std::string& name) {
    PartitionCount count;
    const rapidjson::Value* topic = topic_stats(name);
    if (topic == nullptr) return count;
    auto partitions = topic->FindMember("partitions");
    if (partitions == topic->MemberEnd() || !partitions->value.IsObject()) return count;
    for (const auto& partition : partitions->value.GetObject()) {
      // Partition -1 is librdkafka's queue for records not yet partitioned.
      if (!partition.value.IsObject() || integer(partition.value, "partition", -1) < 0) continue;
      ++count.known;
      count.led += integer(partition.value, "leader", -1) >= 0 ? 1 : 0;
    }
    return count;
  };
  // Missing: a broker has answered about the topic and named no partition of
  // it. Before any answer (no broker reachable yet) a topic is unknown, not
  // missing; with partitions but no leader (an election) it exists.
  // metadata_age stays 0 until the first answer, but also reads 0 when an
  // answer lands just as the statistics are taken: answered_topics_ keeps
  // "answered once" so that a missing topic does not flap.
  std::vector<std::string> missing;
  // Whether the topic has a partition with a leader; notes it if missing.
  // Called with watched_mutex_ held.
  auto topic_usable = [&](const std::string& name) {
    const PartitionCount partitions = partitions_in_stats(name);
    const rapidjson::Value* topic = topic_stats(name);
    if (topic != nullptr && integer(*topic, "metadata_age", 0) > 0) {
      publisher->answered_topics_.insert(name);
    }
    if (partitions.known == 0 && publisher->answered_topics_.count(name) > 0) {
      missing.push_back(name);
    }
    return partitions.led > 0;
  };
  bool topic_known = false;
  bool missing_changed = false;
  {
    std::lock_guard<std::mutex> lock(publisher->watched_mutex_);
    topic_known = topic_usable(publisher->topic_name_);
    for (WatchedTopic& topic : publisher->watched_) {
      const bool known = topic_usable(topic.name);
      topic.gates |= known;
      topic_known = topic_known && (known || !topic.gates);
    }
    missing_changed = missing != publisher->missing_topics_;
    if (missing_changed) publisher->missing_topics_ = missing;
  }
  // Once per change, not once per statistics round.
  if (missing_changed && !missing.empty()) {
    Log(LogLevel::kWarn,
        "Kafka topics missing: hookbridge creates no topic; records for them get 503 until "
        "they are created",
        {{"topics", Joined(missing)}});
  } else if (missing_changed) {
    Log(LogLevel::kInfo, "Kafka topics all present");
  }
  publisher->broker_connected_ = connected;
  publisher->topic_metadata_ = topic_known;
  if (connected && topic_known &&
      publisher->security_failure_.exchange(SecurityFailure::kNone) != SecurityFailure::kNone) {
    Log(LogLevel::kInfo, "Kafka accepts hookbridge again: connected, every topic has leaders");
  }
  publisher->metrics_.SetBrokerRtt(rtt_by_broker);
  // A cluster with brokers down stays ready (every instance shares the
  // condition; see docs/operations.md): the log and /metrics say it instead.
  if (publisher->metrics_.SetBrokers(brokers_known, brokers_up, brokers_unreachable)) {
    Log(brokers_unreachable > 0 ? LogLevel::kWarn : LogLevel::kInfo,
        brokers_unreachable > 0 ? "Kafka brokers unreachable: records for partitions without "
                                  "enough in-sync replicas get 503"
                                : "Kafka brokers all reachable",
        {{"brokers_known", brokers_known},
         {"brokers_up", brokers_up},
         {"brokers_unreachable", brokers_unreachable}});
  }
  return 0;  // librdkafka frees the JSON
}

void KafkaPublisher::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* publisher = static_cast<KafkaPublisher*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal_reason[512];
    rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk, fatal_reason, sizeof fatal_reason);
    publisher->fatal_error_ = true;
    Log(LogLevel::kError, "fatal Kafka producer error: the producer is unusable",
        {{"error", rd_kafka_err2name(fatal)}, {"reason", fatal_reason}});
    return;
  }
  const char* name = rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err));
  if (SecurityFailure failure = ClassifySecurityFailure(err, reason);
      failure != SecurityFailure::kNone) {
    publisher->NoteSecurityFailure(failure, name, reason);
    return;
  }
  Log(LogLevel::kWarn, "Kafka client error", {{"error", name}, {"reason", reason}});
}

// One error line when a kind of refusal starts, not one per reconnection:
// librdkafka retries every second or so. librdkafka's reasons name the
// mechanism, the certificate problem or the topic, never a password.
void KafkaPublisher::NoteSecurityFailure(SecurityFailure failure, const char* error,
                                         const char* reason) {
  if (security_failure_.exchange(failure) == failure) return;
  Log(LogLevel::kError, SecurityFailureAdvice(failure),
      {{"failure", SecurityFailureName(failure)}, {"error", error}, {"reason", reason}});
}

}  // namespace hookbridge
