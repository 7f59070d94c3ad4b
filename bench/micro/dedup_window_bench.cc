// The deduplication window's share of a webhook, in ns: the key of
// (source, id), and one Begin() plus Finish(PERSISTED) of a new id while the
// window holds many entries (the benchmark's load: every id is new). Same
// binary and main as request_path_bench.cc.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "hookbridge/webhook/dedup_window.h"

namespace hookbridge {
namespace {

// A Standard Webhooks id: about this long.
std::string EventId(uint64_t n) { return "msg_2LJQ9Xvx4sR8pTqVb3NcK7mYhZ" + std::to_string(n); }

void BM_DedupKeyOf(benchmark::State& state) {
  const std::string id = EventId(123456789);
  // The first call draws the process's hash key: not part of a webhook's cost.
  benchmark::DoNotOptimize(DedupWindow::KeyOf("getprofile", id));
  for (auto _ : state) benchmark::DoNotOptimize(DedupWindow::KeyOf("getprofile", id));
}
BENCHMARK(BM_DedupKeyOf);

// state.range(0) entries remembered in steady state: the clock moves 1 ms a
// call and the window is range(0) ms long, so each new id expires one.
void BM_DedupBeginFinish(benchmark::State& state) {
  const auto held = static_cast<uint64_t>(state.range(0));
  DedupWindow::Clock::time_point now{};
  DedupWindow::Options options;
  options.window = std::chrono::milliseconds(held);
  options.max_ids = 1000000;
  options.clock = [&now] { return now; };
  DedupWindow window(options);
  const DedupWindow::MakeWaiter no_wait = [] { return DedupWindow::Waiter(); };
  PublishResult persisted;
  persisted.status = PublishStatus::kPersisted;
  uint64_t n = 0;
  const auto one = [&] {
    now += std::chrono::milliseconds(1);
    const DedupWindow::Key key = *DedupWindow::KeyOf("getprofile", EventId(n++));
    if (window.Begin(key, no_wait) != DedupWindow::Verdict::kFirst) state.SkipWithError("not new");
    window.Finish(key, persisted);
  };
  for (uint64_t i = 0; i < held; ++i) one();  // fill to the steady state
  for (auto _ : state) one();
  state.counters["remembered"] = static_cast<double>(window.remembered());
}
BENCHMARK(BM_DedupBeginFinish)->Arg(1000)->Arg(200000);

}  // namespace
}  // namespace hookbridge
