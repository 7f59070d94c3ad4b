// hookbridge's Prometheus metrics, rendered in the text exposition format
// (version 0.0.4): base units, `_total` counters, `_seconds` histograms.
// Each family is one row of a table of definitions in metrics.cc (name, type,
// help, label names, how to read its values); one loop renders them all.
//
// Label values come only from fixed sets (routes, status codes, rejection
// reasons), librdkafka's error names and broker ids: never a key, and never
// anything taken from a request. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/core/process_stats.h"

namespace hookbridge {

enum class Route { kWebhook, kHealthz, kReadyz, kMetrics, kOther };
inline constexpr size_t kRouteCount = 5;
const char* RouteName(Route route);

// Cumulative histogram with fixed bucket bounds (seconds).
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  void Observe(std::chrono::duration<double> value);
  void Render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  using Seconds = std::chrono::duration<double>;

  // Every rejection reason (RejectionReason()'s values) is exported at 0
  // from the start, so that rate() over them has no gaps.
  explicit Metrics(std::string librdkafka_version);

  void CountRequest(Route route, int status, Seconds duration);
  // `reason` is one of RejectionReason()'s fixed values.
  void CountRejection(std::string_view reason);
  // A refused webhook PERSISTED on the dead-letter topic (and answered 200);
  // `reason` as for CountRejection.
  void CountDeadLetter(std::string_view reason);
  // One webhook of source `source` (a name from the sources file, never
  // request data) with its outcome: "accepted", "duplicate", "dead_letter",
  // or the rejection reason it was counted under.
  void CountSourceOutcome(std::string_view source, std::string_view outcome);
  // A delivery report that came when its webhook had been answered already
  // (the ack deadline's 503) or its client had gone: `stored` when PERSISTED.
  void CountLateDelivery(std::string_view source, bool stored);
  // A copy of a webhook PERSISTED before, answered 200 as a duplicate.
  void CountDuplicate(std::string_view source);
  // The sources in force: each has its duplicates, late deliveries and
  // webhooks by outcome exported at 0 until their first.
  void DeclareSources(const std::vector<std::string_view>& sources);
  // The deduplication window's ids (in flight or stored) and its early evictions.
  void SetDedupWindow(size_t remembered, uint64_t evictions) {
    dedup_remembered_ = static_cast<int64_t>(remembered);
    dedup_evictions_ = evictions;
  }
  void CountSourcesReload(bool succeeded);
  void ObserveAck(Seconds receive_to_ack);
  void CountDeliveryError(std::string_view librdkafka_error_name);
  // Webhooks in flight: the one count of them, which the HTTP server's
  // limits take places from and give back (http/instance_limits.h) and
  // hookbridge_http_requests_in_flight reads.
  std::atomic<int64_t>& webhooks_in_flight() { return in_flight_; }
  // A connection past HOOKBRIDGE_MAX_CONNECTIONS, turned away unread.
  void CountTurnedAway() { ++turned_away_; }
  // Open keep-alive connections waiting for their next request.
  void SetIdleConnections(size_t connections) {
    idle_connections_ = static_cast<int64_t>(connections);
  }
  void SetProducerQueue(int64_t messages, int64_t bytes);
  void SetBrokerRtt(const std::map<std::string, double>& seconds_by_broker_id);
  // Brokers of the cluster that librdkafka knows, those it is connected to,
  // and those it wants a connection to but has none (a broker it never
  // needed, with no partition of the topic, is neither up nor unreachable:
  // exported as idle, so that the states add up to the brokers known).
  // Returns true when the unreachable count changed (the caller logs it).
  bool SetBrokers(int64_t known, int64_t up, int64_t unreachable);
  void CountKeyReload(bool succeeded);
  void SetApiKeyCount(size_t keys) { api_keys_ = static_cast<int64_t>(keys); }
  void SetReady(bool ready) { ready_ = ready ? 1 : 0; }

  // The exposition, with the process_* families read from /proc/self now.
  std::string Render() const;

 private:
  class FamilyWriter;
  // One family of the exposition and where its values come from.
  struct Definition {
    const char* name;
    const char* type;  // counter, gauge or histogram
    const char* help;
    std::vector<const char*> labels;  // label names, in the order `read` gives values
    void (*read)(const Metrics& metrics, FamilyWriter& writer);
  };
  static const std::vector<Definition>& Definitions();

  const std::string librdkafka_version_;
  mutable std::mutex mutex_;                     // guards the maps and process_
  mutable std::optional<ProcessStats> process_;  // read by Render()
  std::map<std::pair<Route, int>, uint64_t> requests_;
  std::map<std::string, uint64_t, std::less<>> rejections_;
  std::map<std::string, uint64_t, std::less<>> dead_letters_;
  std::map<std::string, uint64_t, std::less<>> delivery_errors_;
  std::map<std::pair<std::string, std::string>, uint64_t> source_outcomes_;
  std::map<std::pair<std::string, std::string>, uint64_t> late_deliveries_;
  std::map<std::string, uint64_t, std::less<>> duplicates_;
  std::map<std::string, double> broker_rtt_seconds_;
  std::array<Histogram, kRouteCount> request_duration_;
  Histogram ack_duration_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> idle_connections_{0};
  std::atomic<uint64_t> turned_away_{0};
  std::atomic<int64_t> queue_messages_{0};
  std::atomic<int64_t> queue_bytes_{0};
  std::atomic<int64_t> brokers_known_{0};
  std::atomic<int64_t> brokers_up_{0};
  std::atomic<int64_t> brokers_unreachable_{0};
  std::atomic<uint64_t> key_reloads_ok_{0};
  std::atomic<uint64_t> key_reloads_failed_{0};
  std::atomic<int64_t> api_keys_{0};
  std::atomic<uint64_t> sources_reloads_ok_{0};
  std::atomic<uint64_t> sources_reloads_failed_{0};
  std::atomic<int> ready_{0};
  std::atomic<int64_t> dedup_remembered_{0};
  std::atomic<uint64_t> dedup_evictions_{0};
};

}  // namespace hookbridge
