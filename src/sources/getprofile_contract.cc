#include "hookbridge/sources/getprofile_contract.h"

#include "hookbridge/core/cloudevent_attributes.h"
#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/webhook_event.h"

namespace hookbridge {

ContractResult GetProfileContract::BuildRecord(std::string body, const HeaderLookup&) const {
  ContractResult result;
  ParseResult parsed = ParseWebhookEvent(body);
  if (parsed.error != ParseError::kNone) {
    result.refusal = ParseRefusal(parsed.error, std::move(parsed.message));
    result.record.value = std::move(body);
    return result;
  }
  result.event_id = parsed.event.id;
  result.dedup_id = parsed.event.id;
  // The event's strings and the body are moved into the record, not copied.
  result.record = BuildKafkaRecord(std::move(parsed.event), std::move(body));
  return result;
}

KafkaRecord GetProfileContract::BuildDeadLetter(DeadLetterSource letter,
                                                const HeaderLookup&) const {
  // Whatever the body gives: nothing when it is not JSON, the fields read as
  // strings when it is JSON but not a valid event, the event when only its
  // content type was refused.
  ParseResult parsed = ParseWebhookEvent(letter.body);
  WebhookEvent event =
      parsed.error == ParseError::kInvalidJson ? WebhookEvent{} : std::move(parsed.event);
  std::string key = event.id;  // empty: the request id
  // A dead letter is a CloudEvent too, so that a consumer reading the topic
  // with a CloudEvents SDK never meets a record it cannot read: without a
  // valid id, the request id stands in (the key's fallback too); without a
  // valid type, kDeadLetterEventType.
  if (!IsCloudEventString(event.id)) event.id = letter.request_id;
  if (!IsCloudEventString(event.event)) event.event = kDeadLetterEventType;
  RecordHeaders cloudevents;
  AppendCloudEventHeaders(std::move(event), std::move(letter.content_type), cloudevents);
  return BuildDeadLetterRecord(std::move(letter), std::move(key), std::move(cloudevents));
}

std::shared_ptr<const EventContract> GetProfileEventContract() {
  static const std::shared_ptr<const EventContract> contract =
      std::make_shared<GetProfileContract>();
  return contract;
}

}  // namespace hookbridge
