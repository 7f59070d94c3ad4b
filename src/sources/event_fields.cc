#include "hookbridge/sources/event_fields.h"

#include <rapidjson/reader.h>

#include <optional>

#include "hookbridge/core/cloudevent_attributes.h"
#include "hookbridge/core/strict_json.h"

namespace hookbridge {
namespace {

enum class Kind { kAbsent, kString, kInteger, kNumber, kBoolean, kNull, kObject, kArray };

struct Found {
  Kind kind = Kind::kAbsent;
  std::string text;  // strings decoded, numbers as written
};

// SAX handler that keeps the values at the target pointers. It tracks the
// path of the value being read (an object member's name, or an array
// element's index as decimal text, per level) and compares it with each
// target of that depth: targets are few, bodies are small.
class PointerCollector : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PointerCollector> {
 public:
  PointerCollector(const std::vector<const JsonPointer*>& targets, std::string_view body)
      : targets_(targets), found_(targets.size()), guard_(body) {}

  bool Default() { return Value(Kind::kNumber, {}); }  // not reached: numbers come raw
  bool Null() { return Value(Kind::kNull, {}); }
  bool Bool(bool value) { return Value(Kind::kBoolean, value ? "true" : "false"); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    std::string_view number(text, length);
    return Value(IsIntegerText(number) ? Kind::kInteger : Kind::kNumber, number);
  }
  bool String(const char* text, rapidjson::SizeType length, bool) {
    std::string_view value(text, length);
    return guard_.CheckString(value) && Value(Kind::kString, value);
  }
  bool StartObject() { return Value(Kind::kObject, {}) && Enter(false); }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    std::string_view key(text, length);
    if (!guard_.CheckString(key)) return false;
    frames_.back().token.assign(key);
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    Leave();
    return true;
  }
  bool StartArray() { return Value(Kind::kArray, {}) && Enter(true); }
  bool EndArray(rapidjson::SizeType) {
    Leave();
    return true;
  }

  const StrictJsonGuard& guard() const { return guard_; }
  bool root_not_object() const { return root_not_object_; }
  const std::string& duplicate() const { return duplicate_; }
  std::vector<Found>& found() { return found_; }

 private:
  struct Frame {
    bool array = false;
    size_t next_index = 0;
    std::string token;  // the current member's name or element's index
  };

  bool Enter(bool array) {
    if (!guard_.Enter()) return false;
    frames_.push_back(Frame{array, 0, {}});
    return true;
  }
  void Leave() {
    guard_.Leave();
    frames_.pop_back();
  }

  bool Value(Kind kind, std::string_view text) {
    if (frames_.empty() && kind != Kind::kObject) root_not_object_ = true;
    if (!frames_.empty() && frames_.back().array) {
      frames_.back().token = std::to_string(frames_.back().next_index++);
    }
    for (size_t i = 0; i < targets_.size(); ++i) {
      const std::vector<std::string>& tokens = targets_[i]->tokens;
      if (tokens.size() != frames_.size()) continue;
      bool match = true;
      for (size_t level = 0; match && level < tokens.size(); ++level) {
        match = tokens[level] == frames_[level].token;
      }
      if (!match) continue;
      // A member given twice: which copy counts would be a guess.
      if (found_[i].kind != Kind::kAbsent && duplicate_.empty()) duplicate_ = targets_[i]->text;
      found_[i].kind = kind;
      found_[i].text.assign(text);
    }
    return true;
  }

