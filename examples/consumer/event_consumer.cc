#include "event_consumer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <thread>

namespace hookbridge::example {
namespace {

constexpr int kSeekTimeoutMs = 5000;

std::string Text(const void* data, size_t size) {
  return data == nullptr ? std::string() : std::string(static_cast<const char*>(data), size);
}

}  // namespace

const std::string* Event::Header(std::string_view name) const {
  for (const auto& [header, value] : headers) {
    if (header == name) return &value;
  }
  return nullptr;
}

RecentIds::RecentIds(size_t capacity) : capacity_(capacity) {}

bool RecentIds::Contains(const std::string& id) {
  auto found = index_.find(id);
  if (found == index_.end()) return false;
  order_.splice(order_.begin(), order_, found->second);
  return true;
}

void RecentIds::Insert(const std::string& id) {
  if (capacity_ == 0 || Contains(id)) return;
  if (index_.size() == capacity_) {
    index_.erase(order_.back());
    order_.pop_back();
  }
  order_.push_front(id);
  index_[id] = order_.begin();
}

EventConsumer::EventConsumer(ConsumerOptions options, EventHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)), recent_(options_.dedupe_window) {}

std::unique_ptr<EventConsumer> EventConsumer::Create(ConsumerOptions options, EventHandler handler,
                                                     std::string* error) {
  if (options.brokers.empty() || options.topic.empty() || options.group_id.empty()) {
    *error = "brokers, topic and group id are required";
    return nullptr;
  }
  if (!handler) {
    *error = "a handler is required";
    return nullptr;
  }
  std::unique_ptr<EventConsumer> consumer(
      new EventConsumer(std::move(options), std::move(handler)));
  if (!consumer->Start(error)) return nullptr;
  return consumer;
}

bool EventConsumer::Start(std::string* error) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The defaults that make it at least once: nothing is committed behind the
  // handler's back, and a new group starts at the oldest record.
  std::vector<std::pair<std::string, std::string>> properties = {
      {"bootstrap.servers", options_.brokers}, {"group.id", options_.group_id},
      {"enable.auto.commit", "false"},         {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
  };
  for (const auto& [name, value] : options_.properties) {
    if (name == "enable.auto.commit" && value != "false") {
      rd_kafka_conf_destroy(conf);
      *error = "enable.auto.commit must stay false: offsets are committed after the handler";
      return false;
    }
    properties.emplace_back(name, value);
  }
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      *error = "librdkafka property " + name + ": " + errstr;
      return false;
    }
  }
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_rebalance_cb(conf, &EventConsumer::OnRebalance);

  kafka_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (kafka_ == nullptr) {  // conf is still ours on failure
    rd_kafka_conf_destroy(conf);
    *error = std::string("cannot create the consumer: ") + errstr;
    return false;
  }
  rd_kafka_poll_set_consumer(kafka_);

  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, options_.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(kafka_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    *error = std::string("cannot subscribe to ") + options_.topic + ": " + rd_kafka_err2str(err);
    return false;
  }
  return true;
}

EventConsumer::~EventConsumer() {
  Close();
  if (kafka_ != nullptr) rd_kafka_destroy(kafka_);
}

void EventConsumer::Close() {
  if (closed_ || kafka_ == nullptr) return;
  closed_ = true;
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(kafka_);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Report(std::string("closing the consumer: ") + rd_kafka_err2str(err));
  }
}

void EventConsumer::Run(const std::atomic<bool>& stop) {
  while (!stop.load()) PollOnce(std::chrono::milliseconds(100));
  Close();
}

bool EventConsumer::PollOnce(std::chrono::milliseconds timeout) {
  if (closed_) return false;
  rd_kafka_message_t* message = rd_kafka_consumer_poll(
      kafka_, static_cast<int>(std::min<int64_t>(timeout.count(), INT32_MAX)));
  if (message == nullptr) return false;
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    Deliver(*message);
  } else if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    // Mostly passing trouble (a broker down, a rebalance); librdkafka retries.
    Report(std::string("consumer: ") + rd_kafka_message_errstr(message));
  }
  rd_kafka_message_destroy(message);
  return true;
}

