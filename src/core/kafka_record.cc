#include "hookbridge/core/kafka_record.h"

#include "hookbridge/core/cloudevent_attributes.h"

namespace hookbridge {
namespace {

// Appends `text` to `out` with RFC 3986 percent-encoding of everything but
// unreserved characters, so a tenant id can never break out of its path
// segment.
void AppendPercentEncoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
}

}  // namespace

std::string RecordKey(const WebhookEvent& event) {
  if (event.profile_id) return *event.profile_id;
  if (event.tenant_id) return *event.tenant_id;
  return event.id;
}

void AppendCloudEventHeaders(WebhookEvent event, std::optional<std::string> content_type,
                             RecordHeaders& headers) {
  // Each attribute is written only when a CloudEvents SDK reads it as valid
  // (cloudevent_attributes.h); the body keeps every value as sent.
  const bool has_id = IsCloudEventString(event.id);
  const bool has_type = IsCloudEventString(event.event);
  // ce_specversion says "this record is a CloudEvent": only true with an id and a type.
  // An accepted event always has both; BuildDeadLetterRecord supplies them.
  if (has_id && has_type) headers.emplace_back("ce_specversion", "1.0");
  if (has_id) headers.emplace_back("ce_id", std::move(event.id));
  if (has_type) headers.emplace_back("ce_type", std::move(event.event));
  constexpr std::string_view kTenantsPath = "/tenants/";
  std::string source = kCloudEventSource;
  if (event.tenant_id) {
    // Room for the worst case (every byte encoded): one allocation.
    source.reserve(source.size() + kTenantsPath.size() + 3 * event.tenant_id->size());
    source += kTenantsPath;
    AppendPercentEncoded(source, *event.tenant_id);
  }
  headers.emplace_back("ce_source", std::move(source));
  if (event.created_at) {
    if (std::optional<std::string> time = CloudEventTime(std::move(*event.created_at))) {
      headers.emplace_back("ce_time", std::move(*time));
    }
  }
  if (event.profile_id && IsCloudEventString(*event.profile_id)) {
    headers.emplace_back("ce_subject", std::move(*event.profile_id));
  }
  if (content_type && IsCloudEventContentType(*content_type)) {
    headers.emplace_back("content-type", std::move(*content_type));
  }
  if (event.tenant_id && IsCloudEventString(*event.tenant_id)) {
    headers.emplace_back("ce_tenantid", std::move(*event.tenant_id));
  }
  if (event.webhook_id && IsCloudEventString(*event.webhook_id)) {
    headers.emplace_back("ce_webhookid", std::move(*event.webhook_id));
  }
}

KafkaRecord BuildKafkaRecord(WebhookEvent event, std::string body) {
  KafkaRecord record;
  record.key = RecordKey(event);
  record.value = std::move(body);
  // Every CloudEvents header, the request id and the trace context: one allocation.
  record.headers.reserve(12);
  AppendCloudEventHeaders(std::move(event), std::string("application/json"), record.headers);
  return record;
}

void AppendRequestHeaders(std::string request_id, RecordHeaders trace_context,
                          RecordHeaders& headers) {
  headers.emplace_back(kRequestIdHeader, std::move(request_id));
  for (auto& header : trace_context) headers.push_back(std::move(header));
}

}  // namespace hookbridge
