// The narrow seam between request handling and Kafka.
//
// Request handling builds a KafkaRecord and hands it to a Publisher; the
// Publisher answers, through a future, whether the record is durably stored.
// Only PublishStatus::kPersisted may ever become a 2xx. Implementations are
// thread-safe: every HTTP worker publishes concurrently.
#pragma once

#include <cstdint>
#include <future>
#include <string>
#include <utility>
#include <vector>

namespace hookbridge {

struct KafkaRecord {
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
  virtual ~Publisher() = default;
  // Never blocks on the broker. The future becomes ready when the outcome is
  // known, which may be after the caller has stopped waiting.
  virtual std::future<PublishResult> Publish(KafkaRecord record) = 0;
};

}  // namespace hookbridge
