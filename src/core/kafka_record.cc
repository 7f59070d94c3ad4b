#include "hookbridge/core/kafka_record.h"

namespace hookbridge {
namespace {

// RFC 3986 percent-encoding of everything but unreserved characters, so a
// tenant id can never break out of its path segment.
std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
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
  return out;
}

}  // namespace

std::string RecordKey(const WebhookEvent& event) {
  if (event.profile_id) return *event.profile_id;
  if (event.tenant_id) return *event.tenant_id;
  return event.id;
}

KafkaRecord BuildKafkaRecord(const WebhookEvent& event, std::string body) {
  KafkaRecord record;
  record.key = RecordKey(event);
  record.value = std::move(body);
  auto& headers = record.headers;
  headers.reserve(10);
  headers.emplace_back("ce_specversion", "1.0");
  headers.emplace_back("ce_id", event.id);
  headers.emplace_back("ce_type", event.event);
  std::string source = kCloudEventSource;
  if (event.tenant_id) {
    source += "/tenants/" + PercentEncode(*event.tenant_id);
  }
  headers.emplace_back("ce_source", std::move(source));
  if (event.created_at) headers.emplace_back("ce_time", *event.created_at);
  if (event.profile_id) headers.emplace_back("ce_subject", *event.profile_id);
  headers.emplace_back("content-type", "application/json");
  if (event.tenant_id) headers.emplace_back("ce_tenantid", *event.tenant_id);
  if (event.webhook_id) headers.emplace_back("ce_webhookid", *event.webhook_id);
  return record;
}

}  // namespace hookbridge
