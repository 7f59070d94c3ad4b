#include "hookbridge/core/webhook_event.h"

#include <rapidjson/reader.h>

#include "hookbridge/core/cloudevent_attributes.h"
#include "hookbridge/core/strict_json.h"

namespace hookbridge {
namespace {

// The fields hookbridge reads; every other member is passed through unread.
enum class Field { kNone, kId, kEvent, kTenantId, kCreatedAt, kWebhookId, kData, kProfileId };

const char* FieldName(Field field) {
  switch (field) {
    case Field::kId: return "id";
    case Field::kEvent: return "event";
    case Field::kTenantId: return "tenant_id";
    case Field::kCreatedAt: return "created_at";
    case Field::kWebhookId: return "webhook_id";
    case Field::kData: return "data";
    case Field::kProfileId: return "data.profile_id";
    case Field::kNone: break;
  }
  return "";
}

Field TopLevelField(std::string_view key) {
  if (key == "id") return Field::kId;
  if (key == "event") return Field::kEvent;
  if (key == "tenant_id") return Field::kTenantId;
  if (key == "created_at") return Field::kCreatedAt;
  if (key == "webhook_id") return Field::kWebhookId;
  if (key == "data") return Field::kData;
  return Field::kNone;
}

// SAX handler (under strict_json.h's guard, which also keeps the nesting
// depth): tracks which known field the next value belongs to. Schema
// problems are remembered (first one wins) and parsing goes on, so that
// malformed JSON is always reported as such rather than as 422.
class EventExtractor : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, EventExtractor> {
 public:
  explicit EventExtractor(std::string_view body) : guard_(body) {}

  bool Default() { return Scalar(ValueKind::kOther, {}); }
  bool Null() { return Scalar(ValueKind::kNull, {}); }
  bool String(const char* text, rapidjson::SizeType length, bool) {
    if (!guard_.CheckString(std::string_view(text, length))) return false;
    return Scalar(ValueKind::kString, std::string_view(text, length));
  }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool) {
    std::string_view number(text, length);
    // Only data.profile_id tells integers from other numbers; every other
    // field refuses both alike, so most numbers need no look.
    const bool integer = pending_ == Field::kProfileId && IsIntegerText(number);
    return Scalar(integer ? ValueKind::kInteger : ValueKind::kOther, number);
  }

  bool StartObject() {
    if (pending_ == Field::kData && guard_.depth() == 1) {
      in_data_ = true;
      saw_data_ = true;
    } else {
      ExpectNoPendingField("must not be an object");
    }
    pending_ = Field::kNone;
    return guard_.Enter();
  }
  bool EndObject(rapidjson::SizeType) {
    guard_.Leave();
    if (guard_.depth() == 1) in_data_ = false;
    return true;
  }
  bool StartArray() {
    if (guard_.depth() == 0) Fail("the body must be a JSON object");
    ExpectNoPendingField("must not be an array");
    pending_ = Field::kNone;
    return guard_.Enter();
  }
  bool EndArray(rapidjson::SizeType) {
    guard_.Leave();
    return true;
  }

  bool Key(const char* text, rapidjson::SizeType length, bool) {
    std::string_view key(text, length);
    if (!guard_.CheckString(key)) return false;
    pending_ = Field::kNone;
    if (guard_.depth() == 1) {
      pending_ = TopLevelField(key);
    } else if (guard_.depth() == 2 && in_data_ && key == "profile_id") {
      pending_ = Field::kProfileId;
    }
    if (pending_ != Field::kNone) {
      unsigned bit = 1u << static_cast<unsigned>(pending_);
      if (seen_fields_ & bit) Fail(std::string("duplicate field: ") + FieldName(pending_));
      seen_fields_ |= bit;
    }
    return true;
  }

  const StrictJsonGuard& guard() const { return guard_; }
  const std::string& schema_error() const { return schema_error_; }
  bool saw_data() const { return saw_data_; }
  std::optional<std::string>& id() { return id_; }
  std::optional<std::string>& event_name() { return event_name_; }
  WebhookEvent& event() { return event_; }

