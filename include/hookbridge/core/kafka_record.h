// How an accepted webhook becomes a Kafka record.
//
// Key: data.profile_id; for event types without one, tenant_id, else id.
// Value: the request body exactly as received.
// Headers: CloudEvents 1.0 Kafka protocol binding, binary content mode, then
// the request's id and trace context.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hookbridge/core/publisher.h"
#include "hookbridge/core/webhook_event.h"

namespace hookbridge {

// ce_source for events of a tenant is kCloudEventSource + "/tenants/<tenant>".
inline constexpr const char* kCloudEventSource = "https://getprofile-ai.com";

// The request's X-Request-Id, on every record hookbridge writes.
inline constexpr const char* kRequestIdHeader = "hookbridge_request_id";

using RecordHeaders = std::vector<std::pair<std::string, std::string>>;

std::string RecordKey(const WebhookEvent& event);
// Appends the CloudEvents headers that `event` gives, in the contract's order
// (docs/record-contract.md): each field that is absent, or not a valid value
// of its attribute (cloudevent_attributes.h), is left out; created_at becomes
// ce_time only as an RFC 3339 time; ce_specversion is written only with both
// a valid id and a valid type. The `content-type` header, when given and a
// valid media type, takes its place among them.
void AppendCloudEventHeaders(WebhookEvent event, std::optional<std::string> content_type,
                             RecordHeaders& headers);
// Takes both by value: a caller done with them moves them in, and their
// strings become the record's without a copy.
KafkaRecord BuildKafkaRecord(WebhookEvent event, std::string body);
// Appends, after the CloudEvents headers, what the record keeps of the request
// that brought it, so that a consumer can join the request's logs and the
// sender's trace: hookbridge_request_id, then the trace context headers
// (TraceContextHeaders(): only those that were valid).
void AppendRequestHeaders(std::string request_id, RecordHeaders trace_context,
                          RecordHeaders& headers);

}  // namespace hookbridge
