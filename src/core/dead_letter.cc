#include "hookbridge/core/dead_letter.h"

#include "hookbridge/core/cloudevent_attributes.h"
#include "hookbridge/core/log.h"

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
    case ErrorCode::kForbidden:  // a GET: no body to keep
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

KafkaRecord BuildDeadLetterRecord(DeadLetterSource source, std::string key,
                                  RecordHeaders cloudevent_headers) {
  KafkaRecord record;
  record.key = key.empty() ? source.request_id : std::move(key);
  record.value = std::move(source.body);
  RecordHeaders& headers = record.headers;
  headers.reserve(8 + source.trace_headers.size() + cloudevent_headers.size());
  headers.emplace_back(kDeadLetterReasonHeader, RejectionReason(source.refusal));
  headers.emplace_back(kDeadLetterMessageHeader, std::move(source.message));
  headers.emplace_back(kDeadLetterSourceHeader, std::move(source.source_name));
  headers.emplace_back(kRequestIdHeader, std::move(source.request_id));
  headers.emplace_back(kReceivedAtHeader, UtcTimestamp(source.received));
  // Every header value a Python SDK consumer reads is decoded as UTF-8.
  if (source.content_encoding && IsValidUtf8(*source.content_encoding)) {
    headers.emplace_back(kContentEncodingHeader, std::move(*source.content_encoding));
  }
  for (auto& header : source.trace_headers) headers.push_back(std::move(header));
  for (auto& header : cloudevent_headers) headers.push_back(std::move(header));
  return record;
}

}  // namespace hookbridge
