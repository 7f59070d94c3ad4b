#include "kafka_test_client.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <thread>

namespace hookbridge::e2e {
namespace {

using Handle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

std::vector<std::pair<std::string, std::string>>& ClientProperties() {
  static std::vector<std::pair<std::string, std::string>> properties;
  return properties;
}

void SetClientProperties(rd_kafka_conf_t* conf) {
  char errstr[512];
  for (const auto& [name, value] : ClientProperties()) {
    rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr);
  }
}

Handle NewClient(rd_kafka_type_t type, const std::string& brokers,
                 std::initializer_list<std::pair<const char*, const char*>> extra = {}) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  // The shared broker runs with Kafka's default auto.create.topics.enable=true:
  // no client of the tests may create a topic by asking about it.
  rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr, sizeof errstr);
  for (const auto& [name, value] : extra)
    rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr);
  SetClientProperties(conf);
  return Handle(rd_kafka_new(type, conf, errstr, sizeof errstr), &rd_kafka_destroy);
}

// Whether the broker `client` asks describes `topic` with `partitions`
// partitions, each with a leader.
bool TopicHasLeaders(rd_kafka_t* client, const std::string& topic, int partitions) {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(client, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  bool ready =
      rd_kafka_metadata(client, 0, handle, &metadata, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
      metadata->topics[0].partition_cnt == partitions;
  for (int p = 0; ready && p < metadata->topics[0].partition_cnt; ++p) {
    ready = metadata->topics[0].partitions[p].leader >= 0;
  }
  if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
  rd_kafka_topic_destroy(handle);
  return ready;
}

}  // namespace

void UseClientProperties(std::vector<std::pair<std::string, std::string>> properties) {
  ClientProperties() = std::move(properties);
}

std::string CreateTopic(const std::string& brokers, const std::string& topic, int partitions) {
  Handle admin = NewClient(RD_KAFKA_PRODUCER, brokers);
  if (!admin) return "cannot create admin client";
  char errstr[512];
  rd_kafka_NewTopic_t* new_topic =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, errstr, sizeof errstr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
  rd_kafka_CreateTopics(admin.get(), &new_topic, 1, nullptr, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
  std::string error;
  if (event == nullptr) {
    error = "CreateTopics timed out";
  } else if (rd_kafka_event_error(event)) {
    error = rd_kafka_event_error_string(event);
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      if (rd_kafka_topic_result_error(results[i]))
        error = rd_kafka_topic_result_error_string(results[i]);
    }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(new_topic);
  if (!error.empty()) return error;
  // CreateTopics answers once the controller has the topic; a broker's
  // metadata may lag behind it (a watermark query then fails with
  // _UNKNOWN_PARTITION). Return once the topic is usable, so no test races it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!TopicHasLeaders(admin.get(), topic, partitions)) {
    if (std::chrono::steady_clock::now() > deadline)
      return "no leaders for every partition after 30 s";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "";
}

int TopicExists(const std::string& brokers, const std::string& topic) {
  Handle client = NewClient(RD_KAFKA_CONSUMER, brokers);
  if (!client) return -1;
  // Every topic's metadata: a request that names no topic cannot create one.
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(client.get(), 1, nullptr, &metadata, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  int exists = 0;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    exists |=
        metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR && topic == metadata->topics[i].topic;
  }
  rd_kafka_metadata_destroy(metadata);
  return exists;
}

std::vector<ConsumedRecord> ConsumeFromBeginning(const std::string& brokers,
                                                 const std::string& topic, size_t count,
                                                 std::chrono::milliseconds timeout) {
  std::vector<ConsumedRecord> records;
  Handle consumer = NewClient(RD_KAFKA_CONSUMER, brokers,
                              {{"group.id", "hookbridge-e2e"}, {"enable.auto.commit", "false"}});
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_topic_t* handle = rd_kafka_topic_new(consumer.get(), topic.c_str(), nullptr);
  rd_kafka_resp_err_t err = rd_kafka_metadata(consumer.get(), 0, handle, &metadata, 10000);
  rd_kafka_topic_destroy(handle);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR || metadata->topic_cnt != 1) return records;
  rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(16);
  for (int p = 0; p < metadata->topics[0].partition_cnt; ++p) {
    rd_kafka_topic_partition_list_add(assignment, topic.c_str(),
                                      metadata->topics[0].partitions[p].id)
        ->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_metadata_destroy(metadata);
  rd_kafka_assign(consumer.get(), assignment);
  rd_kafka_topic_partition_list_destroy(assignment);

  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (records.size() < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 200);
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ConsumedRecord record;
      record.partition = message->partition;
      record.offset = message->offset;
      record.key.assign(static_cast<const char*>(message->key), message->key_len);
      record.value.assign(static_cast<const char*>(message->payload), message->len);
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == 0; ++i) {
          record.headers[name].assign(static_cast<const char*>(value), size);
          record.header_order.emplace_back(name);
        }
      }
      records.push_back(std::move(record));
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(consumer.get());
  return records;
}

