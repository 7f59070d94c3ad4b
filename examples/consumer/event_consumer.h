// An example downstream consumer of the topic hookbridge writes to.
//
// It is a member of a Kafka consumer group (librdkafka), and it gives the
// handler each event once, in the order of its partition, that is, in order
// per profile:
//
//  * Offsets are committed only after the handler succeeded, synchronously,
//    one record at a time (enable.auto.commit=false). A crash or a stop can
//    therefore hand the last event over again, never lose one: delivery is at
//    least once, as it is from hookbridge to Kafka.
//  * When the handler fails (returns false or throws), nothing is committed:
//    the consumer seeks back to that record and hands it over again after a
//    back-off. Later records of the same partition wait, so order holds.
//  * Duplicates are skipped by their `ce_id` header (the GetProfile event id)
//    within a bounded window: the last `dedupe_window` ids handled by this
//    consumer. The window lives in memory. A duplicate that arrives after a
//    restart or a rebalance, or after more than `dedupe_window` other events,
//    is handed over again, so a handler whose effects must happen exactly once
//    still has to be idempotent (for example, store the event id with its
//    effect, in the same transaction).
//
// See docs/record-contract.md for the record this reads. Only librdkafka is
// needed; nothing here depends on hookbridge's own code.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hookbridge::example {

// One record of the topic, as the handler gets it.
struct Event {
  std::string id;    // header ce_id: the GetProfile event id (empty if the record has none)
  std::string type;  // header ce_type: the event type, e.g. profile.updated
  std::string key;   // the record key: data.profile_id (else tenant_id, else id)
  std::string body;  // the webhook body, byte for byte
  std::vector<std::pair<std::string, std::string>> headers;  // every header, in record order
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;

  // The value of the first header called `name`, or nullptr.
  const std::string* Header(std::string_view name) const;
};

// Returns true once the event is processed; its offset is committed then.
// false, or an exception, means "not processed": the record is handed over
// again after a back-off.
using EventHandler = std::function<bool(const Event&)>;

// The last `capacity` ids seen, least recently used dropped first. Bounded
// memory: at most `capacity` ids are kept.
class RecentIds {
 public:
  explicit RecentIds(size_t capacity);

  // True if `id` is in the window; it then counts as just used.
  bool Contains(const std::string& id);
  // Adds `id` (or refreshes it), dropping the oldest id when full.
  void Insert(const std::string& id);
  size_t size() const { return index_.size(); }

 private:
  size_t capacity_;
  std::list<std::string> order_;  // most recently used first
  std::unordered_map<std::string, std::list<std::string>::iterator> index_;
};

struct ConsumerOptions {
  std::string brokers;                      // bootstrap.servers
  std::string topic = "getprofile.events";  // HOOKBRIDGE_KAFKA_TOPIC of the bridge
  std::string group_id;                     // group.id: members of one group share the partitions
  size_t dedupe_window = 100000;            // ids remembered for duplicate detection
  std::chrono::milliseconds first_retry_backoff{200};  // after a handler failure; doubles each time
  std::chrono::milliseconds max_retry_backoff{10000};
  // More librdkafka consumer properties (security.protocol, sasl.*, ...),
  // applied after the defaults. enable.auto.commit=true is refused: it would
  // commit records the handler has not processed.
  std::vector<std::pair<std::string, std::string>> properties;
  // Where problems are reported (commit or seek failures, handler
  // exceptions, consumer errors); stderr when empty.
  std::function<void(const std::string&)> log;
};

struct ConsumerStats {
  uint64_t handled = 0;             // handler calls that succeeded
  uint64_t duplicates_skipped = 0;  // records skipped because their ce_id was in the window
  uint64_t handler_failures = 0;    // handler calls that returned false or threw
  uint64_t commit_failures = 0;  // the record may be handed over again (to this or another member)
};

class EventConsumer {
 public:
  // Joins the group and subscribes to the topic; nullptr and `error` when
  // the options are wrong.
  static std::unique_ptr<EventConsumer> Create(ConsumerOptions options, EventHandler handler,
                                               std::string* error);
  ~EventConsumer();  // Close()

  EventConsumer(const EventConsumer&) = delete;
  EventConsumer& operator=(const EventConsumer&) = delete;

  // Waits up to `timeout` for one record and deals with it: hands it to the
  // handler and commits, skips and commits a duplicate, or seeks back after
  // a handler failure (and sleeps the back-off). Returns false if no record
  // came.
  bool PollOnce(std::chrono::milliseconds timeout);

  // PollOnce until `stop` is true, then Close().
  void Run(const std::atomic<bool>& stop);

  // Leaves the group, so that the other members take over the partitions at
  // once. Nothing is left to commit: every handled record is committed
  // already. Idempotent.
  void Close();

  const ConsumerStats& stats() const { return stats_; }

 private:
  EventConsumer(ConsumerOptions options, EventHandler handler);
  bool Start(std::string* error);
  static void OnRebalance(rd_kafka_t* kafka, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);

  void Deliver(const rd_kafka_message_t& message);
  bool CallHandler(const Event& event);
  void Commit(const rd_kafka_message_t& message);
  void Rewind(const std::string& topic, int32_t partition, int64_t offset);
  bool RewindPending(const rd_kafka_message_t& message);
  void Report(const std::string& text) const;

  ConsumerOptions options_;
  EventHandler handler_;
  rd_kafka_t* kafka_ = nullptr;
  bool closed_ = false;
  RecentIds recent_;
  ConsumerStats stats_;
  int failures_in_a_row_ = 0;
  // Partitions waiting for a record to come back after a handler failure:
  // (topic, partition) -> offset of that record. Until it is back, later
  // records of that partition are not handed over.
  std::map<std::pair<std::string, int32_t>, int64_t> rewinds_;
};

}  // namespace hookbridge::example
