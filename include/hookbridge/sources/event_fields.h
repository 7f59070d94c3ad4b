// What a JSON body gives a source with the JSON-Pointer contract
// (json_contract.h): the record key,
// the required fields checked, and the CloudEvents attributes, each found by
// JSON Pointer, request header or fixed value as the source says.
//
// The body is read once with RapidJSON's SAX Reader under the same rules as
// a GetProfile event, in one place (core/strict_json.h): no DOM, nesting
// capped, numbers never converted, invalid UTF-8, NUL bytes and unpaired
// surrogate escapes refused.
// Only the members the source points at are kept. Stateless and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/auth/signature.h"
#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/publisher.h"
#include "hookbridge/core/webhook_event.h"
#include "hookbridge/sources/source.h"

namespace hookbridge {

// Header values taken into a record: printable ASCII, at most this long.
inline constexpr size_t kMaxAttributeHeaderBytes = 256;

struct DerivedEvent {
  std::string key;
  std::string id;      // ce_id: never empty
  std::string type;    // ce_type: never empty
  std::string source;  // ce_source: never empty
  std::string time;    // ce_time: empty when the source names none or it is absent
  // EventFields::dedup_id's value: empty when absent, unusable (a header sent
  // twice, not printable ASCII) or not a non-empty string or integer. Never
  // a reason to refuse: such a webhook is just not deduplicated.
  std::string dedup_id;
};

struct DeriveResult {
  ParseError error = ParseError::kNone;  // kInvalidJson: 400; kInvalidSchema: 422
  std::string message;                   // names the pointer or header, never echoes input
  DerivedEvent event;
};

// Every attribute is a valid CloudEvents value (cloudevent_attributes.h) or
// the event is refused: id and type without control characters, source a
// URI-reference. time is never a reason to refuse: an integer is seconds
// since the Unix epoch, written as RFC 3339 UTC ("2023-10-01T12:00:00Z"); a
// text is kept when it is an RFC 3339 time (CloudEventTime()); any other
// value is left out.
DeriveResult DeriveEvent(const EventFields& fields, std::string_view body,
                         const HeaderLookup& headers);

// What a refused body still gives, for labelling its dead letter: each
// attribute that resolves to a valid value (else empty), and the key when
// one of the key members is there. Never refuses: a body that is not JSON
// gives only what headers and fixed values give.
DerivedEvent LabelEvent(const EventFields& fields, std::string_view body,
                        const HeaderLookup& headers);

// The non-empty strings at `pointers` in `body`, read under the same rules,
// one per pointer (nullopt where absent or not a non-empty string); nullopt
// in place of the list when the body is not such a JSON object or a member
// pointed at appears twice. For the senders' endpoint checks (handshake.h).
std::optional<std::vector<std::optional<std::string>>> ReadStrings(
    std::string_view body, const std::vector<const JsonPointer*>& pointers);

// The record of such an event: its key, the body byte for byte, and the
// CloudEvents headers (binary content mode) ce_specversion, ce_id, ce_type,
// ce_source, ce_time when known, content-type (docs/record-contract.md).
KafkaRecord BuildSourceRecord(DerivedEvent event, std::string body);

// Appends those CloudEvents headers of `event` (id and type never empty),
// with `content_type` as the content-type when it is a valid media type.
void AppendSourceCloudEventHeaders(DerivedEvent event, std::optional<std::string> content_type,
                                   RecordHeaders& headers);

}  // namespace hookbridge