int64_t CountRecords(const std::string& brokers, const std::string& topic, int partitions) {
  Handle client = NewClient(RD_KAFKA_CONSUMER, brokers, {{"group.id", "hookbridge-e2e-count"}});
  // A fresh client's first query can fail while its metadata is still
  // arriving (seen on a loaded machine): ask again, within a bound.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int64_t total = 0;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0;
    int64_t high = 0;
    while (rd_kafka_query_watermark_offsets(client.get(), topic.c_str(), p, &low, &high, 10000) !=
           RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (std::chrono::steady_clock::now() >= deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    total += high - low;
  }
  return total;
}

std::string SetTopicPrefixWriteAcl(const std::string& brokers, const std::string& principal,
                                   const std::string& prefix, bool grant) {
  Handle admin = NewClient(RD_KAFKA_PRODUCER, brokers);
  if (!admin) return "cannot create admin client";
  char errstr[512];
  rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
  std::vector<rd_kafka_AclBinding_t*> bindings;
  rd_kafka_AclBindingFilter_t* filter = nullptr;
  if (grant) {
    for (rd_kafka_AclOperation_t operation :
         {RD_KAFKA_ACL_OPERATION_WRITE, RD_KAFKA_ACL_OPERATION_DESCRIBE}) {
      bindings.push_back(rd_kafka_AclBinding_new(
          RD_KAFKA_RESOURCE_TOPIC, prefix.c_str(), RD_KAFKA_RESOURCE_PATTERN_PREFIXED,
          principal.c_str(), "*", operation, RD_KAFKA_ACL_PERMISSION_TYPE_ALLOW, errstr,
          sizeof errstr));
    }
    rd_kafka_CreateAcls(admin.get(), bindings.data(), bindings.size(), nullptr, queue);
  } else {
    filter = rd_kafka_AclBindingFilter_new(RD_KAFKA_RESOURCE_TOPIC, prefix.c_str(),
                                           RD_KAFKA_RESOURCE_PATTERN_PREFIXED, principal.c_str(),
                                           nullptr, RD_KAFKA_ACL_OPERATION_ANY,
                                           RD_KAFKA_ACL_PERMISSION_TYPE_ANY, errstr, sizeof errstr);
    rd_kafka_DeleteAcls(admin.get(), &filter, 1, nullptr, queue);
  }
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 30000);
  std::string error;
  if (event == nullptr) {
    error = grant ? "CreateAcls timed out" : "DeleteAcls timed out";
  } else if (rd_kafka_event_error(event)) {
    error = rd_kafka_event_error_string(event);
  } else if (grant) {
    size_t count = 0;
    const rd_kafka_acl_result_t** results =
        rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      if (const rd_kafka_error_t* failed = rd_kafka_acl_result_error(results[i]))
        error = rd_kafka_error_string(failed);
    }
  } else {
    size_t count = 0;
    const rd_kafka_DeleteAcls_result_response_t** responses =
        rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      if (const rd_kafka_error_t* failed = rd_kafka_DeleteAcls_result_response_error(responses[i]))
        error = rd_kafka_error_string(failed);
    }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  for (rd_kafka_AclBinding_t* binding : bindings) rd_kafka_AclBinding_destroy(binding);
  if (filter != nullptr) rd_kafka_AclBinding_destroy(filter);
  return error;
}

std::map<int32_t, int64_t> EndOffsets(const std::string& brokers, const std::string& topic,
                                      int partitions) {
  Handle client = NewClient(RD_KAFKA_CONSUMER, brokers, {{"group.id", "hookbridge-e2e-count"}});
  std::map<int32_t, int64_t> ends;
  for (int p = 0; p < partitions; ++p) {
    int64_t low = 0;
    int64_t high = -1;
    rd_kafka_query_watermark_offsets(client.get(), topic.c_str(), p, &low, &high, 10000);
    ends[p] = high;
  }
  return ends;
}

std::string ProduceRecords(const std::string& brokers, const std::string& topic,
                           const std::vector<RecordToProduce>& records) {
  struct Outcome {
    size_t persisted = 0;
    std::string error;
  } outcome;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr);
  // See NewClient.
  rd_kafka_conf_set(conf, "allow.auto.create.topics", "false", errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "max.in.flight.requests.per.connection", "1", errstr,
                    sizeof errstr);  // in order
  rd_kafka_conf_set(conf, "partitioner", "murmur2_random", errstr, sizeof errstr);
  SetClientProperties(conf);
  rd_kafka_conf_set_opaque(conf, &outcome);
  rd_kafka_conf_set_dr_msg_cb(
      conf, [](rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
        auto* result = static_cast<Outcome*>(opaque);
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
            rd_kafka_message_status(message) == RD_KAFKA_MSG_STATUS_PERSISTED) {
          ++result->persisted;
        } else if (result->error.empty()) {
          result->error = rd_kafka_err2name(message->err);
        }
      });
  Handle producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr), &rd_kafka_destroy);
  if (!producer) return errstr;
  for (const RecordToProduce& record : records) {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
    for (const auto& [name, value] : record.headers) {
      rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                          static_cast<ssize_t>(value.size()));
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_KEY(record.key.data(), record.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(record.timestamp_ms),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(headers);
      return rd_kafka_err2name(err);
    }
  }
  rd_kafka_flush(producer.get(), 30000);
  if (!outcome.error.empty()) return outcome.error;
  if (outcome.persisted != records.size()) return "not every record was persisted within 30 s";
  return "";
}

std::map<int32_t, int64_t> CommittedOffsets(const std::string& brokers, const std::string& group,
                                            const std::string& topic, int partitions) {
  Handle client = NewClient(RD_KAFKA_CONSUMER, brokers, {{"group.id", group.c_str()}});
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  std::map<int32_t, int64_t> committed;
  if (rd_kafka_committed(client.get(), list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) committed[list->elems[i].partition] = list->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  return committed;
}

}  // namespace hookbridge::e2e
