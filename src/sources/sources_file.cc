#include "hookbridge/sources/sources_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "hookbridge/core/cloudevent_attributes.h"
#include "hookbridge/core/text.h"
#include "hookbridge/rules/rules.h"
#include "hookbridge/sources/getprofile_contract.h"
#include "hookbridge/sources/json_contract.h"

namespace hookbridge {
namespace {

constexpr size_t kMaxNameBytes = 64;
constexpr long long kMaxToleranceSeconds = 24 * 3600;

// Thrown inside this file only, caught by ParseSourcesText: the first error
// stops the parse, and it already names the source and field.
struct FieldError {
  std::string message;
};

[[noreturn]] void Fail(const std::string& field, const std::string& problem) {
  throw FieldError{field + ": " + problem};
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// The map's keys must all be among `allowed`, each once: a typo must not pass.
void CheckKeys(const YAML::Node& map, const std::string& where,
               std::initializer_list<const char*> allowed) {
  std::set<std::string> seen;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar())
      Fail(where.empty() ? "(top level)" : where, "keys must be plain names");
    const std::string key = entry.first.Scalar();
    const std::string field = where.empty() ? key : where + "." + key;
    if (std::find_if(allowed.begin(), allowed.end(), [&key](const char* a) { return key == a; }) ==
        allowed.end()) {
      Fail(field, "unknown field");
    }
    if (!seen.insert(key).second) Fail(field, "given twice");
  }
}

std::string Text(const YAML::Node& node, const std::string& field) {
  if (!node.IsScalar()) Fail(field, "must be a text value");
  return node.Scalar();
}

std::string RequiredText(const YAML::Node& map, const char* key, const std::string& field) {
  const YAML::Node node = map[key];
  if (!node) Fail(field, "required");
  std::string text = Text(node, field);
  if (text.empty()) Fail(field, "must not be empty");
  return text;
}

JsonPointer Pointer(const YAML::Node& node, const std::string& field) {
  const std::string text = Text(node, field);
  JsonPointer pointer;
  if (text.empty() || !ParseJsonPointer(text, &pointer)) {
    Fail(field, Quoted(text) + " is not a JSON Pointer (e.g. \"/data/id\")");
  }
  return pointer;
}

void CheckTopic(const std::string& topic, const std::string& field) {
  if (!IsTopicName(topic)) {
    Fail(field, Quoted(topic) + " is not a Kafka topic name (" + std::string(kTopicNameRule) + ")");
  }
}

void CheckName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= kMaxNameBytes;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
  if (!ok) Fail("name", Quoted(name) + " must be 1 to 64 of a-z, 0-9, '_', '-'");
}

void CheckPath(const std::string& path) {
  if (std::string problem = WebhookPathProblem(path); !problem.empty()) {
    // An overlong path is not quoted back: the message would drown in it.
    Fail("path", (path.size() > kMaxWebhookPathBytes ? "the path" : Quoted(path)) + " " + problem);
  }
}

// One secret per line, blank lines ignored; never quoted back in an error.
// No comments: a signing secret may start with '#', and a rotation that
// silently dropped the new secret would refuse every webhook signed with it.
std::vector<std::string> ReadSecrets(const std::string& path, const std::string& field) {
  std::ifstream file(path, std::ios::binary);
  if (!file) Fail(field, "cannot read " + Quoted(path));
  std::stringstream contents;
  contents << file.rdbuf();
  const std::string text = contents.str();  // Split() gives views into it
  std::vector<std::string> secrets;
  for (std::string_view line : Split(text, '\n')) {
    line = Trim(line);
    if (line.empty()) continue;
    secrets.emplace_back(line);
  }
  if (secrets.empty()) Fail(field, Quoted(path) + " holds no secret");
  return secrets;
}

