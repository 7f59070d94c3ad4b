// libFuzzer target: any bytes as the body of a JSON source (docs/sources.md),
// through derivation by JSON Pointer and record building, and through the
// JSON contract's dead letter. Invariants: no crash, no sanitizer report,
// every refusal says why, an accepted body always yields a record with a
// non-empty key, id, type and source, and the body as its value; every body
// yields a dead letter with the body as its value, a key, and a non-empty
// ce_id, ce_type and ce_source.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "hookbridge/sources/event_fields.h"
#include "hookbridge/sources/json_contract.h"

namespace {

hookbridge::JsonPointer Pointer(const char* text) {
  hookbridge::JsonPointer pointer;
  if (!hookbridge::ParseJsonPointer(text, &pointer)) std::abort();
  return pointer;
}

hookbridge::AttributeSource FromPointer(const char* text) {
  hookbridge::AttributeSource from;
  from.kind = hookbridge::AttributeSource::Kind::kPointer;
  from.pointer = Pointer(text);
  return from;
}

// Pointers into objects, arrays and escaped names; every attribute kind.
const hookbridge::EventFields& FuzzedSource() {
  static const hookbridge::EventFields source = [] {
    hookbridge::EventFields s;
    s.key = {Pointer("/data/0/id"), Pointer("/a~1b"), Pointer("/id")};
    s.required = {{Pointer("/data"), hookbridge::JsonType::kArray},
                  {Pointer("/n"), hookbridge::JsonType::kNumber}};
    s.ce_id = FromPointer("/id");
    s.ce_type.kind = hookbridge::AttributeSource::Kind::kHeader;
    s.ce_type.header = "X-Event";
    s.ce_time = FromPointer("/created");
    s.ce_source.kind = hookbridge::AttributeSource::Kind::kValue;
    s.ce_source.value = "urn:fuzz";
    return s;
  }();
  return source;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string body(reinterpret_cast<const char*>(data), size);
  const hookbridge::HeaderLookup headers = [](std::string_view name) {
    return name == "X-Event" ? std::vector<std::string_view>{"fuzz.event"}
                             : std::vector<std::string_view>{};
  };
  static const hookbridge::JsonContract contract(FuzzedSource());
  hookbridge::DeadLetterSource letter;
  letter.refusal = hookbridge::ErrorCode::kInvalidEvent;
  letter.source_name = "fuzz";
  letter.request_id = "req-fuzz";
  letter.body = body;
  hookbridge::KafkaRecord dead = contract.BuildDeadLetter(std::move(letter), headers);
  if (dead.value != body || dead.key.empty()) std::abort();
  int attributes = 0;
  for (const auto& [name, value] : dead.headers) {
    if (name == "ce_id" || name == "ce_type" || name == "ce_source") {
      if (value.empty()) std::abort();
      ++attributes;
    }
  }
  if (attributes != 3) std::abort();

  hookbridge::DeriveResult derived = hookbridge::DeriveEvent(FuzzedSource(), body, headers);
  if (derived.error != hookbridge::ParseError::kNone) {
    if (derived.message.empty()) std::abort();
    return 0;
  }
  const hookbridge::DerivedEvent event = derived.event;
  if (event.key.empty() || event.id.empty() || event.type.empty() || event.source.empty())
    std::abort();
  hookbridge::KafkaRecord record = hookbridge::BuildSourceRecord(std::move(derived.event), body);
  if (record.value != body || record.key != event.key) std::abort();
  return 0;
}
