// libFuzzer target: any bytes through event parsing and record building.
// Invariants: no crash, no sanitizer report, and an accepted event always
// yields a record with a key and the body as its value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/webhook_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  hookbridge::ParseResult parsed = hookbridge::ParseWebhookEvent(body);
  if (parsed.error != hookbridge::ParseError::kNone) {
    if (parsed.message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  hookbridge::KafkaRecord record = hookbridge::BuildKafkaRecord(parsed.event, body);
  if (record.key.empty() || record.value != body || parsed.event.id.empty()) std::abort();
  return 0;
}
