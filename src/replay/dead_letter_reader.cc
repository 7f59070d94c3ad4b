#include "hookbridge/replay/dead_letter_reader.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "hookbridge/core/dead_letter.h"

namespace hookbridge::replay {
namespace {

constexpr int kKafkaTimeoutMs = 10000;
constexpr std::chrono::seconds kCoordinatorPatience{30};

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t,
                                      decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList NewPartitionList(int size) {
  return PartitionList(rd_kafka_topic_partition_list_new(size),
                       &rd_kafka_topic_partition_list_destroy);
}

// The group coordinator moves, or is still being set up on a fresh cluster:
// worth asking again.
bool CoordinatorNotReady(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
         err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
         err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT;
}

// Calls `request` until it succeeds, fails for another reason, or
// kCoordinatorPatience has passed.
template <typename Request>
rd_kafka_resp_err_t WithCoordinator(Request request) {
  const auto deadline = std::chrono::steady_clock::now() + kCoordinatorPatience;
  while (true) {
    rd_kafka_resp_err_t err = request();
    if (!CoordinatorNotReady(err) || std::chrono::steady_clock::now() >= deadline) return err;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::string HeaderText(rd_kafka_headers_t* headers, const char* name) {
  const void* value = nullptr;
  size_t size = 0;
  if (headers == nullptr ||
      rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      value == nullptr) {
    return "";
  }
  return std::string(static_cast<const char*>(value), size);
}

}  // namespace

std::unique_ptr<DeadLetterReader> DeadLetterReader::Open(const ReplayOptions& options,
                                                         std::string* error) {
  std::unique_ptr<DeadLetterReader> reader(new DeadLetterReader());
  if (!reader->Start(options, error)) return nullptr;
  return reader;
}

DeadLetterReader::~DeadLetterReader() {
  if (consumer_ == nullptr) return;
  rd_kafka_consumer_close(consumer_);
  rd_kafka_destroy(consumer_);
}

bool DeadLetterReader::Start(const ReplayOptions& options, std::string* error) {
  topic_ = options.topic;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> properties = {
      {"bootstrap.servers", options.brokers},
      {"group.id", options.group},
      // Offsets are committed by hand, each after its record's 2xx.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "true"},
      {"log_level", "3"}};
  properties.insert(properties.end(), options.rdkafka_properties.begin(),
                    options.rdkafka_properties.end());
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      *error = "librdkafka property " + name + ": " + errstr;
      return false;
    }
  }
  consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);  // takes conf
  if (consumer_ == nullptr) {
    *error = std::string("cannot create the Kafka consumer: ") + errstr;
    return false;
  }

  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_t* handle = rd_kafka_topic_new(consumer_, topic_.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(consumer_, 0, handle, &metadata, kKafkaTimeoutMs);
  rd_kafka_topic_destroy(handle);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = "no metadata for topic '" + topic_ + "': " + rd_kafka_err2str(err);
    return false;
  }
  std::vector<int32_t> ids;
  if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < metadata->topics[0].partition_cnt; ++i)
      ids.push_back(metadata->topics[0].partitions[i].id);
  }
  rd_kafka_metadata_destroy(metadata);
  if (ids.empty()) {
    *error = "topic '" + topic_ + "' does not exist or has no partitions";
    return false;
  }

  PartitionList list = NewPartitionList(static_cast<int>(ids.size()));
  for (int32_t id : ids) rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), id);
  err = WithCoordinator([&] { return rd_kafka_committed(consumer_, list.get(), kKafkaTimeoutMs); });
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = "cannot read the committed offsets of group '" + options.group +
             "': " + rd_kafka_err2str(err);
    return false;
  }
  for (int i = 0; i < list->cnt; ++i) {
    rd_kafka_topic_partition_t& partition = list->elems[i];
    int64_t low = 0;
    int64_t high = 0;
    err = rd_kafka_query_watermark_offsets(consumer_, topic_.c_str(), partition.partition, &low,
                                           &high, kKafkaTimeoutMs);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      *error = "cannot read the end of partition " + std::to_string(partition.partition) + ": " +
               rd_kafka_err2str(err);
      return false;
    }
    std::string_view committed_metadata(
        static_cast<const char*>(partition.metadata),
        partition.metadata == nullptr ? 0 : partition.metadata_size);
    std::optional<OffsetLedger> ledger =
        OffsetLedger::FromCommitted(partition.offset, committed_metadata, low);
    if (!ledger) {
      *error = "group '" + options.group + "' committed metadata on partition " +
               std::to_string(partition.partition) +
               " that hookbridge-replay did not write: use a group of its own";
      return false;
    }
    PartitionState state{*ledger, high, ledger->committed(), ledger->committed() >= high};
    records_in_run_ += std::max<int64_t>(0, high - ledger->committed());
    partition.offset = ledger->committed();
    partitions_.emplace(partition.partition, std::move(state));
  }
  err = rd_kafka_assign(consumer_, list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = std::string("cannot assign the partitions: ") + rd_kafka_err2str(err);
    return false;
  }
  for (auto& [id, state] : partitions_) {
    if (state.finished) Stop(id);
  }
  return true;
}