void EventConsumer::Deliver(const rd_kafka_message_t& message) {
  if (RewindPending(message)) return;

  Event event;
  event.topic = rd_kafka_topic_name(message.rkt);
  event.partition = message.partition;
  event.offset = message.offset;
  event.key = Text(message.key, message.key_len);
  event.body = Text(message.payload, message.len);
  rd_kafka_headers_t* headers = nullptr;
  // The pointer stays owned by the message.
  if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      event.headers.emplace_back(name, Text(value, size));
    }
  }
  if (const std::string* id = event.Header("ce_id")) event.id = *id;
  if (const std::string* type = event.Header("ce_type")) event.type = *type;

  if (!event.id.empty() && recent_.Contains(event.id)) {
    ++stats_.duplicates_skipped;
    Commit(message);  // nothing to do for it, but its offset is done
    return;
  }
  if (!CallHandler(event)) {
    ++stats_.handler_failures;
    // Not committed; the same record comes back next, and later records of
    // its partition wait for it.
    Rewind(event.topic, event.partition, event.offset);
    auto backoff = options_.first_retry_backoff * (int64_t{1} << std::min(failures_in_a_row_, 16));
    failures_in_a_row_++;
    std::this_thread::sleep_for(std::min(backoff, options_.max_retry_backoff));
    return;
  }
  failures_in_a_row_ = 0;
  ++stats_.handled;
  // Remembered even if the commit below fails: the record may come back,
  // and it is handled already.
  if (!event.id.empty()) recent_.Insert(event.id);
  Commit(message);
}

bool EventConsumer::CallHandler(const Event& event) {
  try {
    return handler_(event);
  } catch (const std::exception& e) {
    Report(std::string("handler threw: ") + e.what());
  } catch (...) {
    Report("handler threw");
  }
  return false;
}

void EventConsumer::Commit(const rd_kafka_message_t& message) {
  // Synchronous: commits offset + 1 of this record's partition, and returns
  // once the group coordinator has stored it.
  rd_kafka_resp_err_t err = rd_kafka_commit_message(kafka_, &message, 0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // E.g. a rebalance took the partition away: its next owner starts from
    // the last committed offset and hands this record over again.
    ++stats_.commit_failures;
    Report(std::string("commit of partition ") + std::to_string(message.partition) + " offset " +
           std::to_string(message.offset) + " failed: " + rd_kafka_err2str(err));
  }
}

void EventConsumer::Rewind(const std::string& topic, int32_t partition, int64_t offset) {
  rewinds_[{topic, partition}] = offset;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  // Records fetched before the seek are dropped by librdkafka.
  if (rd_kafka_error_t* error = rd_kafka_seek_partitions(kafka_, list, kSeekTimeoutMs)) {
    Report(std::string("seek failed: ") + rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  } else if (list->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Report(std::string("seek failed: ") + rd_kafka_err2str(list->elems[0].err));
  }
  rd_kafka_topic_partition_list_destroy(list);
}

bool EventConsumer::RewindPending(const rd_kafka_message_t& message) {
  auto found = rewinds_.find({rd_kafka_topic_name(message.rkt), message.partition});
  if (found == rewinds_.end()) return false;
  if (message.offset <= found->second) {
    rewinds_.erase(found);  // the failed record (or an earlier one) is back
    return false;
  }
  // A later record while the failed one is not back: a seek that did not
  // take. Never hand it over (committing it would skip the failed record),
  // unless retention deleted the failed record meanwhile.
  int64_t low = 0;
  int64_t high = 0;
  if (rd_kafka_get_watermark_offsets(kafka_, rd_kafka_topic_name(message.rkt), message.partition,
                                     &low, &high) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      low > found->second) {
    Report("partition " + std::to_string(message.partition) + ": the record at offset " +
           std::to_string(found->second) + " was deleted before it could be handled again");
    rewinds_.erase(found);
    return false;
  }
  Rewind(found->first.first, found->first.second, found->second);
  return true;
}

void EventConsumer::OnRebalance(rd_kafka_t* kafka, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<EventConsumer*>(opaque);
  // A partition that comes or goes starts over from its committed offset:
  // pending rewinds on it no longer apply.
  for (int i = 0; i < partitions->cnt; ++i) {
    self->rewinds_.erase({partitions->elems[i].topic, partitions->elems[i].partition});
  }
  const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(kafka), "COOPERATIVE") == 0;
  rd_kafka_error_t* error = nullptr;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      error = rd_kafka_incremental_assign(kafka, partitions);
    } else {
      rd_kafka_assign(kafka, partitions);
    }
  } else {
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      self->Report(std::string("rebalance: ") + rd_kafka_err2str(err));
    }
    if (cooperative) {
      error = rd_kafka_incremental_unassign(kafka, partitions);
    } else {
      rd_kafka_assign(kafka, nullptr);
    }
  }
  if (error != nullptr) {
    self->Report(std::string("rebalance: ") + rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
}

void EventConsumer::Report(const std::string& text) const {
  if (options_.log) {
    options_.log(text);
  } else {
    std::fprintf(stderr, "event_consumer: %s\n", text.c_str());
  }
}

}  // namespace hookbridge::example
