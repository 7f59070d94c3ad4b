// libFuzzer target: the webhook handler alone (the head fields it reads and the
// body) through the
// real WebhookHandler with a publisher that persists at once. Raw HTTP bytes
// are fuzzed by http_request_fuzzer.
//
// Input layout: up to three header lines, then an empty line, then the body:
//   <Authorization value>\n<Content-Type value>\n<Content-Encoding value>\n\n<body>
// Invariants: no crash, no sanitizer report; every answer is JSON with a
// known status; a 200 only for an authenticated, well-formed event, whose
// record was published; a record published only for a 200.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../tests/support/fake_publisher.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/webhook_event.h"
#include "hookbridge/core/webhook_handler.h"

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t split = input.find("\n\n");
  std::string_view head_text = input.substr(0, split);
  std::string body(split == std::string_view::npos ? "" : input.substr(split + 2));

  RequestHead head;
  std::vector<std::string_view>* fields[] = {&head.authorization, &head.content_type,
                                            &head.content_encoding};
  size_t field = 0;
  for (size_t start = 0; start <= head_text.size() && field < 3; ++field) {
    size_t end = std::min(head_text.find('\n', start), head_text.size());
    std::string_view value = head_text.substr(start, end - start);
    if (!value.empty()) fields[field]->push_back(value);
    start = end + 1;
  }

  static Metrics metrics("fuzz");
  test_support::FakePublisher publisher;
  publisher.AnswerWith(PublishStatus::kPersisted);
  WebhookHandler handler(Keys(), publisher, metrics, WebhookOptions{});

  HttpResponse response;
  if (auto refused = handler.CheckHead(head)) {
    response = *refused;
  } else {
    int outcomes = 0;  // the publisher answers at once, so the outcome is here on return
    handler.HandleBody(head, body, WebhookHandler::Clock::now(), [&](WebhookResult outcome) {
      response = std::move(outcome.response);
      ++outcomes;
    });
    Check(outcomes == 1);
  }

  rapidjson::Document json;
  json.Parse(response.body.c_str());
  Check(!json.HasParseError() && json.IsObject());
  Check(response.status == 200 || response.status == 400 || response.status == 401 ||
        response.status == 413 || response.status == 415 || response.status == 422);
  Check((response.status == 200) == (publisher.records().size() == 1));
  if (response.status == 200) {
    Check(ParseWebhookEvent(body).error == ParseError::kNone);
    Check(publisher.records()[0].value == body);
  }
  return 0;
}
