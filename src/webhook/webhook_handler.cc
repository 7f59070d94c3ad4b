#include "hookbridge/webhook/webhook_handler.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <unordered_map>

#include "hookbridge/auth/signature.h"
#include "hookbridge/core/dead_letter.h"
#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/text.h"
#include "hookbridge/core/trace_context.h"
#include "hookbridge/rules/form_urlencoded.h"
#include "hookbridge/rules/rules.h"
#include "hookbridge/webhook/handshake.h"

namespace hookbridge {
namespace {

std::string_view Unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

bool IsIdentityEncoding(const std::vector<std::string_view>& content_encoding) {
  for (std::string_view header : content_encoding) {
    for (std::string_view coding : Split(header, ',')) {
      coding = Trim(coding);
      if (coding.empty()) continue;  // empty list elements are ignored (RFC 9110 5.6.1.2)
      if (!EqualsIgnoreCase(coding, "identity")) return false;
    }
  }
  return true;
}

// Several header lines as one value (RFC 9110 5.3).
std::string JoinLines(const std::vector<std::string_view>& lines) {
  std::string joined;
  for (std::string_view line : lines) {
    if (!joined.empty()) joined += ", ";
    joined += line;
  }
  return joined;
}

bool IsFormDelivery(const Source& source, const RequestHead& head) {
  return (source.form_payload || source.form_fields) && head.content_type.size() == 1 &&
         IsFormContentType(head.content_type.front());
}

// Twilio's form as the JSON record: one member per field name, in order of
// first appearance, its value a string, or an array of strings when the name
// comes more than once. nullopt if the form is malformed or a name or value
// is not UTF-8 (a JSON string could not hold it).
std::optional<std::string> FormFieldsJson(std::string_view form) {
  std::optional<std::vector<FormField>> fields = ParseFormUrlencoded(form);
  if (!fields) return std::nullopt;
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> members;
  // Each name's place in members: one lookup a field, so a form of many
  // distinct names costs linear time, not quadratic.
  std::unordered_map<std::string_view, size_t> member_of;
  member_of.reserve(fields->size());
  for (const FormField& field : *fields) {
    const auto [place, added] = member_of.try_emplace(field.first, members.size());
    if (added) {
      members.push_back({field.first, {field.second}});
    } else {
      members[place->second].second.push_back(field.second);
    }
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                    rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>
      writer(buffer);
  const auto string = [&writer](std::string_view text) {
    return writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  };
  bool ok = writer.StartObject();
  for (const auto& [name, values] : members) {
    ok = ok && writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    if (values.size() == 1) {
      ok = ok && string(values.front());
      continue;
    }
    ok = ok && writer.StartArray();
    for (std::string_view value : values) ok = ok && string(value);
    ok = ok && writer.EndArray();
  }
  ok = ok && writer.EndObject();
  if (!ok) return std::nullopt;
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The JSON event of a form delivery: its one "payload" field.
std::optional<std::string> FormPayload(std::string_view form) {
  std::optional<std::vector<FormField>> fields = ParseFormUrlencoded(form);
  if (!fields) return std::nullopt;
  std::optional<std::string> payload;
  for (FormField& field : *fields) {
    if (field.first != "payload") continue;
    if (payload) return std::nullopt;  // twice: which one is the event is a guess
    payload = std::move(field.second);
  }
  return payload;
}

std::optional<Refusal> ContentRefusal(const RequestHead& head, bool form_taken = false) {
  if (head.content_type.size() != 1 ||
      !(IsJsonContentType(head.content_type.front()) ||
        (form_taken && IsFormContentType(head.content_type.front())))) {
    return Refusal{ErrorCode::kUnsupportedMediaType,
                   form_taken ? "Content-Type must be application/json (charset utf-8) or "
                                "application/x-www-form-urlencoded"
                              : "Content-Type must be application/json (charset utf-8)"};
  }
  if (!IsIdentityEncoding(head.content_encoding)) {
    return Refusal{ErrorCode::kUnsupportedMediaType,
                   "Content-Encoding is not supported; send the body uncompressed"};
  }
  return std::nullopt;
}

HttpResponse PublishFailure(const PublishResult& result) {
  switch (result.status) {
    case PublishStatus::kQueueFull:
      return ErrorResponse(ErrorCode::kOverloaded, "producer queue is full, retry later");
    case PublishStatus::kRecordTooLarge:
      return ErrorResponse(ErrorCode::kPayloadTooLarge,
                           "event exceeds the Kafka record size limit");
    default:
      return ErrorResponse(ErrorCode::kUnavailable,
                           "event not stored in Kafka (" + result.error + "), retry later");
  }
}

// The answer of a copy: `first` is the outcome of the first copy's record.
WebhookResult CopyResult(std::string source_name, std::string event_id,
                         const PublishResult& first) {
  WebhookResult result;
  result.duplicate = true;
  result.source = std::move(source_name);
  result.delivery = first;
  result.response = first.status == PublishStatus::kPersisted ? DuplicateResponse(event_id)
                                                              : PublishFailure(first);
  result.event_id = std::move(event_id);
  return result;
}

}  // namespace

bool IsJsonContentType(std::string_view content_type) {
  // Walks the ';'-separated parts in place: this runs on every request.
  size_t end = content_type.find(';');
  if (!EqualsIgnoreCase(Trim(content_type.substr(0, end)), "application/json")) return false;
  while (end != std::string_view::npos) {
    const size_t start = end + 1;
    end = content_type.find(';', start);
    std::string_view parameter = Trim(content_type.substr(start, end - start));
    if (parameter.empty()) continue;  // "application/json;" (RFC 9110 5.6.6 allows it)
    size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) return false;
    if (EqualsIgnoreCase(Trim(parameter.substr(0, equals)), "charset") &&
        !EqualsIgnoreCase(Unquote(Trim(parameter.substr(equals + 1))), "utf-8")) {
      return false;
    }
  }
  return true;
}

WebhookHandler::WebhookHandler(const KeyStore& keys, Publisher& publisher, WebhookOptions options)
    : keys_(keys), publisher_(publisher), options_(std::move(options)) {
  if (options_.dedup_max_ids == 0) return;
  DedupWindow::Options window;
  window.window = options_.dedup_window;
  window.max_ids = options_.dedup_max_ids;
  window.clock = options_.dedup_clock;
  window_ = std::make_shared<DedupWindow>(std::move(window));
}

std::optional<HttpResponse> WebhookHandler::CheckHead(const Source& source,
                                                      const RequestHead& head) const {
  // A signature covers the body: nothing is decided before it is read, so
  // an unauthenticated sender learns nothing but the 401.
  if (source.auth == SourceAuth::kSignature) return std::nullopt;
  // Held for the call: a key reload may swap the store's set meanwhile.
  const std::shared_ptr<const ApiKeys> keys =
      source.bearer_keys ? source.bearer_keys : keys_.current();
  switch (Authenticate(head.authorization, *keys)) {
    case AuthResult::kAccepted: break;
    case AuthResult::kMissingCredentials:
      return ErrorResponse(ErrorCode::kUnauthorized,
                           "expected exactly one 'Authorization: Bearer <key>' header");
    case AuthResult::kInvalidKey:
      return ErrorResponse(ErrorCode::kInvalidKey, "the bearer key is not valid");
  }
  if (!source.dead_letter_topic.empty()) return std::nullopt;  // judged with the body
  return CheckContent(head);
}

std::optional<HttpResponse> WebhookHandler::CheckContent(const RequestHead& head) {
  std::optional<Refusal> refusal = ContentRefusal(head);
  if (!refusal) return std::nullopt;
  return ErrorResponse(refusal->code, refusal->message);
}

std::string WebhookHandler::HandleBody(const Source& source, const RequestHead& head,
                                       std::string body, Clock::time_point received, Done done) {
  const HeaderLookup no_headers = [](std::string_view) { return std::vector<std::string_view>(); };
  const HeaderLookup& headers = head.headers ? head.headers : no_headers;
  std::optional<Refusal> refusal;
  std::chrono::system_clock::time_point now;
  if (source.auth == SourceAuth::kSignature) {
    // Over the raw bytes, before any parsing. One message for every failure:
    // the sender is not told which part failed; the metric label is.
    now = std::chrono::system_clock::now();
    switch (VerifySignature(source.signature, headers, body, now, head.query)) {
      case SignatureVerdict::kValid: break;
      case SignatureVerdict::kMissing: refusal = Refusal{ErrorCode::kSignatureMissing, ""}; break;
      case SignatureVerdict::kInvalid: refusal = Refusal{ErrorCode::kSignatureInvalid, ""}; break;
      case SignatureVerdict::kStaleTimestamp:
        refusal = Refusal{ErrorCode::kStaleTimestamp, ""};
        break;
    }
    if (refusal) {
      WebhookResult refused;
      refused.response =
          ErrorResponse(refusal->code, "the request signature could not be verified");
      done(std::move(refused));
      return "";
    }
  }
  // Judged on the head already unless the body had to come first.
  if (!source.dead_letter_topic.empty() || source.auth == SourceAuth::kSignature) {
    refusal = ContentRefusal(head, source.form_payload || source.form_fields);
    if (refusal) {
      Refuse(source, head, headers, std::move(body), received, std::move(*refusal),
             std::move(done));
      return "";
    }
  }
  // A sender's endpoint check, authentic: answered here, nothing produced.
  if (std::optional<HttpResponse> answer = AnswerHandshake(source, headers, body, now)) {
    WebhookResult checked;
    checked.response = std::move(*answer);
    checked.source = source.name;
    checked.handshake = true;
    done(std::move(checked));
    return "";
  }
  // A form delivery's event is its payload field (GitHub) or the object of
  // its fields (Twilio); the form as received is kept for a dead letter,
  // which carries the request's content type.
  std::string form;
  if (IsFormDelivery(source, head)) {
    std::optional<std::string> payload =
        source.form_fields ? FormFieldsJson(body) : FormPayload(body);
    if (!payload) {
      Refuse(source, head, headers, std::move(body), received,
             Refusal{ErrorCode::kInvalidJson,
                     source.form_fields
                         ? "the form body must be form-encoded UTF-8 names and values"
                         : "the form body must hold the JSON event in one 'payload' field"},
             std::move(done));
      return "";
    }
    form = std::move(body);
    body = std::move(*payload);
  }
  ContractResult built = source.contract->BuildRecord(std::move(body), headers);
  if (built.refusal) {
    Refuse(source, head, headers, form.empty() ? std::move(built.record.value) : std::move(form),
           received, std::move(*built.refusal), std::move(done));
    return "";
  }
  built.record.topic = source.topic;
  // So that a consumer can join the request's logs and the sender's trace.
  AppendRequestHeaders(std::string(head.request_id),
                       TraceContextHeaders(head.traceparent, head.tracestate),
                       built.record.headers);
  // Only now: an unauthenticated or refused request never touches the window.
  std::optional<DedupWindow::Key> dedup_key;
  std::optional<DedupWindow::Key> key;
  if (window_ && source.dedup && !built.dedup_id.empty() &&
      built.dedup_id.size() <= kMaxDedupIdBytes) {
    key = DedupWindow::KeyOf(source.name, built.dedup_id);
  }
  if (key) {
    // One reference captured: std::function keeps it in place, where three
    // would cost an allocation on every deduplicated webhook.
    struct Waiting {
      const Source& source;
      const ContractResult& built;
      Done& done;
    } waiting{source, built, done};
    const auto wait = [&waiting]() -> DedupWindow::Waiter {
      return [source_name = waiting.source.name, event_id = waiting.built.event_id,
              done = std::move(waiting.done)](const PublishResult& first) {
        done(CopyResult(source_name, event_id, first));
      };
    };
    switch (window_->Begin(*key, wait)) {
      case DedupWindow::Verdict::kStored: {
        PublishResult stored;
        stored.status = PublishStatus::kPersisted;
        done(CopyResult(source.name, built.event_id, stored));
        return std::move(built.event_id);
      }
      case DedupWindow::Verdict::kWaiting: return std::move(built.event_id);
      case DedupWindow::Verdict::kFirst: dedup_key = key; break;
      case DedupWindow::Verdict::kFull: break;  // published without an entry
    }
  }
  Publish(source, std::move(built.record), built.event_id, received, dedup_key, std::move(done));
  return std::move(built.event_id);  // a member: not moved implicitly
}

void WebhookHandler::Refuse(const Source& source, const RequestHead& head,
                            const HeaderLookup& headers, std::string body,
                            Clock::time_point received, Refusal refusal, Done done) {
  if (!source.dead_letter_topic.empty() && IsDeadLetterRefusal(refusal.code)) {
    DeadLetter(source, head, headers, std::move(body), received, std::move(refusal),
               std::move(done));
    return;
  }
  WebhookResult refused;
  refused.response = ErrorResponse(refusal.code, refusal.message);
  done(std::move(refused));
}

void WebhookHandler::Publish(const Source& source, KafkaRecord record, std::string event_id,
                             Clock::time_point received, std::optional<DedupWindow::Key> dedup_key,
                             Done done) {
  std::shared_ptr<DedupWindow> window = dedup_key ? window_ : nullptr;
  publisher_.Publish(std::move(record),
                     [received, source_name = source.name, event_id = std::move(event_id),
                      window = std::move(window), dedup_key,
                      done = std::move(done)](PublishResult delivery) mutable {
                       // Whether anyone still waits for this answer or not:
                       // a late PERSISTED must be remembered too.
                       if (window) window->Finish(*dedup_key, delivery);
                       WebhookResult result;
                       result.event_id = std::move(event_id);
                       result.delivery = std::move(delivery);
                       result.source = std::move(source_name);
                       if (result.delivery.status == PublishStatus::kPersisted) {
                         result.ack_latency = Clock::now() - received;
                         result.response = AcceptedResponse(result.event_id);
                       } else {
                         result.response = PublishFailure(result.delivery);
                       }
                       done(std::move(result));
                     });
}

void WebhookHandler::DeadLetter(const Source& source, const RequestHead& head,
                                const HeaderLookup& headers, std::string body,
                                Clock::time_point received, Refusal refusal, Done done) {
  const ErrorCode code = refusal.code;
  DeadLetterSource letter;
  letter.refusal = code;
  letter.message = refusal.message;
  letter.source_name = source.name;
  letter.request_id = std::string(head.request_id);
  // The wall-clock time of `received`, a steady-clock time.
  letter.received =
      std::chrono::system_clock::now() -
      std::chrono::duration_cast<std::chrono::system_clock::duration>(Clock::now() - received);
  if (!head.content_type.empty()) letter.content_type = JoinLines(head.content_type);
  if (!head.content_encoding.empty()) letter.content_encoding = JoinLines(head.content_encoding);
  letter.trace_headers = TraceContextHeaders(head.traceparent, head.tracestate);
  letter.body = std::move(body);
  KafkaRecord record = source.contract->BuildDeadLetter(std::move(letter), headers);
  record.topic = source.dead_letter_topic;
  publisher_.Publish(std::move(record),
                     [code, source_name = source.name, message = std::move(refusal.message),
                      done = std::move(done)](PublishResult delivery) mutable {
                       WebhookResult result;
                       result.delivery = std::move(delivery);
                       result.source = std::move(source_name);
                       if (result.delivery.status == PublishStatus::kPersisted) {
                         result.dead_lettered = code;
                         result.response = DeadLetteredResponse(code, message);
                       } else {
                         result.response = PublishFailure(result.delivery);
                       }
                       done(std::move(result));
                     });
}

WebhookResult WebhookHandler::AckDeadlinePassed(std::string event_id) {
  WebhookResult result;
  result.event_id = std::move(event_id);
  result.delivery.error = "ACK_DEADLINE";
  result.response = ErrorResponse(ErrorCode::kUnavailable,
                                  "Kafka did not acknowledge the event in time, retry later");
  return result;
}

}  // namespace hookbridge
