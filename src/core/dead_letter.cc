#include "hookbridge/core/dead_letter.h"

#include "hookbridge/core/cloudevent_attributes.h"
#include "hookbridge/core/log.h"
#include "hookbridge/core/webhook_event.h"

namespace hookbridge {

bool IsDeadLetterRefusal(ErrorCode refusal) {
  switch (refusal) {
    case ErrorCode::kInvalidJson:
    case ErrorCode::kInvalidEvent:
    case ErrorCode::kUnsupportedMediaType: return true;
    // Listed one by one, without a default, so that a new ErrorCode must be
    // decided on here (the compiler names the missing case).
    case ErrorCode::kBadRequest:
    case ErrorCode::kUnauthorized:
    case ErrorCode::kInvalidKey:
    case ErrorCode::kSignatureMissing:  // unauthenticated: must not reach Kafka
    case ErrorCode::kSignatureInvalid:
    case ErrorCode::kStaleTimestamp:
    case ErrorCode::kNotFound:
    case ErrorCode::kMethodNotAllowed:
    case ErrorCode::kRequestTimeout:
    case ErrorCode::kLengthRequired:
    case ErrorCode::kPayloadTooLarge:  // over the body limit, or over Kafka's: a dead letter is
                                       // bigger still
    case ErrorCode::kUriTooLong:
    case ErrorCode::kHeadersTooLarge:
    case ErrorCode::kInternalError:
    case ErrorCode::kNotImplemented:
    case ErrorCode::kUnavailable:
    case ErrorCode::kOverloaded:
    case ErrorCode::kVersionNotSupported: return false;
  }
  return false;
}

KafkaRecord BuildDeadLetterRecord(DeadLetterSource source) {
  // Whatever the body gives: nothing when it is not JSON, the fields read as
  // strings when it is JSON but not a valid event, the event when only its
  // content type was refused.
  ParseResult parsed = ParseWebhookEvent(source.body);
  WebhookEvent event =
      parsed.error == ParseError::kInvalidJson ? WebhookEvent{} : std::move(parsed.event);

  KafkaRecord record;
  record.key = event.id.empty() ? source.request_id : event.id;
  // A dead letter is a CloudEvent too, so that a consumer reading the topic
  // with a CloudEvents SDK never meets a record it cannot read: without a
  // valid id, the request id stands in (the key's fallback too); without a
  // valid type, kDeadLetterEventType.
  if (!IsCloudEventString(event.id)) event.id = source.request_id;
  if (!IsCloudEventString(event.event)) event.event = kDeadLetterEventType;
  record.value = std::move(source.body);
  RecordHeaders& headers = record.headers;
  headers.emplace_back(kDeadLetterReasonHeader, RejectionReason(source.refusal));
  headers.emplace_back(kDeadLetterMessageHeader, std::move(source.message));
  headers.emplace_back(kRequestIdHeader, std::move(source.request_id));
  headers.emplace_back(kReceivedAtHeader, UtcTimestamp(source.received));
  // Every header value a Python SDK consumer reads is decoded as UTF-8.
  if (source.content_encoding && IsValidUtf8(*source.content_encoding)) {
    headers.emplace_back(kContentEncodingHeader, std::move(*source.content_encoding));
  }
  for (auto& header : source.trace_headers) headers.push_back(std::move(header));
  AppendCloudEventHeaders(std::move(event), std::move(source.content_type), headers);
  return record;
}

}  // namespace hookbridge