AttributeSource Attribute(const YAML::Node& node, const std::string& field) {
  if (!node.IsMap() || node.size() != 1)
    Fail(field, "must be one of {pointer: ...}, {header: ...}, {value: ...}");
  CheckKeys(node, field, {"pointer", "header", "value"});
  AttributeSource from;
  if (node["pointer"]) {
    from.kind = AttributeSource::Kind::kPointer;
    from.pointer = Pointer(node["pointer"], field + ".pointer");
  } else if (node["header"]) {
    from.kind = AttributeSource::Kind::kHeader;
    from.header = Text(node["header"], field + ".header");
    if (from.header.empty()) Fail(field + ".header", "must not be empty");
  } else {
    from.kind = AttributeSource::Kind::kValue;
    from.value = Text(node["value"], field + ".value");
    if (from.value.empty()) Fail(field + ".value", "must not be empty");
  }
  return from;
}

// The signed values of `auth`, in the order the error message lists them.
struct SignedAuth {
  const char* name;
  SignatureScheme scheme;
  bool timestamped;  // tolerance_seconds applies
};
constexpr SignedAuth kSignedAuths[] = {
    {"standard-webhooks", SignatureScheme::kStandardWebhooks, true},
    {"github", SignatureScheme::kGitHub, false},
    {"stripe", SignatureScheme::kStripe, true},
    {"hmac-sha256", SignatureScheme::kHmacSha256, false},
    {"slack", SignatureScheme::kSlack, true},
    {"zoom", SignatureScheme::kZoom, true},
    {"shopify", SignatureScheme::kShopify, false},
    {"meta", SignatureScheme::kMeta, false},
    {"twilio", SignatureScheme::kTwilio, false},
};

