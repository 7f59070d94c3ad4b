// The request-head parser on a typical webhook POST, in ns per head: it runs
// for every request before any handler, over every byte of the head (the
// token rule on the method and each field name, the white-space trim on each
// value). Same binary and main as request_path_bench.cc.
#include <benchmark/benchmark.h>

#include <string>

#include "hookbridge/http/request_head.h"

namespace hookbridge {
namespace {

// What a webhook sender behind a proxy sends: a dozen fields, some long.
const std::string kWebhookHead =
    "POST /webhooks/getprofile HTTP/1.1\r\n"
    "Host: hooks.example.com\r\n"
    "User-Agent: GetProfile-Webhooks/2.3 (+https://getprofile-ai.com)\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Content-Length: 1024\r\n"
    "Authorization: Bearer hbk_live_4fQ9zT2xLw8pR6vN\r\n"
    "Accept: */*\r\n"
    "Accept-Encoding: gzip, deflate\r\n"
    "X-Request-Id: 3f2b8c1e-6d4a-4b7e-9a1f-0c5d2e8b7a61\r\n"
    "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\n"
    "X-Forwarded-For: 203.0.113.7, 198.51.100.23\r\n"
    "X-Forwarded-Proto: https\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

void BM_ParseRequestHead(benchmark::State& state) {
  RequestHeadParser parser{HeadLimits{}};
  HttpRequestHead head;
  for (auto _ : state) {
    parser.Reset();
    head = HttpRequestHead{};
    if (parser.Feed(kWebhookHead, &head) != RequestHeadParser::State::kComplete) {
      state.SkipWithError("the head was not accepted");
      break;
    }
    benchmark::DoNotOptimize(head.fields.data());
  }
}
BENCHMARK(BM_ParseRequestHead);

}  // namespace
}  // namespace hookbridge
