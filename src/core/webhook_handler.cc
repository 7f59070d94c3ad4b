#include "hookbridge/core/webhook_handler.h"

#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/text.h"
#include "hookbridge/core/webhook_event.h"

namespace hookbridge {
namespace {

std::string_view Unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

bool IsIdentityEncoding(const std::vector<std::string_view>& content_encoding) {
  for (std::string_view header : content_encoding) {
    for (std::string_view coding : Split(header, ',')) {
      coding = Trim(coding);
      if (coding.empty()) continue;  // empty list elements are ignored (RFC 9110 5.6.1.2)
      if (!EqualsIgnoreCase(coding, "identity")) return false;
    }
  }
  return true;
}

HttpResponse PublishFailure(const PublishResult& result) {
  switch (result.status) {
    case PublishStatus::kQueueFull:
      return ErrorResponse(ErrorCode::kOverloaded, "producer queue is full, retry later");
    case PublishStatus::kRecordTooLarge:
      return ErrorResponse(ErrorCode::kPayloadTooLarge, "event exceeds the Kafka record size limit");
    default:
      return ErrorResponse(ErrorCode::kUnavailable,
                           "event not stored in Kafka (" + result.error + "), retry later");
  }
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  // Walks the ';'-separated parts in place: this runs on every request.
  size_t end = content_type.find(';');
  if (!EqualsIgnoreCase(Trim(content_type.substr(0, end)), "application/json")) return false;
  while (end != std::string_view::npos) {
    const size_t start = end + 1;
    end = content_type.find(';', start);
    std::string_view parameter = Trim(content_type.substr(start, end - start));
    if (parameter.empty()) continue;  // "application/json;" (RFC 9110 5.6.6 allows it)
    size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) return false;
    if (EqualsIgnoreCase(Trim(parameter.substr(0, equals)), "charset") &&
        !EqualsIgnoreCase(Unquote(Trim(parameter.substr(equals + 1))), "utf-8")) {
      return false;
    }
  }
  return true;
}

WebhookHandler::WebhookHandler(const KeyStore& keys, Publisher& publisher, Metrics& metrics,
                               WebhookOptions options)
    : keys_(keys), publisher_(publisher), metrics_(metrics), options_(options) {}

std::optional<HttpResponse> WebhookHandler::CheckHead(const RequestHead& head) const {
  switch (Authenticate(head.authorization, *keys_.current())) {
    case AuthResult::kAccepted: break;
    case AuthResult::kMissingCredentials:
      return ErrorResponse(ErrorCode::kUnauthorized,
                           "expected exactly one 'Authorization: Bearer <key>' header");
    case AuthResult::kInvalidKey:
      return ErrorResponse(ErrorCode::kInvalidKey, "the bearer key is not valid");
  }
  if (head.content_type.size() != 1 || !IsJsonContentType(head.content_type.front())) {
    return ErrorResponse(ErrorCode::kUnsupportedMediaType,
                         "Content-Type must be application/json (charset utf-8)");
  }
  if (!IsIdentityEncoding(head.content_encoding)) {
    return ErrorResponse(ErrorCode::kUnsupportedMediaType,
                         "Content-Encoding is not supported; send the body uncompressed");
  }
  return std::nullopt;
}

std::string WebhookHandler::HandleBody(std::string body, Clock::time_point received, Done done) {
  WebhookResult refused;
  ParseResult parsed = ParseWebhookEvent(body);
  switch (parsed.error) {
    case ParseError::kNone: break;
    case ParseError::kInvalidJson:
      refused.response = ErrorResponse(ErrorCode::kInvalidJson, parsed.message);
      done(std::move(refused));
      return "";
    case ParseError::kInvalidSchema:
      refused.response = ErrorResponse(ErrorCode::kInvalidEvent, parsed.message);
      done(std::move(refused));
      return "";
  }
  std::string event_id = parsed.event.id;
  // The event's strings and the body are moved into the record, not copied.
  publisher_.Publish(
      BuildKafkaRecord(std::move(parsed.event), std::move(body)),
      [this, received, event_id, done = std::move(done)](PublishResult delivery) mutable {
        WebhookResult result;
        result.event_id = std::move(event_id);
        result.delivery = std::move(delivery);
        if (result.delivery.status == PublishStatus::kPersisted) {
          metrics_.ObserveAck(Clock::now() - received);
          result.response = AcceptedResponse(result.event_id);
        } else {
          result.response = PublishFailure(result.delivery);
        }
        done(std::move(result));
      });
  return event_id;
}

WebhookResult WebhookHandler::AckDeadlinePassed(std::string event_id) {
  WebhookResult result;
  result.event_id = std::move(event_id);
  result.delivery.error = "ACK_DEADLINE";
  result.response =
      ErrorResponse(ErrorCode::kUnavailable, "Kafka did not acknowledge the event in time, retry later");
  return result;
}

}  // namespace hookbridge