void ReadAuth(const YAML::Node& node, const std::string& auth, const SourcesDefaults& defaults,
              Source& source, std::vector<std::string>& secrets_files) {
  const bool bearer = auth == "bearer";
  bool timestamped = false;
  if (bearer) {
    source.auth = SourceAuth::kBearer;
  } else {
    source.auth = SourceAuth::kSignature;
    const SignedAuth* known = nullptr;
    for (const SignedAuth& candidate : kSignedAuths) {
      if (auth == candidate.name) known = &candidate;
    }
    if (known == nullptr) {
      std::string names = "bearer";
      for (const SignedAuth& candidate : kSignedAuths) names += std::string(", ") + candidate.name;
      Fail("auth", Quoted(auth) + " is not one of " + names);
    }
    source.signature.scheme = known->scheme;
    timestamped = known->timestamped;
    // GitHub's default content type is a form with the JSON in "payload".
    source.form_payload = known->scheme == SignatureScheme::kGitHub;
    // Twilio posts forms, and so do Slack's slash commands: the record is
    // the JSON object of the fields.
    source.form_fields =
        known->scheme == SignatureScheme::kTwilio || known->scheme == SignatureScheme::kSlack;
  }
  if (node["public_url"]) {
    if (auth != "twilio") Fail("public_url", "only for twilio");
    source.signature.public_url = RequiredText(node, "public_url", "public_url");
    const std::string problem = TwilioPublicUrlProblem(source.signature.public_url);
    if (!problem.empty()) Fail("public_url", problem);
  } else if (auth == "twilio") {
    Fail("public_url", "required for twilio: the URL Twilio was given, which its signature covers");
  }
  if (node["tolerance_seconds"]) {
    if (!timestamped) {
      std::string names;
      for (const SignedAuth& candidate : kSignedAuths) {
        if (candidate.timestamped)
          names += (names.empty() ? "" : ", ") + std::string(candidate.name);
      }
      Fail("tolerance_seconds", "only for " + names);
    }
    long long seconds = 0;
    if (!YAML::convert<long long>::decode(node["tolerance_seconds"], seconds) || seconds < 1 ||
        seconds > kMaxToleranceSeconds) {
      Fail("tolerance_seconds", "must be a whole number of seconds from 1 to 86400");
    }
    source.signature.tolerance = std::chrono::seconds(seconds);
  }
  if (node["signature"]) {
    if (auth != "hmac-sha256") Fail("signature", "only for hmac-sha256");
    const YAML::Node format = node["signature"];
    if (!format.IsMap()) Fail("signature", "must be a map with header, encoding, prefix");
    CheckKeys(format, "signature", {"header", "encoding", "prefix"});
    source.signature.hmac.header = RequiredText(format, "header", "signature.header");
    if (format["encoding"]) {
      const std::string encoding = Text(format["encoding"], "signature.encoding");
      if (encoding == "hex") {
        source.signature.hmac.encoding = HmacFormat::Encoding::kHex;
      } else if (encoding == "base64") {
        source.signature.hmac.encoding = HmacFormat::Encoding::kBase64;
      } else {
        Fail("signature.encoding", Quoted(encoding) + " is not hex or base64");
      }
    }
    if (format["prefix"]) source.signature.hmac.prefix = Text(format["prefix"], "signature.prefix");
  } else if (auth == "hmac-sha256") {
    Fail("signature", "required for hmac-sha256 (at least its header)");
  }

  if (node["verify_token_file"]) {
    if (auth != "meta") Fail("verify_token_file", "only for meta");
    const std::string file = RequiredText(node, "verify_token_file", "verify_token_file");
    secrets_files.push_back(file);
    source.verify_tokens = ReadSecrets(file, "verify_token_file");
  }

  if (!node["secrets_file"]) {
    if (!bearer) Fail("secrets_file", "required");
    if (!defaults.bearer_keys_configured) {
      Fail("secrets_file", "required (GETPROFILE_API_KEY and GETPROFILE_API_KEY_FILE are not set)");
    }
    return;  // the KeyStore's keys
  }
  const std::string file = RequiredText(node, "secrets_file", "secrets_file");
  secrets_files.push_back(file);
  if (bearer) {
    std::string error;
    std::optional<ApiKeys> keys = ApiKeys::FromFile(file, &error);
    if (!keys) Fail("secrets_file", error);
    source.bearer_keys = std::make_shared<const ApiKeys>(std::move(*keys));
    return;
  }
  source.signature.secrets = ReadSecrets(file, "secrets_file");
  const std::string problem = CheckSignatureSettings(source.signature);
  if (!problem.empty()) Fail("secrets_file", Quoted(file) + ": " + problem);
}

// `dedup`: false (not deduplicated), true (the default id), or where the id
// is: {header: NAME} or {pointer: /json/pointer}.
void ReadDedup(const YAML::Node& node, Source& source, EventFields& fields) {
  constexpr const char* kForms = "must be false, true, {header: NAME} or {pointer: /json/pointer}";
  if (node.IsScalar()) {
    bool on = true;
    if (!YAML::convert<bool>::decode(node, on)) Fail("dedup", kForms);
    source.dedup = on;
    return;
  }
  if (!node.IsMap() || node.size() != 1 || node["value"]) Fail("dedup", kForms);
  fields.dedup_id = Attribute(node, "dedup");
}