  const std::vector<const JsonPointer*>& targets_;
  std::vector<Found> found_;
  StrictJsonGuard guard_;
  std::vector<Frame> frames_;
  bool root_not_object_ = false;
  std::string duplicate_;
};

bool HasType(Kind kind, JsonType type) {
  switch (type) {
    case JsonType::kString: return kind == Kind::kString;
    case JsonType::kInteger: return kind == Kind::kInteger;
    case JsonType::kNumber: return kind == Kind::kInteger || kind == Kind::kNumber;
    case JsonType::kBoolean: return kind == Kind::kBoolean;
    case JsonType::kObject: return kind == Kind::kObject;
    case JsonType::kArray: return kind == Kind::kArray;
  }
  return false;
}

// A header value fit for a record header: printable ASCII, bounded.
bool IsTakeableHeaderValue(std::string_view value) {
  if (value.empty() || value.size() > kMaxAttributeHeaderBytes) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

std::string Where(const AttributeSource& from) {
  switch (from.kind) {
    case AttributeSource::Kind::kPointer: return "member \"" + from.pointer.text + "\"";
    case AttributeSource::Kind::kHeader:
      return "header " + from.header +
             (from.fallback_header.empty() ? "" : " or " + from.fallback_header);
    default: return "value";
  }
}

struct Attribute {
  std::optional<std::string> value;
  std::string error;  // set: the request is refused with it
};

Attribute Resolve(const AttributeSource& from, const std::vector<const JsonPointer*>& targets,
                  std::vector<Found>& found, const HeaderLookup& headers, bool is_time) {
  Attribute attribute;
  switch (from.kind) {
    case AttributeSource::Kind::kNone: break;
    case AttributeSource::Kind::kValue: attribute.value = from.value; break;
    case AttributeSource::Kind::kHeader: {
      std::string_view name = from.header;
      std::vector<std::string_view> values = headers(name);
      if (values.empty() && !from.fallback_header.empty()) {
        name = from.fallback_header;
        values = headers(name);
      }
      if (values.size() > 1) {
        attribute.error = "header " + std::string(name) + " must be sent once";
      } else if (values.size() == 1) {
        if (IsTakeableHeaderValue(values.front())) {
          attribute.value.emplace(values.front());
        } else {
          attribute.error = "header " + std::string(name) + " must be printable ASCII of at most " +
                            std::to_string(kMaxAttributeHeaderBytes) + " bytes";
        }
      }
      break;
    }
    case AttributeSource::Kind::kPointer:
      for (size_t i = 0; i < targets.size(); ++i) {
        if (targets[i] != &from.pointer) continue;
        Found& value = found[i];
        if (value.kind == Kind::kString && !value.text.empty()) {
          attribute.value = std::move(value.text);
        } else if (value.kind == Kind::kInteger) {
          // A JSON integer time is epoch seconds: the one reading of it.
          if (is_time) return Attribute{EpochSecondsTime(value.text), {}};
          attribute.value = std::move(value.text);
        }
        break;
      }
      break;
  }
  // A text time is kept only as an RFC 3339 time; anything else is left out
  // (the body keeps it).
  if (is_time && attribute.value) attribute.value = CloudEventTime(std::move(*attribute.value));
  return attribute;
}

// Why a resolved value cannot be the attribute `name`; empty when it can.
std::string InvalidBecause(std::string_view name, std::string_view value) {
  if (name == "source")
    return IsCloudEventUriReference(value) ? "" : " is not a URI-reference (RFC 3986)";
  if (name == "time") return "";  // made valid or left out by Resolve
  return IsCloudEventString(value)
             ? ""
             : " must not contain control characters or Unicode noncharacters";
}

DeriveResult Refuse(ParseError error, std::string message) {
  DeriveResult result;
  result.error = error;
  result.message = std::move(message);
  return result;
}

// Every pointer the contract reads, in one list: one pass over the body.
// Keys first, then required fields, then attributes (DeriveEvent counts on it).
std::vector<const JsonPointer*> Targets(const EventFields& source) {
  std::vector<const JsonPointer*> targets;
  for (const JsonPointer& pointer : source.key) targets.push_back(&pointer);
  for (const RequiredField& field : source.required) targets.push_back(&field.pointer);
  for (const AttributeSource* from :
       {&source.ce_id, &source.ce_type, &source.ce_time, &source.ce_source, &source.dedup_id}) {
    if (from->kind == AttributeSource::Kind::kPointer) targets.push_back(&from->pointer);
  }
  return targets;
}

}  // namespace

std::optional<std::vector<std::optional<std::string>>> ReadStrings(
    std::string_view body, const std::vector<const JsonPointer*>& pointers) {
  PointerCollector collector(pointers, body);
  if (ReadStrictJson(body, collector) || collector.root_not_object() ||
      !collector.duplicate().empty()) {
    return std::nullopt;
  }
  std::vector<std::optional<std::string>> strings;
  for (Found& found : collector.found()) {
    if (found.kind == Kind::kString && !found.text.empty()) {
      strings.emplace_back(std::move(found.text));
    } else {
      strings.emplace_back();
    }
  }
  return strings;
}

DeriveResult DeriveEvent(const EventFields& source, std::string_view body,
                         const HeaderLookup& headers) {
  const std::vector<const JsonPointer*> targets = Targets(source);
  PointerCollector collector(targets, body);
  if (std::optional<std::string> why = ReadStrictJson(body, collector)) {
    return Refuse(ParseError::kInvalidJson, std::move(*why));
  }
  if (collector.root_not_object()) {
    return Refuse(ParseError::kInvalidSchema, "the body must be a JSON object");
  }
  if (!collector.duplicate().empty()) {
    return Refuse(ParseError::kInvalidSchema,
                  "member \"" + collector.duplicate() + "\" is given twice");
  }
  std::vector<Found>& found = collector.found();
  const size_t required_start = source.key.size();
  for (size_t i = 0; i < source.required.size(); ++i) {
    const RequiredField& field = source.required[i];
    if (!HasType(found[required_start + i].kind, field.type)) {
      return Refuse(ParseError::kInvalidSchema,
                    "member \"" + field.pointer.text + "\" is required and must be " +
                        (field.type == JsonType::kInteger ? "an " : "a ") +
                        JsonTypeName(field.type));
    }
  }

  DeriveResult result;
  struct Wanted {
    const AttributeSource& from;
    const char* name;
    bool required;
    std::string& out;
  };
  for (const Wanted& wanted : {Wanted{source.ce_id, "id", true, result.event.id},
                               Wanted{source.ce_type, "type", true, result.event.type},
                               Wanted{source.ce_source, "source", true, result.event.source},
                               Wanted{source.ce_time, "time", false, result.event.time}}) {
    Attribute attribute =
        Resolve(wanted.from, targets, found, headers, &wanted.out == &result.event.time);
    if (!attribute.error.empty()) return Refuse(ParseError::kInvalidSchema, attribute.error);
    if (attribute.value) {
      const std::string invalid = InvalidBecause(wanted.name, *attribute.value);
      if (!invalid.empty()) {
        return Refuse(ParseError::kInvalidSchema, std::string("the CloudEvents ") + wanted.name +
                                                      " (" + Where(wanted.from) + ")" + invalid);
      }
      wanted.out = std::move(*attribute.value);
    } else if (wanted.required) {
      return Refuse(ParseError::kInvalidSchema, std::string("the CloudEvents ") + wanted.name +
                                                    " (" + Where(wanted.from) +
                                                    ") is missing or not a non-empty string");
    }
  }

  if (source.dedup_id.kind != AttributeSource::Kind::kNone) {
    Attribute dedup_id = Resolve(source.dedup_id, targets, found, headers, false);
    if (dedup_id.error.empty() && dedup_id.value)
      result.event.dedup_id = std::move(*dedup_id.value);
  }

  if (source.key.empty()) {
    result.event.key = result.event.id;  // stable per event, spread over partitions
    return result;
  }
  for (size_t i = 0; i < source.key.size(); ++i) {
    if ((found[i].kind == Kind::kString && !found[i].text.empty()) ||
        found[i].kind == Kind::kInteger) {
      result.event.key = std::move(found[i].text);
      return result;
    }
  }
  std::string listed;
  for (const JsonPointer& pointer : source.key)
    listed += (listed.empty() ? "\"" : ", \"") + pointer.text + "\"";
  return Refuse(ParseError::kInvalidSchema,
                "no record key: none of " + listed + " is a non-empty string or an integer");
}

DerivedEvent LabelEvent(const EventFields& source, std::string_view body,
                        const HeaderLookup& headers) {
  const std::vector<const JsonPointer*> targets = Targets(source);
  PointerCollector collector(targets, body);
  std::vector<Found> nothing(targets.size());
  // A body that is not JSON gives nothing.
  const bool readable = !ReadStrictJson(body, collector);
  std::vector<Found>& found = readable ? collector.found() : nothing;
  DerivedEvent event;
  struct Wanted {
    const AttributeSource& from;
    const char* name;
    std::string& out;
  };
  for (const Wanted& wanted :
       {Wanted{source.ce_id, "id", event.id}, Wanted{source.ce_type, "type", event.type},
        Wanted{source.ce_source, "source", event.source},
        Wanted{source.ce_time, "time", event.time}}) {
    Attribute attribute = Resolve(wanted.from, targets, found, headers, &wanted.out == &event.time);
    if (attribute.error.empty() && attribute.value &&
        InvalidBecause(wanted.name, *attribute.value).empty()) {
      wanted.out = std::move(*attribute.value);
    }
  }
  for (size_t i = 0; i < source.key.size(); ++i) {
    if ((found[i].kind == Kind::kString && !found[i].text.empty()) ||
        found[i].kind == Kind::kInteger) {
      event.key = std::move(found[i].text);
      break;
    }
  }
  return event;
}

void AppendSourceCloudEventHeaders(DerivedEvent event, std::optional<std::string> content_type,
                                   RecordHeaders& headers) {
  headers.emplace_back("ce_specversion", "1.0");
  headers.emplace_back("ce_id", std::move(event.id));
  headers.emplace_back("ce_type", std::move(event.type));
  headers.emplace_back("ce_source", std::move(event.source));
  if (!event.time.empty()) headers.emplace_back("ce_time", std::move(event.time));
  if (content_type && IsCloudEventContentType(*content_type)) {
    headers.emplace_back("content-type", std::move(*content_type));
  }
}

KafkaRecord BuildSourceRecord(DerivedEvent event, std::string body) {
  KafkaRecord record;
  record.key = std::move(event.key);
  record.value = std::move(body);
  record.headers.reserve(10);  // these, the request id and the trace context
  AppendSourceCloudEventHeaders(std::move(event), std::string("application/json"), record.headers);
  return record;
}

}  // namespace hookbridge
