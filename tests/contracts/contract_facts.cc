// Prints, as one JSON object, what hookbridge's own code answers over HTTP and
// writes to Kafka, for check_contracts.py to hold docs/api/*.yaml against:
//
//   "error_codes": every ErrorCode, as ErrorResponse() makes it and the wire
//                  sends it (status line, headers, body);
//   "answers":     the other answers the routes give (200s, /readyz's 503,
//                  the 405s with their Allow, the 503 to a connection turned
//                  away before its request was read), by name;
//   "records":     for each body given as an argument, the Kafka record the
//                  handler makes of it (key, headers in order) for a request
//                  with the id kExampleRequestId and no trace context, and
//                  the headers for the same request with a trace context
//                  ("traced_headers"); or the parse error;
//   "defaults":    the default webhook path and topic (Config);
//   "dead_letters": with a dead-letter topic configured: "codes", the
//                  ErrorCodes IsDeadLetterRefusal() takes, "reasons", their
//                  RejectionReason(), and "answers", what a WebhookHandler so
//                  configured (its publisher storing every record) answers
//                  one request refused for each reason, as the wire sends it,
//                  and "records", the dead letters it stored (topic, key,
//                  headers in order).
//
// Answers go through WireAnswer() so that headers the wire adds (X-Request-Id)
// are facts too, not assumptions of the checker.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fake_publisher.h"
#include "hookbridge/core/api_keys.h"
#include "hookbridge/core/config.h"
#include "hookbridge/core/dead_letter.h"
#include "hookbridge/core/http_response.h"
#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/core/publisher.h"
#include "hookbridge/core/readiness.h"
#include "hookbridge/core/trace_context.h"
#include "hookbridge/core/webhook_event.h"
#include "hookbridge/http/answer_wire.h"
#include "hookbridge/sources/source.h"
#include "hookbridge/webhook/handshake.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {
namespace {

using JsonWriter = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

// Every ErrorCode by its enumerator's name. No default case: with -Wall
// -Werror (as CI builds) a code added to the enum but not here fails the
// build, so the check can never silently skip a new code.
const char* CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kBadRequest: return "kBadRequest";
    case ErrorCode::kInvalidJson: return "kInvalidJson";
    case ErrorCode::kUnauthorized: return "kUnauthorized";
    case ErrorCode::kInvalidKey: return "kInvalidKey";
    case ErrorCode::kSignatureMissing: return "kSignatureMissing";
    case ErrorCode::kSignatureInvalid: return "kSignatureInvalid";
    case ErrorCode::kForbidden: return "kForbidden";
    case ErrorCode::kStaleTimestamp: return "kStaleTimestamp";
    case ErrorCode::kNotFound: return "kNotFound";
    case ErrorCode::kMethodNotAllowed: return "kMethodNotAllowed";
    case ErrorCode::kRequestTimeout: return "kRequestTimeout";
    case ErrorCode::kLengthRequired: return "kLengthRequired";
    case ErrorCode::kPayloadTooLarge: return "kPayloadTooLarge";
    case ErrorCode::kUriTooLong: return "kUriTooLong";
    case ErrorCode::kUnsupportedMediaType: return "kUnsupportedMediaType";
    case ErrorCode::kInvalidEvent: return "kInvalidEvent";
    case ErrorCode::kHeadersTooLarge: return "kHeadersTooLarge";
    case ErrorCode::kInternalError: return "kInternalError";
    case ErrorCode::kNotImplemented: return "kNotImplemented";
    case ErrorCode::kUnavailable: return "kUnavailable";
    case ErrorCode::kOverloaded: return "kOverloaded";
    case ErrorCode::kVersionNotSupported: return "kVersionNotSupported";
  }
  return nullptr;  // an int past the last enumerator
}

// The answer as the connection loop sends it to a GET or POST request.
std::string Wire(HttpResponse answer) {
  HttpRequest request;
  request.id = "contract-facts-id";
  request.answer = std::move(answer);
  return WireAnswer(request, false, "Thu, 01 Jan 1970 00:00:00 GMT");
}

