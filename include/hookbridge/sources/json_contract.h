// The JSON-Pointer contract of the sources file: any JSON object, its key,
// required fields and CloudEvents attributes found as the source's
// EventFields say (event_fields.h). A dead letter carries the same
// attributes where the refused body (or the request's headers, or a fixed
// value) still gives a valid one; otherwise ce_id is the request id, ce_type
// kDeadLetterEventType and ce_source "urn:hookbridge:<source name>".
#pragma once

#include "hookbridge/sources/event_contract.h"
#include "hookbridge/sources/source.h"

namespace hookbridge {

class JsonContract final : public EventContract {
 public:
  explicit JsonContract(EventFields fields) : fields_(std::move(fields)) {}

  ContractResult BuildRecord(std::string body, const HeaderLookup& headers) const override;
  KafkaRecord BuildDeadLetter(DeadLetterSource letter, const HeaderLookup& headers) const override;

  const EventFields& fields() const { return fields_; }

 private:
  const EventFields fields_;
};

}  // namespace hookbridge
