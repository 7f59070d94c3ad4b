#include "hookbridge/sources/source.h"

#include <algorithm>

#include "hookbridge/sources/getprofile_contract.h"

namespace hookbridge {
namespace {

AttributeSource FromPointer(const char* text) {
  AttributeSource from;
  from.kind = AttributeSource::Kind::kPointer;
  ParseJsonPointer(text, &from.pointer);
  return from;
}

AttributeSource FromHeader(const char* name, const char* fallback = "") {
  AttributeSource from;
  from.kind = AttributeSource::Kind::kHeader;
  from.header = name;
  from.fallback_header = fallback;
  return from;
}

AttributeSource FromValue(std::string value) {
  AttributeSource from;
  from.kind = AttributeSource::Kind::kValue;
  from.value = std::move(value);
  return from;
}

}  // namespace

void ApplySchemeDefaults(std::string_view auth, const std::string& name, EventFields& source) {
  source.ce_source = FromValue("urn:hookbridge:" + name);
  if (auth == "github") {
    source.ce_id = FromHeader("X-GitHub-Delivery");
    source.dedup_id = source.ce_id;
    source.ce_type = FromHeader("X-GitHub-Event");
    source.ce_source = FromValue("https://github.com");
  } else if (auth == "standard-webhooks") {
    // Svix's default headers verify too (src/auth/standard_webhooks.cc),
    // never together with the webhook-* ones.
    source.ce_id = FromHeader("webhook-id", "svix-id");
    source.dedup_id = source.ce_id;
    source.ce_type = FromPointer("/type");
    source.ce_time = FromPointer("/timestamp");
  } else if (auth == "stripe") {
    source.ce_id = FromPointer("/id");
    source.dedup_id = source.ce_id;
    source.ce_type = FromPointer("/type");
    source.ce_time = FromPointer("/created");
    source.ce_source = FromValue("https://stripe.com");
  } else if (auth == "slack") {  // the Events API's event_callback
    source.ce_id = FromPointer("/event_id");
    source.ce_type = FromPointer("/event/type");
    source.ce_time = FromPointer("/event_time");
    source.ce_source = FromValue("https://slack.com");
  } else if (auth == "shopify") {
    source.ce_id = FromHeader("X-Shopify-Webhook-Id");
    source.ce_type = FromHeader("X-Shopify-Topic");
    source.ce_time = FromHeader("X-Shopify-Triggered-At");
    source.ce_source = FromValue("https://shopify.com");
  } else if (auth == "zoom") {  // no event id: the file names one
    source.ce_type = FromPointer("/event");
    source.ce_source = FromValue("https://zoom.us");
  } else if (auth == "twilio") {  // the form's fields: the file names the id (/MessageSid ...)
    // Twilio repeats this header on each retry of one webhook (its
    // "Webhooks connection overrides" page), whatever the product.
    source.dedup_id = FromHeader("I-Twilio-Idempotency-Token");
    source.ce_source = FromValue("https://twilio.com");
  } else if (auth == "meta") {  // a batch of entries, no event id: the file names one
    source.ce_type = FromPointer("/object");
    source.ce_source = FromValue("https://facebook.com");
  }
}

bool ParseJsonPointer(std::string_view text, JsonPointer* pointer) {
  JsonPointer parsed;
  parsed.text = std::string(text);
  if (text.empty()) {
    *pointer = std::move(parsed);
    return true;
  }
  if (text.front() != '/') return false;
  text.remove_prefix(1);
  while (true) {
    const size_t slash = text.find('/');
    std::string_view raw = text.substr(0, slash);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
        continue;
      }
      // RFC 6901: "~" only as "~0" or "~1".
      if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) return false;
      token += raw[i + 1] == '0' ? '~' : '/';
      ++i;
    }
    parsed.tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
  }
  *pointer = std::move(parsed);
  return true;
}

const char* JsonTypeName(JsonType type) {
  switch (type) {
    case JsonType::kString: return "string";
    case JsonType::kInteger: return "integer";
    case JsonType::kNumber: return "number";
    case JsonType::kBoolean: return "boolean";
    case JsonType::kObject: return "object";
    case JsonType::kArray: return "array";
  }
  return "string";
}

std::shared_ptr<const Source> SourceSet::ByPath(std::string_view path) const {
  for (const auto& source : sources) {
    if (source->path == path) return source;
  }
  return nullptr;
}

std::vector<std::string> SourceSet::Topics() const {
  std::vector<std::string> topics;
  auto add = [&topics](const std::string& topic) {
    if (!topic.empty() && std::find(topics.begin(), topics.end(), topic) == topics.end()) {
      topics.push_back(topic);
    }
  };
  for (const auto& source : sources) {
    add(source->topic);
    add(source->dead_letter_topic);
  }
  return topics;
}

std::shared_ptr<const SourceSet> BuiltInSources(const Config& config) {
  auto source = std::make_shared<Source>();
  source->name = "getprofile";
  source->path = config.webhook_path;
  source->auth = SourceAuth::kBearer;
  source->topic = config.kafka_topic;
  source->dead_letter_topic = config.dead_letter_topic;
  source->contract = GetProfileEventContract();
  auto set = std::make_shared<SourceSet>();
  set->sources.push_back(std::move(source));
  return set;
}

}  // namespace hookbridge