void String(JsonWriter& out, const std::string& text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void ErrorCodes(JsonWriter& out) {
  out.StartArray();
  // The enum has no explicit values: its codes are 0, 1, ... in order.
  for (int i = 0; CodeName(static_cast<ErrorCode>(i)) != nullptr; ++i) {
    const auto code = static_cast<ErrorCode>(i);
    out.StartObject();
    out.Key("code");
    out.String(CodeName(code));
    out.Key("wire");
    String(out, Wire(ErrorResponse(code, "message")));
    out.EndObject();
  }
  out.EndArray();
}

void Answers(JsonWriter& out) {
  Readiness ready;
  ready.producer = ProducerHealth{true, true, true, false};
  Readiness not_ready;  // every condition failing
  not_ready.producer.fatal_error = true;
  not_ready.draining = true;
  // A meta source with a verify_token_file: Meta's GET subscription check.
  Source meta;
  meta.verify_tokens = {"meta-verify-token"};
  const std::optional<HttpResponse> challenge = AnswerSubscriptionCheck(
      meta, "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meta-verify-token");
  const std::pair<const char*, std::string> answers[] = {
      {"accepted", Wire(AcceptedResponse("evt_1"))},
      // A copy of a webhook already PERSISTED (docs/deduplication.md).
      {"duplicate", Wire(DuplicateResponse("evt_1"))},
      {"alive", Wire(AliveResponse())},
      {"ready", Wire(ReadinessResponse(ready))},
      {"not_ready", Wire(ReadinessResponse(not_ready))},
      {"metrics", Wire(MetricsResponse("# metrics\n"))},
      // What src/http/routes.cc answers a wrong method on each route.
      {"method_not_allowed_post", Wire(MethodNotAllowedResponse("POST"))},
      {"method_not_allowed_get_head", Wire(MethodNotAllowedResponse("GET, HEAD"))},
      // src/http/routes.cc on a source that takes Meta's check: its answer,
      // and a GET with a body (Allow: GET, POST).
      {"subscription_challenge", Wire(challenge.value_or(HttpResponse{}))},
      {"method_not_allowed_get_post", Wire(MethodNotAllowedResponse("GET, POST"))},
      // What src/http/connection_loop.cc's TurnAway sends past max_connections.
      {"turned_away", WireAnswerWithoutRequest(ErrorResponse(ErrorCode::kOverloaded,
                                                             "too many connections, retry later"),
                                               "Thu, 01 Jan 1970 00:00:00 GMT")},
  };
  out.StartObject();
  for (const auto& [name, wire] : answers) {
    out.Key(name);
    String(out, wire);
  }
  out.EndObject();
}

// The request of every record: the id of the document's examples, and a
// trace context from the W3C specification's examples.
constexpr const char* kExampleRequestId = "5f0c9a2e7b1d4c38";
constexpr const char* kTraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr const char* kTraceState = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";

void Headers(JsonWriter& out, const RecordHeaders& headers) {
  out.StartArray();
  for (const auto& [name, value] : headers) {
    out.StartArray();
    String(out, name);
    String(out, value);
    out.EndArray();
  }
  out.EndArray();
}

void Records(JsonWriter& out, int count, char** bodies) {
  out.StartArray();
  for (int i = 0; i < count; ++i) {
    const std::string body = bodies[i];
    out.StartObject();
    out.Key("body");
    String(out, body);
    ParseResult parsed = ParseWebhookEvent(body);
    if (parsed.error != ParseError::kNone) {
      out.Key("parse_error");
      String(out, parsed.message);
    } else {
      KafkaRecord record = BuildKafkaRecord(std::move(parsed.event), body);
      RecordHeaders traced = record.headers;
      AppendRequestHeaders(kExampleRequestId, {}, record.headers);
      AppendRequestHeaders(kExampleRequestId, TraceContextHeaders({kTraceParent}, {kTraceState}),
                           traced);
      out.Key("key");
      String(out, record.key);
      out.Key("headers");
      Headers(out, record.headers);
      out.Key("traced_headers");
      Headers(out, traced);
    }
    out.EndObject();
  }
  out.EndArray();
}

// A request the handler refuses for its content, which a dead-letter topic
// turns into a dead letter.
struct ContentRefusalRequest {
  const char* refused_as;  // the RejectionReason() it provokes
  const char* content_type;
  const char* body;
};

// One request per reason: the checker fails if a reason IsDeadLetterRefusal()
// takes has no request here, so a new one cannot go unnoticed.
constexpr ContentRefusalRequest kContentRefusals[] = {
    // A valid event, with every optional member: the dead letter gets every CloudEvents header.
    {"content_type", "text/plain",
     R"({"id":"evt_1","event":"profile.updated","tenant_id":"abc-tenant",)"
     R"("created_at":"2023-10-01T12:00:00Z","webhook_id":"wh_1","data":{"profile_id":"p1"}})"},
    {"json", "application/json", R"({"id":"evt_1",)"},
    {"schema", "application/json", R"({"id":"evt_1","event":"profile.updated","data":{}})"},
};

void DeadLetters(JsonWriter& out) {
  out.StartObject();
  std::vector<ErrorCode> dead_letter_codes;
  for (int i = 0; CodeName(static_cast<ErrorCode>(i)) != nullptr; ++i) {
    const auto code = static_cast<ErrorCode>(i);
    if (IsDeadLetterRefusal(code)) dead_letter_codes.push_back(code);
  }
  out.Key("codes");
  out.StartArray();
  for (ErrorCode code : dead_letter_codes) out.String(CodeName(code));
  out.EndArray();
  out.Key("reasons");
  out.StartArray();
  for (ErrorCode code : dead_letter_codes) out.String(RejectionReason(code));
  out.EndArray();

  // The handler as main.cc builds it with HOOKBRIDGE_DEAD_LETTER_TOPIC set,
  // and a publisher that stores every record at once: the answers are the
  // handler's own, not a model of them.
  constexpr const char* kKey = "hbk_contract_facts_key";
  std::string error;
  KeyStore keys(*ApiKeys::FromCommaList(kKey, &error), "");
  test_support::FakePublisher publisher;
  publisher.AnswerWith(PublishStatus::kPersisted);
  Config config;
  config.dead_letter_topic = "getprofile.dead-letters";
  const std::shared_ptr<const SourceSet> sources = BuiltInSources(config);
  const Source& source = *sources->ByPath(config.webhook_path);
  WebhookHandler handler(keys, publisher, WebhookOptions{});
  const std::string bearer = std::string("Bearer ") + kKey;
  out.Key("answers");
  out.StartArray();
  for (const ContentRefusalRequest& request : kContentRefusals) {
    RequestHead head;
    head.authorization = {bearer};
    head.content_type = {request.content_type};
    head.request_id = "contract-facts-id";
    head.traceparent = {kTraceParent};
    head.tracestate = {kTraceState};
    std::optional<HttpResponse> answer = handler.CheckHead(source, head);
    if (!answer) {
      handler.HandleBody(source, head, request.body, WebhookHandler::Clock::now(),
                         [&answer](WebhookResult result) { answer = std::move(result.response); });
    }
    out.StartObject();
    out.Key("refused_as");
    out.String(request.refused_as);
    out.Key("wire");
    // The fake publisher answers before HandleBody() returns: null would be
    // a handler that did not answer at once, which the checker reports.
    if (answer) {
      String(out, Wire(std::move(*answer)));
    } else {
      out.Null();
    }
    out.EndObject();
  }
  out.EndArray();
  out.Key("records");
  out.StartArray();
  for (const KafkaRecord& record : publisher.records()) {
    out.StartObject();
    out.Key("topic");
    String(out, record.topic);
    out.Key("key");
    String(out, record.key);
    out.Key("headers");
    Headers(out, record.headers);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
}

}  // namespace
}  // namespace hookbridge

int main(int argc, char** argv) {
  rapidjson::StringBuffer buffer;
  hookbridge::JsonWriter out(buffer);
  out.StartObject();
  out.Key("error_codes");
  hookbridge::ErrorCodes(out);
  out.Key("answers");
  hookbridge::Answers(out);
  out.Key("records");
  hookbridge::Records(out, argc - 1, argv + 1);
  const hookbridge::Config defaults;
  out.Key("defaults");
  out.StartObject();
  out.Key("webhook_path");
  hookbridge::String(out, defaults.webhook_path);
  out.Key("kafka_topic");
  hookbridge::String(out, defaults.kafka_topic);
  out.EndObject();
  out.Key("dead_letters");
  hookbridge::DeadLetters(out);
  out.EndObject();
  std::puts(buffer.GetString());
  return 0;
}
