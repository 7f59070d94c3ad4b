// GetProfile's event contract: its schema (core/webhook_event.h), key rule
// and CloudEvents headers (core/kafka_record.h), byte for byte as always.
// A dead letter is labelled with what the body still gives as GetProfile
// fields: ce_id the body's id, else the request id; ce_type its event, else
// kDeadLetterEventType; ce_source https://getprofile-ai.com[/tenants/<t>].
// Stateless: one instance serves every GetProfile source.
#pragma once

#include <memory>

#include "hookbridge/sources/event_contract.h"

namespace hookbridge {

class GetProfileContract final : public EventContract {
 public:
  ContractResult BuildRecord(std::string body, const HeaderLookup& headers) const override;
  KafkaRecord BuildDeadLetter(DeadLetterSource letter, const HeaderLookup& headers) const override;
};

// The one shared instance.
std::shared_ptr<const EventContract> GetProfileEventContract();

}  // namespace hookbridge
