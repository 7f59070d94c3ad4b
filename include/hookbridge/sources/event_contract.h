// An event contract: how a source's body becomes a Kafka record, and how a
// body it refuses is labelled as a dead letter.
//
// Two implementations: GetProfile's fixed contract (getprofile_contract.h)
// and the JSON-Pointer contract a sources file describes (json_contract.h).
// Each writes the CloudEvents headers of its own contract, on records and
// dead letters alike. The webhook pipeline (webhook/webhook_handler.h) calls
// them; it knows neither. Immutable once built, shared read-only between
// threads through shared_ptr (source.h).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "hookbridge/auth/signature.h"
#include "hookbridge/core/dead_letter.h"
#include "hookbridge/core/http_response.h"
#include "hookbridge/core/publisher.h"
#include "hookbridge/core/webhook_event.h"

namespace hookbridge {

// Why a body is refused: its error answer's code and message.
struct Refusal {
  ErrorCode code;
  std::string message;  // never echoes input
};

// The refusal of a body that did not parse (400 invalid_json) or is no valid
// event of its contract (422 invalid_event).
inline Refusal ParseRefusal(ParseError error, std::string message) {
  return Refusal{
      error == ParseError::kInvalidJson ? ErrorCode::kInvalidJson : ErrorCode::kInvalidEvent,
      std::move(message)};
}

// What a contract made of a body.
struct ContractResult {
  // Set: the body is refused (kInvalidJson or kInvalidEvent), and
  // record.value still holds it, for a dead letter.
  std::optional<Refusal> refusal;
  // Otherwise: the record's key, value (the body byte for byte) and
  // CloudEvents headers; its topic is the source's to set.
  KafkaRecord record;
  std::string event_id;  // the CloudEvents id: the 200's event_id
  // The id a copy of this webhook repeats (source.h: EventFields::dedup_id;
  // GetProfile: the event id); empty: none, not deduplicated.
  std::string dedup_id;
};

class EventContract {
 public:
  virtual ~EventContract() = default;

  // `headers` are the request's (attributes may come from them).
  virtual ContractResult BuildRecord(std::string body, const HeaderLookup& headers) const = 0;

  // The dead letter of a body refused for `letter.refusal`: the headers every
  // dead letter has (BuildDeadLetterFrame()), then this contract's
  // CloudEvents headers, from what the body still gives. Topic not set.
  virtual KafkaRecord BuildDeadLetter(DeadLetterSource letter,
                                      const HeaderLookup& headers) const = 0;
};

}  // namespace hookbridge
