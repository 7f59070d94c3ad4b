// The request-handling path without I/O, in ns per request: everything
// WebhookHandler does between the HTTP adapter and the Publisher
// (authenticate, check the head, parse the body, build the Kafka record,
// build the answer), and each of those parts alone so the profile is visible.
//
// The Publisher completes every record at once and hands its body back, so
// one body buffer is reused by every iteration: the loop measures the
// handler, not the allocation and copy that reading a body off a socket costs
// (that belongs to the HTTP adapter). A copy of the body anywhere in the
// handler therefore shows up as a 64 KB-sized cost.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/core/api_keys.h"
#include "hookbridge/core/http_response.h"
#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/publisher.h"
#include "hookbridge/core/webhook_event.h"
#include "hookbridge/sources/source.h"
#include "hookbridge/webhook/webhook_handler.h"

// Every heap allocation, from libstdc++ and RapidJSON alike, is counted by
// wrapping glibc's malloc family, so each benchmark can report allocations
// per iteration. Left out under sanitizers, which wrap malloc themselves.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HOOKBRIDGE_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define HOOKBRIDGE_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef HOOKBRIDGE_COUNT_ALLOCATIONS
#define HOOKBRIDGE_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

#if HOOKBRIDGE_COUNT_ALLOCATIONS
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* pointer, size_t size);

void* malloc(size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, size_t size) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(pointer, size);
}
}  // extern "C"
#endif

namespace hookbridge {
namespace {

constexpr int64_t kSmallBody = 1024;
constexpr int64_t kLargeBody = 64 * 1024;

// Three keys configured (a rotation in progress plus a spare), and the one
// presented is checked last: the slowest case for a scan that could stop
// early, and the same cost as any other for one that cannot.
constexpr const char* kConfiguredKeys =
    "hbk_live_4fQ9zT2xLw8pR6vN1aB3cD5eF7gH9,"
    "hbk_live_7mK3sJ1yHc5dB0eW2iJ4kL6mN8oP0,"
    "hbk_live_9qR2tU4vW6xY8zA1bC3dE5fG7hI9j";
constexpr const char* kAuthorization = "Bearer hbk_live_9qR2tU4vW6xY8zA1bC3dE5fG7hI9j";
constexpr const char* kUnknownKeyAuthorization = "Bearer hbk_live_0zY9xW8vU7tS6rQ5pO4nM3lK2jI1h";

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "request_path_bench: %s\n", why.c_str());
  std::abort();
}

ApiKeys ConfiguredKeys() {
  std::string error;
  std::optional<ApiKeys> keys = ApiKeys::FromCommaList(kConfiguredKeys, &error);
  if (!keys) Die(error);
  return *keys;
}

// A profile.updated event of exactly `size` bytes, shaped like a real one: a
// nested data object of strings and numbers (a profile with many traits).
std::string ProfileUpdatedBody(size_t size) {
  std::string body =
      R"({"id":"evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y","event":"profile.updated",)"
      R"("created_at":"2024-10-08T14:30:00.123Z","tenant_id":"tenant_acme",)"
      R"("webhook_id":"wh_7f3a9c","data":{"profile_id":"prof_12345","status":"ready",)"
      R"("email":"jane.doe@example.com","name":{"first":"Jane","last":"Doe"},)"
      R"("locale":"en-GB","score":87.5,"visits":1423,"traits":{)";
  const std::string tail = R"(},"note":")";
  const std::string end = R"("}})";
  for (int trait = 0;; ++trait) {
    std::string entry = std::string(trait == 0 ? "" : ",") + R"("trait_)" + std::to_string(trait) +
                        R"(":{"label":"Prefers evening deliveries","confidence":0.87,)"
                        R"("updated":1728397800,"sources":["crm","web"]})";
    if (body.size() + entry.size() + tail.size() + end.size() > size) break;
    body += entry;
  }
  body += tail;
  if (body.size() + end.size() > size) Die("body size too small for the event");
  body.append(size - body.size() - end.size(), 'x');  // the note pads to the exact size
  body += end;
  ParseResult parsed = ParseWebhookEvent(body);
  if (parsed.error != ParseError::kNone) Die("generated body does not parse: " + parsed.message);
  return body;
}

// Reports heap allocations per iteration (malloc, calloc and realloc calls)
// for the loop `state` ran since `before` was read.
void ReportAllocations(benchmark::State& state, uint64_t before) {
  if (!HOOKBRIDGE_COUNT_ALLOCATIONS) return;
  const uint64_t made = g_allocations.load(std::memory_order_relaxed) - before;
  state.counters["allocs"] =
      benchmark::Counter(static_cast<double>(made), benchmark::Counter::kAvgIterations);
}

RequestHead GoodHead() {
  RequestHead head;
  head.authorization = {kAuthorization};
  head.content_type = {"application/json"};
  return head;
}

// Completes every record at once as PERSISTED: no network, no threads. The
// record's value goes back into *body, ready for the next iteration.
class InstantPublisher final : public Publisher {
 public:
  explicit InstantPublisher(std::string* body) : body_(body) {}

  void Publish(KafkaRecord record, Done done) override {
    *body_ = std::move(record.value);
    done(PublishResult{PublishStatus::kPersisted, "", 3, 42});
  }

 private:
  std::string* body_;
};

// The source the binary routes a webhook to without a sources file, with the
// default settings.
std::shared_ptr<const Source> BuiltInSource() {
  const Config defaults;
  std::shared_ptr<const Source> source = BuiltInSources(defaults)->ByPath(defaults.webhook_path);
  if (!source) Die("no built-in source on " + defaults.webhook_path);
  return source;
}

