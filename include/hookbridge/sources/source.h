// A webhook source: one sender's path, how its requests are authenticated,
// the topic its events go to, and its event contract: how a record is
// derived from its body (event_contract.h).
//
// Plain data, built once (by the sources file's parser, or BuiltInSources()
// from the settings) and never changed afterwards: a reload builds a new
// SourceSet and swaps it in whole (source_store.h). Shared read-only between
// threads through shared_ptr; a request keeps the snapshot it was routed
// with until its answer. Secrets live here and are never printed.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/auth/signature.h"
#include "hookbridge/core/api_keys.h"
#include "hookbridge/core/config.h"
#include "hookbridge/sources/event_contract.h"

namespace hookbridge {

// An RFC 6901 JSON Pointer: its text as written and its reference tokens
// with ~1 and ~0 decoded. "" (the whole document) has no tokens.
struct JsonPointer {
  std::string text;
  std::vector<std::string> tokens;
};

// Parses `text`; false if it is not a JSON Pointer.
bool ParseJsonPointer(std::string_view text, JsonPointer* pointer);

// The JSON types a required field can be asked to have. An integer (a number
// without fraction or exponent) is also a number.
enum class JsonType { kString, kInteger, kNumber, kBoolean, kObject, kArray };
const char* JsonTypeName(JsonType type);

struct RequiredField {
  JsonPointer pointer;
  JsonType type = JsonType::kString;
};

// Where a CloudEvents attribute comes from: a member of the body, a request
// header, or a fixed value.
struct AttributeSource {
  enum class Kind { kNone, kPointer, kHeader, kValue } kind = Kind::kNone;
  JsonPointer pointer;  // kPointer
  std::string header;   // kHeader: a header name
  // kHeader: read instead when `header` is absent. Only a scheme's default
  // sets it, for the header family its signature verified (svix-id).
  std::string fallback_header;
  std::string value;  // kValue
};

// The settings of the JSON-Pointer contract (json_contract.h): any JSON
// object, with key, required fields and CloudEvents attributes as the
// sources file says (event_fields.h).
struct EventFields {
  // The record key is the first of these present (a non-empty string as is,
  // an integer as its decimal text); none listed: the CloudEvents id.
  std::vector<JsonPointer> key;
  std::vector<RequiredField> required;
  AttributeSource ce_id, ce_type, ce_time, ce_source;
  // The id copies of one webhook share, for edge deduplication (a pointer or
  // a header; kNone: this source's webhooks are not deduplicated).
  AttributeSource dedup_id;
};

enum class SourceAuth { kBearer, kSignature };

struct Source {
  std::string name;  // [a-z0-9_-]{1,64}: a metric label and a log field
  std::string path;  // exact request path
  SourceAuth auth = SourceAuth::kBearer;
  // kBearer: the source's own keys; null means the keys of
  // GETPROFILE_API_KEY / GETPROFILE_API_KEY_FILE (the KeyStore).
  std::shared_ptr<const ApiKeys> bearer_keys;
  SignatureSettings signature;  // kSignature
  // GitHub's form deliveries: an application/x-www-form-urlencoded body is
  // taken too, signed as received, its "payload" field being the event.
  bool form_payload = false;
  // Twilio's form posts and Slack's slash commands: an
  // application/x-www-form-urlencoded body is taken too, signed as received;
  // the record is the JSON object of its fields.
  bool form_fields = false;
  // Meta's GET subscription check: the hub.verify_token values taken
  // (verify_token_file). Empty: a GET on the path is 405.
  std::vector<std::string> verify_tokens;
  std::string topic;
  std::string dead_letter_topic;  // empty: refusals get their 4xx
  // Never null: GetProfileEventContract() or a JsonContract.
  std::shared_ptr<const EventContract> contract;
  // Edge deduplication by the contract's ContractResult::dedup_id
  // (docs/deduplication.md); the sources file's `dedup: false` turns it off.
  bool dedup = true;
};

// Every source in force; paths are unique.
struct SourceSet {
  std::vector<std::shared_ptr<const Source>> sources;

  // nullptr when no source has this path.
  std::shared_ptr<const Source> ByPath(std::string_view path) const;
  // Every topic some source produces to, dead-letter topics included, each once.
  std::vector<std::string> Topics() const;
};

// Where the sender of `auth` ("github", "standard-webhooks", "stripe",
// "slack", "shopify", "zoom", "meta", "twilio"; others have none) puts the event's id,
// type, time and origin, as the CloudEvents attributes of the source `name`,
// and the id its retries repeat, as the deduplication id (docs/sources.md);
// the file may say otherwise after. Every source's ce_source defaults to
// "urn:hookbridge:<name>".
void ApplySchemeDefaults(std::string_view auth, const std::string& name, EventFields& fields);

// The sources without a sources file: one GetProfile source "getprofile" on
// HOOKBRIDGE_WEBHOOK_PATH, bearer keys from the KeyStore, records to
// HOOKBRIDGE_KAFKA_TOPIC, dead letters to HOOKBRIDGE_DEAD_LETTER_TOPIC. The
// one place they are built: the binary, the in-process HTTP tests, the fuzzer
// and the micro-benchmark all route through this list.
std::shared_ptr<const SourceSet> BuiltInSources(const Config& config);

}  // namespace hookbridge
