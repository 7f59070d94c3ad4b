#include "hookbridge/sources/json_contract.h"

#include "hookbridge/sources/event_fields.h"

namespace hookbridge {

ContractResult JsonContract::BuildRecord(std::string body, const HeaderLookup& headers) const {
  ContractResult result;
  DeriveResult derived = DeriveEvent(fields_, body, headers);
  if (derived.error != ParseError::kNone) {
    result.refusal = ParseRefusal(derived.error, std::move(derived.message));
    result.record.value = std::move(body);
    return result;
  }
  result.event_id = derived.event.id;
  result.dedup_id = std::move(derived.event.dedup_id);
  result.record = BuildSourceRecord(std::move(derived.event), std::move(body));
  return result;
}

KafkaRecord JsonContract::BuildDeadLetter(DeadLetterSource letter,
                                          const HeaderLookup& headers) const {
  DerivedEvent event = LabelEvent(fields_, letter.body, headers);
  // A dead letter is a valid CloudEvent too: what the body does not give
  // stands in as on a GetProfile dead letter, ce_source as the file's default.
  if (event.id.empty()) event.id = letter.request_id;
  if (event.type.empty()) event.type = kDeadLetterEventType;
  if (event.source.empty()) event.source = "urn:hookbridge:" + letter.source_name;
  // The record key rule of the source; none found: the CloudEvents id.
  std::string key = event.key.empty() ? event.id : std::move(event.key);
  RecordHeaders cloudevents;
  AppendSourceCloudEventHeaders(std::move(event), std::move(letter.content_type), cloudevents);
  return BuildDeadLetterRecord(std::move(letter), std::move(key), std::move(cloudevents));
}

}  // namespace hookbridge
