// How an accepted webhook becomes a Kafka record.
//
// Key: data.profile_id; for event types without one, tenant_id, else id.
// Value: the request body exactly as received.
// Headers: CloudEvents 1.0 Kafka protocol binding, binary content mode.
#pragma once

#include <string>

#include "hookbridge/core/publisher.h"
#include "hookbridge/core/webhook_event.h"

namespace hookbridge {

// ce_source for events of a tenant is kCloudEventSource + "/tenants/<tenant>".
inline constexpr const char* kCloudEventSource = "https://getprofile-ai.com";

std::string RecordKey(const WebhookEvent& event);
// Takes both by value: a caller done with them moves them in, and their
// strings become the record's without a copy.
KafkaRecord BuildKafkaRecord(WebhookEvent event, std::string body);

}  // namespace hookbridge
