// Dead letters: webhooks that were authenticated and read whole but cannot
// become a normal record, kept on a topic of their own (issue 12) so that
// they can be replayed once the consumer side is fixed.
//
// Two pure pieces: which refusals become dead letters, and what every dead
// letter's record holds whatever its source. The CloudEvents headers that
// follow are its source's event contract's (sources/event_contract.h);
// whether a dead-letter topic is configured, and producing to it, are the
// caller's.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "hookbridge/core/http_response.h"
#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/publisher.h"

namespace hookbridge {

// Header names of a dead-letter record (docs/record-contract.md), besides
// kRequestIdHeader, which is on normal records too.
inline constexpr const char* kDeadLetterReasonHeader = "hookbridge_dead_letter_reason";
inline constexpr const char* kDeadLetterMessageHeader = "hookbridge_dead_letter_message";
// The name of the source the webhook came to (docs/sources.md).
inline constexpr const char* kDeadLetterSourceHeader = "hookbridge_source";
inline constexpr const char* kReceivedAtHeader = "hookbridge_received_at";
inline constexpr const char* kContentEncodingHeader = "hookbridge_content_encoding";
// ce_type of a dead letter whose body gives no valid event type.
inline constexpr const char* kDeadLetterEventType = "hookbridge.dead_letter";

// True for the refusals of what the sender sent as its event: JSON that does
// not parse (json), an event failing the checks (schema), a content type,
// charset or content coding hookbridge does not take (content_type). Never for
// what must not reach Kafka (unauthenticated, malformed HTTP, oversized bodies
// and records) nor for what the sender should simply retry (503, 500).
bool IsDeadLetterRefusal(ErrorCode refusal);

// What a dead letter keeps of its request.
struct DeadLetterSource {
  ErrorCode refusal = ErrorCode::kInvalidJson;  // IsDeadLetterRefusal(refusal) holds
  std::string message;      // the refusal's message, as its error body would have said
  std::string source_name;  // the source the webhook came to
  std::string request_id;   // X-Request-Id as answered: never empty
  std::chrono::system_clock::time_point received;
  std::optional<std::string> content_type;      // as sent, when sent
  std::optional<std::string> content_encoding;  // as sent, when sent
  RecordHeaders trace_headers;                  // TraceContextHeaders() of the request
  std::string body;                             // the body bytes as received
};

// The record of a dead letter. Value: the body as received. Key: `key`, the
// request id when empty. Headers, in this order: reason (one of
// RejectionReason()'s values), message, source name, request id, time
// received, content coding when sent (and valid UTF-8), the trace headers,
// then `cloudevent_headers` (the contract's; `source.content_type` is for
// the contract to put there, and is not read here).
KafkaRecord BuildDeadLetterRecord(DeadLetterSource source, std::string key,
                                  RecordHeaders cloudevent_headers);

}  // namespace hookbridge