void BM_RequestPath(benchmark::State& state) {
  const std::string original = ProfileUpdatedBody(static_cast<size_t>(state.range(0)));
  std::string body = original;
  KeyStore keys(ConfiguredKeys(), "");
  InstantPublisher publisher(&body);
  WebhookHandler handler(keys, publisher, WebhookOptions{});
  const std::shared_ptr<const Source> source = BuiltInSource();
  const RequestHead head = GoodHead();

  // One request outside the loop: the benchmark must measure a 200.
  if (handler.CheckHead(*source, head)) Die("head refused");
  WebhookResult first;
  handler.HandleBody(*source, head, std::move(body), WebhookHandler::Clock::now(),
                     [&first](WebhookResult outcome) { first = std::move(outcome); });
  if (first.response.status != 200) Die("answered " + first.response.body);
  if (body != original) Die("the body did not reach the publisher unchanged");

  // Each iteration a new event id (its last 8 characters a counter, in
  // place): the same id again would be a duplicate, answered without
  // publishing, and the deduplication window's cost is part of the path.
  const size_t id_end = original.find(R"(","event")");
  if (id_end == std::string::npos || id_end < 8) Die("no event id in the body");
  uint32_t counter = 0;
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    ++counter;
    for (size_t digit = 0; digit < 8; ++digit) {
      body[id_end - 1 - digit] = "0123456789ABCDEF"[(counter >> (4 * digit)) & 0xF];
    }
    std::optional<HttpResponse> refused = handler.CheckHead(*source, head);
    benchmark::DoNotOptimize(refused);
    WebhookResult result;
    handler.HandleBody(*source, head, std::move(body), WebhookHandler::Clock::now(),
                       [&result](WebhookResult outcome) { result = std::move(outcome); });
    benchmark::DoNotOptimize(result);
  }
  ReportAllocations(state, allocations_before);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RequestPath)->Arg(kSmallBody)->Arg(kLargeBody);

void BM_Authenticate(benchmark::State& state) {
  const ApiKeys keys = ConfiguredKeys();
  const std::vector<std::string_view> authorization = {kAuthorization};
  if (Authenticate(authorization, keys) != AuthResult::kAccepted) Die("key not accepted");
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) benchmark::DoNotOptimize(Authenticate(authorization, keys));
  ReportAllocations(state, allocations_before);
}
BENCHMARK(BM_Authenticate);

// Must cost the same as BM_Authenticate: the comparison never stops early.
void BM_AuthenticateUnknownKey(benchmark::State& state) {
  const ApiKeys keys = ConfiguredKeys();
  const std::vector<std::string_view> authorization = {kUnknownKeyAuthorization};
  if (Authenticate(authorization, keys) != AuthResult::kInvalidKey) Die("unknown key accepted");
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) benchmark::DoNotOptimize(Authenticate(authorization, keys));
  ReportAllocations(state, allocations_before);
}
BENCHMARK(BM_AuthenticateUnknownKey);

// Authentication plus the key-store snapshot, Content-Type and
// Content-Encoding checks.
void BM_CheckHead(benchmark::State& state) {
  std::string unused;
  KeyStore keys(ConfiguredKeys(), "");
  InstantPublisher publisher(&unused);
  WebhookHandler handler(keys, publisher, WebhookOptions{});
  const std::shared_ptr<const Source> source = BuiltInSource();
  const RequestHead head = GoodHead();
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) benchmark::DoNotOptimize(handler.CheckHead(*source, head));
  ReportAllocations(state, allocations_before);
}
BENCHMARK(BM_CheckHead);

void BM_ParseWebhookEvent(benchmark::State& state) {
  const std::string body = ProfileUpdatedBody(static_cast<size_t>(state.range(0)));
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) benchmark::DoNotOptimize(ParseWebhookEvent(body));
  ReportAllocations(state, allocations_before);
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ParseWebhookEvent)->Arg(kSmallBody)->Arg(kLargeBody);

// The same cost at both sizes means the body is moved into the record, not
// copied. The handler moves its event into the record too: copies made in
// batches, outside the timed loop, stand in for freshly parsed events.
void BM_BuildKafkaRecord(benchmark::State& state) {
  std::string body = ProfileUpdatedBody(static_cast<size_t>(state.range(0)));
  const WebhookEvent parsed = ParseWebhookEvent(body).event;
  constexpr size_t kBatch = 1024;
  std::vector<WebhookEvent> events;
  size_t next = kBatch;
  uint64_t untimed_allocations = 0;
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) {
    if (next == kBatch) {
      state.PauseTiming();
      const uint64_t refill_before = g_allocations.load(std::memory_order_relaxed);
      events.assign(kBatch, parsed);
      untimed_allocations += g_allocations.load(std::memory_order_relaxed) - refill_before;
      next = 0;
      state.ResumeTiming();
    }
    KafkaRecord record = BuildKafkaRecord(std::move(events[next++]), std::move(body));
    benchmark::DoNotOptimize(record);
    body = std::move(record.value);
  }
  ReportAllocations(state, allocations_before + untimed_allocations);
}
BENCHMARK(BM_BuildKafkaRecord)->Arg(kSmallBody)->Arg(kLargeBody);

void BM_AcceptedResponse(benchmark::State& state) {
  const std::string event_id = "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y";
  const uint64_t allocations_before = g_allocations.load(std::memory_order_relaxed);
  for (auto _ : state) benchmark::DoNotOptimize(AcceptedResponse(event_id));
  ReportAllocations(state, allocations_before);
}
BENCHMARK(BM_AcceptedResponse);

}  // namespace
}  // namespace hookbridge

BENCHMARK_MAIN();