DeadLetterReader::Poll DeadLetterReader::Next(std::chrono::milliseconds wait, DeadLetter* record,
                                              std::string* error) {
  if (std::all_of(partitions_.begin(), partitions_.end(),
                  [](const auto& entry) { return entry.second.finished; })) {
    return Poll::kEnd;
  }
  rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_, static_cast<int>(wait.count()));
  if (message == nullptr) return Poll::kNothingYet;
  std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> owned(
      message, &rd_kafka_message_destroy);
  auto state = partitions_.find(message->partition);
  if (state == partitions_.end()) return Poll::kNothingYet;
  if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    Stop(message->partition);  // offsets up to the end hold no more records
    return Poll::kNothingYet;
  }
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = rd_kafka_message_errstr(message);
    return Poll::kError;
  }
  if (state->second.finished || message->offset >= state->second.end) {
    Stop(message->partition);
    return Poll::kNothingYet;
  }
  // Offsets skipped between two records hold none (transaction markers,
  // compaction): nothing to deliver there.
  if (message->offset > state->second.next_expected) {
    state->second.ledger.MarkDone(state->second.next_expected, message->offset - 1);
  }
  state->second.next_expected = message->offset + 1;

  record->partition = message->partition;
  record->offset = message->offset;
  rd_kafka_timestamp_type_t type;
  record->timestamp_ms = rd_kafka_message_timestamp(message, &type);
  record->key.assign(static_cast<const char*>(message->key),
                     message->key == nullptr ? 0 : message->key_len);
  record->body.assign(static_cast<const char*>(message->payload),
                      message->payload == nullptr ? 0 : message->len);
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) headers = nullptr;
  record->reason = HeaderText(headers, kDeadLetterReasonHeader);
  record->received_at = HeaderText(headers, kReceivedAtHeader);
  record->trace_headers.clear();
  for (const char* name : {"traceparent", "tracestate"}) {
    std::string value = HeaderText(headers, name);
    if (!value.empty()) record->trace_headers.emplace_back(name, std::move(value));
  }
  if (message->offset + 1 >= state->second.end) Stop(message->partition);
  return Poll::kRecord;
}

bool DeadLetterReader::Commit(int32_t partition, std::string* error) {
  const OffsetLedger& ledger = partitions_.at(partition).ledger;
  PartitionList list = NewPartitionList(1);
  rd_kafka_topic_partition_t* entry =
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition);
  entry->offset = ledger.committed();
  std::string metadata = ledger.Metadata();
  if (!metadata.empty()) {
    // The list frees it with free().
    entry->metadata = std::malloc(metadata.size());
    std::memcpy(entry->metadata, metadata.data(), metadata.size());
    entry->metadata_size = metadata.size();
  }
  rd_kafka_resp_err_t err = WithCoordinator([&] {
    rd_kafka_resp_err_t result =
        rd_kafka_commit(consumer_, list.get(), 0 /* wait for the answer */);
    return result != RD_KAFKA_RESP_ERR_NO_ERROR ? result : list->elems[0].err;
  });
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = std::string("commit failed: ") + rd_kafka_err2str(err);
    return false;
  }
  return true;
}

void DeadLetterReader::Stop(int32_t partition) {
  PartitionState& state = partitions_.at(partition);
  state.finished = true;
  PartitionList list = NewPartitionList(1);
  rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), partition);
  rd_kafka_pause_partitions(consumer_, list.get());
}

}  // namespace hookbridge::replay