// `source` holds the auth scheme's defaults (ApplySchemeDefaults).
std::shared_ptr<const EventContract> ReadEvent(const YAML::Node& node, EventFields source) {
  const std::string event = node["event"] ? Text(node["event"], "event") : "json";
  if (event == "getprofile") {
    for (const char* field : {"key", "required", "cloudevents"}) {
      if (node[field]) Fail(field, "not with event: getprofile (its contract fixes it)");
    }
    if (node["dedup"] && node["dedup"].IsMap())
      Fail("dedup", "only true or false with event: getprofile (the event id is the id)");
    return GetProfileEventContract();
  }
  if (event != "json") Fail("event", Quoted(event) + " is not json or getprofile");
  if (const YAML::Node key = node["key"]) {
    if (!key.IsSequence() || key.size() == 0) Fail("key", "must be a list of JSON Pointers");
    for (const auto& pointer : key) source.key.push_back(Pointer(pointer, "key"));
  }
  if (const YAML::Node required = node["required"]) {
    if (!required.IsMap()) Fail("required", "must map JSON Pointers to types");
    for (const auto& entry : required) {
      RequiredField field;
      field.pointer = Pointer(entry.first, "required");
      const std::string where = "required." + field.pointer.text;
      const std::string type = Text(entry.second, where);
      bool known = false;
      for (JsonType candidate : {JsonType::kString, JsonType::kInteger, JsonType::kNumber,
                                 JsonType::kBoolean, JsonType::kObject, JsonType::kArray}) {
        if (type == JsonTypeName(candidate)) {
          field.type = candidate;
          known = true;
        }
      }
      if (!known)
        Fail(where, Quoted(type) + " is not string, integer, number, boolean, object or array");
      source.required.push_back(std::move(field));
    }
  }
  if (const YAML::Node cloudevents = node["cloudevents"]) {
    if (!cloudevents.IsMap()) Fail("cloudevents", "must be a map of id, type, time, source");
    CheckKeys(cloudevents, "cloudevents", {"id", "type", "time", "source"});
    if (cloudevents["id"]) source.ce_id = Attribute(cloudevents["id"], "cloudevents.id");
    if (cloudevents["type"]) source.ce_type = Attribute(cloudevents["type"], "cloudevents.type");
    if (cloudevents["time"]) source.ce_time = Attribute(cloudevents["time"], "cloudevents.time");
    if (cloudevents["source"])
      source.ce_source = Attribute(cloudevents["source"], "cloudevents.source");
    // A fixed value goes into every record: it must be a valid value of its attribute.
    const auto fixed = [](const AttributeSource& from) {
      return from.kind == AttributeSource::Kind::kValue;
    };
    constexpr const char* kNotAString =
        "must not contain control characters or Unicode noncharacters";
    if (fixed(source.ce_id) && !IsCloudEventString(source.ce_id.value))
      Fail("cloudevents.id.value", kNotAString);
    if (fixed(source.ce_type) && !IsCloudEventString(source.ce_type.value))
      Fail("cloudevents.type.value", kNotAString);
    if (fixed(source.ce_source) && !IsCloudEventUriReference(source.ce_source.value)) {
      Fail("cloudevents.source.value",
           "must be a URI-reference (RFC 3986), e.g. https://example.com");
    }
    if (fixed(source.ce_time) && !CloudEventTime(source.ce_time.value)) {
      Fail("cloudevents.time.value", "must be an RFC 3339 time, e.g. 2023-10-01T12:00:00Z");
    }
  }
  if (source.ce_id.kind == AttributeSource::Kind::kNone)
    Fail("cloudevents.id", "required for this auth");
  // No id of the sender's own: the CloudEvents id, unless it is a fixed value
  // (every webhook would be a copy of the first).
  if (source.dedup_id.kind == AttributeSource::Kind::kNone &&
      source.ce_id.kind != AttributeSource::Kind::kValue) {
    source.dedup_id = source.ce_id;
  }
  if (source.ce_type.kind == AttributeSource::Kind::kNone)
    Fail("cloudevents.type", "required for this auth");
  return std::make_shared<JsonContract>(std::move(source));
}

