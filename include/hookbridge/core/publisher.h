// The narrow seam between request handling and Kafka.
//
// Request handling builds a KafkaRecord and hands it to a Publisher with a
// callback; the Publisher calls it once with whether the record is durably
// stored. Only PublishStatus::kPersisted may ever become a 2xx.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hookbridge {

struct KafkaRecord {
  std::string topic;  // never empty: every record names its topic
  std::string key;
  std::string value;  // the request body, byte for byte
  std::vector<std::pair<std::string, std::string>> headers;
};

enum class PublishStatus {
  kPersisted,       // delivery report said PERSISTED (acks=all)
  kQueueFull,       // refused at once: the local producer queue is full
  kFailed,          // delivery failed or the producer is unusable: retry later
  kRecordTooLarge,  // Kafka refuses records this big: retrying will not help
};

struct PublishResult {
  PublishStatus status = PublishStatus::kFailed;
  std::string error;  // librdkafka's error name when not persisted
  int32_t partition = -1;
  int64_t offset = -1;
};

class Publisher {
 public:
  // Called exactly once per Publish(): before Publish() returns when the
  // record is refused at once, otherwise later on the publisher's own thread
  // (for Kafka, the one that serves delivery reports). It must not block.
  using Done = std::function<void(PublishResult)>;

  virtual ~Publisher() = default;
  // Never blocks on the broker.
  virtual void Publish(KafkaRecord record, Done done) = 0;
};

}  // namespace hookbridge
