// libFuzzer target: the webhook handler alone (the head fields it reads and the
// body) through the real WebhookHandler with a publisher that persists at
// once, without and with a dead-letter topic, routed to the built-in source
// as the binary routes it (BuiltInSources()). Raw HTTP bytes are fuzzed by
// http_request_fuzzer.
//
// Input layout: up to five header lines, then an empty line, then the body:
//   <Authorization>\n<Content-Type>\n<Content-Encoding>\n<traceparent>\n<tracestate>\n\n<body>
// Invariants: no crash, no sanitizer report; every answer is JSON with a
// known status; a 200 only for an authenticated, well-formed event, whose
// record was published; a record published only for a 200; trace headers on
// a record only when valid; every record names its topic. With a dead-letter
// topic: exactly the refusals of the content (400 invalid_json, 415, 422)
// become 200 dead_lettered, with the body byte for byte on the dead-letter
// topic and the source named; every other answer is the same.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../tests/support/fake_publisher.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/trace_context.h"
#include "hookbridge/core/webhook_event.h"
#include "hookbridge/sources/source.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace {

using namespace hookbridge;

KeyStore& Keys() {
  static KeyStore keys = [] {
    std::string error;
    return KeyStore(*ApiKeys::FromCommaList("fuzz-key-1,fuzz-key-2", &error), "");
  }();
  return keys;
}

void Check(bool condition) {
  if (!condition) std::abort();
}

struct Outcome {
  HttpResponse response;
  std::vector<KafkaRecord> records;
};

Outcome Handle(const RequestHead& head, const std::string& body,
               const std::string& dead_letter_topic) {
  test_support::FakePublisher publisher;
  publisher.AnswerWith(PublishStatus::kPersisted);
  Config config;
  config.dead_letter_topic = dead_letter_topic;
  const std::shared_ptr<const SourceSet> sources = BuiltInSources(config);
  const std::shared_ptr<const Source> source = sources->ByPath(config.webhook_path);
  Check(source != nullptr);
  WebhookHandler handler(Keys(), publisher, WebhookOptions{});

  Outcome outcome;
  if (auto refused = handler.CheckHead(*source, head)) {
    outcome.response = *refused;
  } else {
    int outcomes = 0;  // the publisher answers at once, so the outcome is here on return
    handler.HandleBody(*source, head, body, WebhookHandler::Clock::now(),
                       [&](WebhookResult result) {
                         outcome.response = std::move(result.response);
                         ++outcomes;
                       });
    Check(outcomes == 1);
  }
  outcome.records = publisher.records();

  rapidjson::Document json;
  json.Parse(outcome.response.body.c_str());
  Check(!json.HasParseError() && json.IsObject());
  Check((outcome.response.status == 200) == (outcome.records.size() == 1));
  for (const KafkaRecord& record : outcome.records) {
    Check(record.value == body);
    for (const auto& [name, value] : record.headers) {
      if (name == "traceparent") Check(ParseTraceParent(value) == value);
    }
  }
  return outcome;
}

bool IsContentRefusal(const HttpResponse& response) {
  return response.status == 415 || response.status == 422 ||
         (response.status == 400 && response.error == ErrorCode::kInvalidJson);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t split = input.find("\n\n");
  std::string_view head_text = input.substr(0, split);
  std::string body(split == std::string_view::npos ? "" : input.substr(split + 2));

  RequestHead head;
  std::vector<std::string_view>* fields[] = {&head.authorization, &head.content_type,
                                             &head.content_encoding, &head.traceparent,
                                             &head.tracestate};
  size_t field = 0;
  for (size_t start = 0; start <= head_text.size() && field < 5; ++field) {
    size_t end = std::min(head_text.find('\n', start), head_text.size());
    std::string_view value = head_text.substr(start, end - start);
    if (!value.empty()) fields[field]->push_back(value);
    start = end + 1;
  }
  head.request_id = "fuzz-request";

  Outcome plain = Handle(head, body, "");
  Check(plain.response.status == 200 || plain.response.status == 400 ||
        plain.response.status == 401 || plain.response.status == 413 ||
        plain.response.status == 415 || plain.response.status == 422);
  if (plain.response.status == 200) {
    Check(ParseWebhookEvent(body).error == ParseError::kNone);
    Check(plain.records[0].topic == Config().kafka_topic);  // every record names its topic
  }

  Outcome dead = Handle(head, body, "fuzz.dead");
  if (IsContentRefusal(plain.response)) {
    Check(dead.response.status == 200);
    Check(dead.response.body.find("\"status\":\"dead_lettered\"") != std::string::npos);
    Check(dead.records[0].topic == "fuzz.dead");
    bool names_its_source = false;
    for (const auto& [name, value] : dead.records[0].headers) {
      if (name == "hookbridge_source") names_its_source = value == "getprofile";
    }
    Check(names_its_source);
  } else {
    Check(dead.response.status == plain.response.status);
    Check(dead.response.body == plain.response.body);
    Check(dead.records.size() == plain.records.size());
    if (!dead.records.empty()) Check(dead.records[0].topic == plain.records[0].topic);
  }
  return 0;
}
