// Just enough of a Kafka client for end-to-end checks: create a topic, read
// it from the beginning, count what it holds.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hookbridge::e2e {

struct ConsumedRecord {
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
  std::vector<std::string> header_order;
};

// librdkafka properties every client below sets besides its own, for a test
// program whose broker wants credentials (the secured suite: its admin's
// certificate). Set once, before the first client.
void UseClientProperties(std::vector<std::pair<std::string, std::string>> properties);

// Empty once the topic exists with a leader for every partition, else the error.
std::string CreateTopic(const std::string& brokers, const std::string& topic, int partitions);

// 1 if the broker has `topic`, 0 if not, -1 on error. Asks for every topic's
// metadata, so that asking creates nothing even where the broker would
// auto-create a topic named in a metadata request.
int TopicExists(const std::string& brokers, const std::string& topic);

// Reads `topic` from the beginning until `count` records arrived or `timeout`.
std::vector<ConsumedRecord> ConsumeFromBeginning(const std::string& brokers,
                                                 const std::string& topic, size_t count,
                                                 std::chrono::milliseconds timeout);

// Records in the topic now (sum of high watermarks of a fresh topic); -1 if
// the broker does not answer within 30 s.
int64_t CountRecords(const std::string& brokers, const std::string& topic, int partitions);

struct RecordToProduce {
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timestamp_ms = 0;  // 0: now
};

// Produces `records` in order (acks=all) and waits until every one is
// persisted; empty on success, else the first error.
std::string ProduceRecords(const std::string& brokers, const std::string& topic,
                           const std::vector<RecordToProduce>& records);

// The offsets `group` committed on each partition of `topic` (-1001 where none).
std::map<int32_t, int64_t> CommittedOffsets(const std::string& brokers, const std::string& group,
                                            const std::string& topic, int partitions);

// Grants `principal` (e.g. "User:hookbridge-retiring") Write and Describe on
// the topics whose names start with `prefix`, or with `grant` false removes
// every ACL of that principal on that prefix. Empty on success, else the error.
std::string SetTopicPrefixWriteAcl(const std::string& brokers, const std::string& principal,
                                   const std::string& prefix, bool grant);

// Each partition's high watermark.
std::map<int32_t, int64_t> EndOffsets(const std::string& brokers, const std::string& topic,
                                      int partitions);

}  // namespace hookbridge::e2e