 private:
  enum class ValueKind { kString, kInteger, kNull, kOther };

  bool Scalar(ValueKind kind, std::string_view text) {
    if (guard_.depth() == 0) Fail("the body must be a JSON object");
    Field field = pending_;
    pending_ = Field::kNone;
    switch (field) {
      case Field::kNone: return true;
      case Field::kData: Fail("data must be an object"); return true;
      case Field::kProfileId:
        if (kind == ValueKind::kString || kind == ValueKind::kInteger) {
          event_.profile_id.emplace(text);
        } else if (kind != ValueKind::kNull) {
          Fail("data.profile_id must be a string or an integer");
        }
        return true;
      default: break;
    }
    // id, event and the optional fields are strings; optional ones may be null.
    if (kind == ValueKind::kString) {
      TargetOf(field).emplace(text);
    } else if (kind != ValueKind::kNull || field == Field::kId || field == Field::kEvent) {
      Fail(std::string(FieldName(field)) + " must be a string");
    }
    return true;
  }

  std::optional<std::string>& TargetOf(Field field) {
    switch (field) {
      case Field::kId: return id_;
      case Field::kEvent: return event_name_;
      case Field::kTenantId: return event_.tenant_id;
      case Field::kCreatedAt: return event_.created_at;
      default: return event_.webhook_id;
    }
  }

  void ExpectNoPendingField(const char* problem) {
    if (pending_ != Field::kNone) Fail(std::string(FieldName(pending_)) + " " + problem);
  }

  void Fail(std::string message) {
    if (schema_error_.empty()) schema_error_ = std::move(message);
  }

  StrictJsonGuard guard_;
  std::optional<std::string> id_;
  std::optional<std::string> event_name_;
  WebhookEvent event_;
  Field pending_ = Field::kNone;
  unsigned seen_fields_ = 0;
  bool in_data_ = false;
  bool saw_data_ = false;
  std::string schema_error_;
};

ParseResult Invalid(ParseError error, std::string message) {
  ParseResult result;
  result.error = error;
  result.message = std::move(message);
  return result;
}

}  // namespace

ParseResult ParseWebhookEvent(std::string_view body) {
  EventExtractor extractor(body);
  if (std::optional<std::string> why = ReadStrictJson(body, extractor)) {
    return Invalid(ParseError::kInvalidJson, std::move(*why));
  }

  // From here on the JSON is well-formed: the fields read are kept even when
  // the event is refused, so that a dead letter can be keyed and labelled.
  ParseResult result;
  result.event = std::move(extractor.event());
  if (extractor.id()) result.event.id = std::move(*extractor.id());
  if (extractor.event_name()) result.event.event = std::move(*extractor.event_name());
  // An empty optional string carries nothing: treat it as absent.
  for (auto* field : {&result.event.profile_id, &result.event.tenant_id, &result.event.created_at,
                      &result.event.webhook_id}) {
    if (*field && (*field)->empty()) field->reset();
  }
  auto refuse = [&result](std::string message) {
    result.error = ParseError::kInvalidSchema;
    result.message = std::move(message);
    return std::move(result);
  };
  if (!extractor.schema_error().empty()) return refuse(extractor.schema_error());
  if (result.event.id.empty()) return refuse("id is required and must be a non-empty string");
  if (result.event.event.empty()) return refuse("event is required and must be a non-empty string");
  // They become ce_id and ce_type, which CloudEvents 1.0 allows no control
  // character or noncharacter in; a record must be a valid CloudEvent.
  if (!IsCloudEventString(result.event.id)) {
    return refuse("id must not contain control characters or Unicode noncharacters");
  }
  if (!IsCloudEventString(result.event.event)) {
    return refuse("event must not contain control characters or Unicode noncharacters");
  }
  if (!extractor.saw_data()) return refuse("data is required and must be an object");
  if (result.event.event == "profile.updated" && !result.event.profile_id) {
    return refuse(
        "data.profile_id is required for profile.updated (a non-empty string or an integer)");
  }
  return result;
}

}  // namespace hookbridge