std::shared_ptr<const Source> ReadSource(const YAML::Node& node, const SourcesDefaults& defaults,
                                         std::vector<std::string>& secrets_files) {
  auto source = std::make_shared<Source>();
  CheckKeys(node, "",
            {"name", "path", "auth", "secrets_file", "tolerance_seconds", "signature",
             "verify_token_file", "public_url", "topic", "dead_letter_topic", "event", "key",
             "required", "cloudevents", "dedup"});
  source->name = RequiredText(node, "name", "name");
  CheckName(source->name);
  source->path = RequiredText(node, "path", "path");
  CheckPath(source->path);
  const std::string auth = RequiredText(node, "auth", "auth");
  source->topic = RequiredText(node, "topic", "topic");
  CheckTopic(source->topic, "topic");
  source->dead_letter_topic = defaults.dead_letter_topic;
  if (node["dead_letter_topic"]) {
    source->dead_letter_topic = RequiredText(node, "dead_letter_topic", "dead_letter_topic");
    CheckTopic(source->dead_letter_topic, "dead_letter_topic");
  }
  if (source->dead_letter_topic == source->topic)
    Fail("dead_letter_topic", "must differ from topic");
  EventFields fields;
  ApplySchemeDefaults(auth, source->name, fields);
  if (node["dedup"]) ReadDedup(node["dedup"], *source, fields);
  ReadAuth(node, auth, defaults, *source, secrets_files);
  const bool timestamped = source->signature.scheme == SignatureScheme::kStandardWebhooks ||
                           source->signature.scheme == SignatureScheme::kStripe;
  if (source->auth == SourceAuth::kSignature && timestamped && source->dedup &&
      defaults.dedup_window.count() > 0 && source->signature.tolerance > defaults.dedup_window) {
    Fail("tolerance_seconds",
         std::to_string(source->signature.tolerance.count()) +
             " s is longer than HOOKBRIDGE_DEDUP_WINDOW_S (" +
             std::to_string(defaults.dedup_window.count()) +
             " s): a copy replayed within the tolerance would be stored twice; raise "
             "HOOKBRIDGE_DEDUP_WINDOW_S, lower tolerance_seconds, or set dedup: false");
  }
  source->contract = ReadEvent(node, std::move(fields));
  return source;
}

}  // namespace

SourcesFileResult ParseSourcesText(std::string_view text, const std::string& path,
                                   const SourcesDefaults& defaults) {
  SourcesFileResult result;
  const std::string prefix = "sources file " + path + ": ";
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    result.error = prefix + "line " + std::to_string(e.mark.line + 1) + ", column " +
                   std::to_string(e.mark.column + 1) + ": " + e.msg;
    return result;
  }
  auto set = std::make_shared<SourceSet>();
  std::string where;  // the source being read, for the message
  try {
    if (!root.IsMap()) Fail("(top level)", "must be a map with a 'sources' list");
    CheckKeys(root, "", {"sources"});
    const YAML::Node list = root["sources"];
    if (!list || !list.IsSequence() || list.size() == 0)
      Fail("sources", "must be a non-empty list");
    for (size_t i = 0; i < list.size(); ++i) {
      const YAML::Node node = list[i];
      where = "source #" + std::to_string(i + 1) + ": ";
      if (!node.IsMap()) Fail("(entry)", "must be a map");
      if (node["name"] && node["name"].IsScalar())
        where = "source " + Quoted(node["name"].Scalar()) + ": ";
      std::shared_ptr<const Source> source = ReadSource(node, defaults, result.secrets_files);
      for (const auto& other : set->sources) {
        if (other->name == source->name) Fail("name", "another source has this name");
        if (other->path == source->path)
          Fail("path", Quoted(source->path) + " is taken by source " + Quoted(other->name));
      }
      set->sources.push_back(std::move(source));
    }
  } catch (const FieldError& error) {
    result.error = prefix + where + error.message;
    result.secrets_files.clear();
    return result;
  } catch (const YAML::Exception& e) {
    result.error = prefix + where + e.msg;
    result.secrets_files.clear();
    return result;
  }
  result.sources = std::move(set);
  return result;
}

SourcesFileResult LoadSourcesFile(const std::string& path, const SourcesDefaults& defaults) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    SourcesFileResult result;
    result.error = "sources file " + path + ": cannot be read";
    return result;
  }
  std::stringstream contents;
  contents << file.rdbuf();
  return ParseSourcesText(contents.str(), path, defaults);
}

}  // namespace hookbridge
