#include "hookbridge/core/metrics.h"

#include <charconv>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <set>

#include "hookbridge/core/dead_letter.h"
#include "hookbridge/core/http_response.h"
#include "hookbridge/version.h"

namespace hookbridge {
namespace {

// Shortest text that reads back as exactly `value`: counts past 1e9 and
// long-running sums keep every digit.
void AppendNumber(std::string& out, double value) {
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  out.append(text, ec == std::errc() ? end : text);
}

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ");
  AppendNumber(out, value);
  out.append("\n");
}

// Label values here come from fixed sets or librdkafka; escape anyway.
std::string Label(std::string_view name, std::string_view value) {
  std::string text(name);
  text += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"' || c == '\n') text += '\\';
    text += c == '\n' ? 'n' : c;
  }
  return text + "\"";
}

// One more in the counter of `label`, made at its first use.
void IncrementLabelled(std::map<std::string, uint64_t, std::less<>>& counters,
                       std::string_view label) {
  auto it = counters.find(label);
  if (it == counters.end()) it = counters.emplace(std::string(label), 0).first;
  ++it->second;
}

// The outcomes of a source's webhook other than its rejection reasons.
constexpr std::array<const char*, 4> kSourceOutcomes = {"accepted", "duplicate", "dead_letter",
                                                        "handshake"};

// RejectionReason()'s values, each once.
const std::set<std::string>& RejectionReasons() {
  static const std::set<std::string> reasons = [] {
    std::set<std::string> all;
    for (ErrorCode code : AllErrorCodes()) all.emplace(RejectionReason(code));
    return all;
  }();
  return reasons;
}

}  // namespace

const char* RouteName(Route route) {
  switch (route) {
    case Route::kWebhook: return "webhook";
    case Route::kHealthz: return "healthz";
    case Route::kReadyz: return "readyz";
    case Route::kMetrics: return "metrics";
    case Route::kOther: return "other";
  }
  return "other";
}

void Histogram::Observe(std::chrono::duration<double> value) {
  double seconds = value.count();
  size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  ++buckets_[bucket];
  ++count_;
  sum_micros_ += static_cast<uint64_t>(seconds * 1e6);
}

void Histogram::Render(std::string& out, std::string_view name, std::string_view labels) const {
  std::string prefix = labels.empty() ? "" : std::string(labels) + ",";
  std::string bucket_name = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i];
    char bound[32];
    std::snprintf(bound, sizeof bound, "%g", kBounds[i]);
    Sample(out, bucket_name, prefix + Label("le", bound), static_cast<double>(cumulative));
  }
  cumulative += buckets_[kBounds.size()];
  Sample(out, bucket_name, prefix + Label("le", "+Inf"), static_cast<double>(cumulative));
  Sample(out, std::string(name) + "_sum", labels, static_cast<double>(sum_micros_) / 1e6);
  Sample(out, std::string(name) + "_count", labels, static_cast<double>(cumulative));
}

Metrics::Metrics(std::string librdkafka_version)
    : librdkafka_version_(std::move(librdkafka_version)) {
  // The series a dashboard's rate() expects from the first scrape on.
  for (const std::string& reason : RejectionReasons()) rejections_.emplace(reason, 0);
  for (ErrorCode code : AllErrorCodes()) {
    if (IsDeadLetterRefusal(code)) dead_letters_.emplace(RejectionReason(code), 0);
    requests_.emplace(std::make_pair(Route::kWebhook, ErrorStatus(code)), 0);
  }
  requests_.emplace(std::make_pair(Route::kWebhook, 200), 0);
  for (Route probe : {Route::kHealthz, Route::kReadyz, Route::kMetrics}) {
    requests_.emplace(std::make_pair(probe, 200), 0);
  }
  requests_.emplace(std::make_pair(Route::kReadyz, 503), 0);
  requests_.emplace(std::make_pair(Route::kOther, 404), 0);
}

void Metrics::CountRequest(Route route, int status, Seconds duration) {
  // Both under the lock that Render() holds: a scrape never shows a request
  // in the histogram but not in the counter.
  std::lock_guard<std::mutex> lock(mutex_);
  request_duration_[static_cast<size_t>(route)].Observe(duration);
  ++requests_[{route, status}];
}

void Metrics::CountRejection(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  IncrementLabelled(rejections_, reason);
}

void Metrics::CountDeadLetter(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  IncrementLabelled(dead_letters_, reason);
}

void Metrics::CountSourceOutcome(std::string_view source, std::string_view outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++source_outcomes_[{std::string(source), std::string(outcome)}];
}

void Metrics::CountLateDelivery(std::string_view source, bool stored) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++late_deliveries_[{std::string(source), stored ? "stored" : "failed"}];
}

void Metrics::CountDuplicate(std::string_view source) {
  std::lock_guard<std::mutex> lock(mutex_);
  IncrementLabelled(duplicates_, source);
}

void Metrics::DeclareSources(const std::vector<std::string_view>& sources) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::string_view source : sources) {
    if (duplicates_.find(source) != duplicates_.end()) continue;  // declared before
    duplicates_.emplace(source, 0);
    std::string name(source);
    for (const char* outcome : kSourceOutcomes)
      source_outcomes_.emplace(std::make_pair(name, outcome), 0);
    for (const std::string& reason : RejectionReasons()) {
      source_outcomes_.emplace(std::make_pair(name, reason), 0);
    }
    late_deliveries_.emplace(std::make_pair(name, "stored"), 0);
    late_deliveries_.emplace(std::make_pair(name, "failed"), 0);
  }
}

void Metrics::CountSourcesReload(bool succeeded) {
  ++(succeeded ? sources_reloads_ok_ : sources_reloads_failed_);
}

void Metrics::ObserveAck(Seconds receive_to_ack) { ack_duration_.Observe(receive_to_ack); }

bool Metrics::SetBrokers(int64_t known, int64_t up, int64_t unreachable) {
  brokers_known_ = known;
  brokers_up_ = up;
  return brokers_unreachable_.exchange(unreachable) != unreachable;
}

void Metrics::CountDeliveryError(std::string_view librdkafka_error_name) {
  std::lock_guard<std::mutex> lock(mutex_);
  IncrementLabelled(delivery_errors_, librdkafka_error_name);
}

void Metrics::SetProducerQueue(int64_t messages, int64_t bytes) {
  queue_messages_ = messages;
  queue_bytes_ = bytes;
}

void Metrics::SetBrokerRtt(const std::map<std::string, double>& seconds_by_broker_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  broker_rtt_seconds_ = seconds_by_broker_id;
}

void Metrics::CountKeyReload(bool succeeded) {
  ++(succeeded ? key_reloads_ok_ : key_reloads_failed_);
}

// Writes the samples of one family, each with the label names of its
// definition and the values given in the same order.
class Metrics::FamilyWriter {
 public:
  FamilyWriter(std::string& out, const Definition& family) : out_(out), family_(family) {}

  template <typename Number>
  void Sample(std::initializer_list<std::string_view> label_values, const Number& value) {
    hookbridge::Sample(out_, family_.name, Labels(label_values), static_cast<double>(value));
  }
  void Histogram(std::initializer_list<std::string_view> label_values,
                 const hookbridge::Histogram& histogram) {
    histogram.Render(out_, family_.name, Labels(label_values));
  }

 private:
  std::string Labels(std::initializer_list<std::string_view> values) const {
    std::string labels;
    auto name = family_.labels.begin();
    for (std::string_view value : values) {
      if (!labels.empty()) labels += ",";
      labels += Label(name == family_.labels.end() ? "" : *name++, value);
    }
    return labels;
  }

  std::string& out_;
  const Definition& family_;
};

// Every family in the order a scrape shows them. A `read` runs under mutex_
// and passes its label values in the order of `labels`.
const std::vector<Metrics::Definition>& Metrics::Definitions() {
  static const std::vector<Definition> kFamilies = {
      {"hookbridge_build_info",
       "gauge",
       "Build information; always 1.",
       {"version", "librdkafka"},
       [](const Metrics& m, FamilyWriter& w) {
         w.Sample({kVersion, m.librdkafka_version_}, 1);
       }},
      {"hookbridge_http_requests_total",
       "counter",
       "HTTP requests answered, by route and status code.",
       {"route", "code"},
       [](const Metrics& m, FamilyWriter& w) {
         for (const auto& [key, count] : m.requests_) {
           w.Sample({RouteName(key.first), std::to_string(key.second)}, count);
         }
       }},
      {"hookbridge_webhook_rejections_total",
       "counter",
       "Webhooks not acknowledged with 2xx, by reason.",
       {"reason"},
       [](const Metrics& m, FamilyWriter& w) {
         for (const auto& [reason, count] : m.rejections_) w.Sample({reason}, count);
       }},
      {"hookbridge_webhook_dead_letters_total",
       "counter",
       "Refused webhooks PERSISTED on the dead-letter topic and answered 200, by reason.",
       {"reason"},
       [](const Metrics& m, FamilyWriter& w) {
         for (const auto& [reason, count] : m.dead_letters_) w.Sample({reason}, count);
       }},
      {"hookbridge_source_webhooks_total",
       "counter",
       "Webhooks by source (from the sources file) and outcome: accepted, duplicate, dead_letter, "
       "handshake (a sender's endpoint check answered), or the rejection reason.",
       {"source", "outcome"},
       [](const Metrics& m, FamilyWriter& w) {
         for (const auto& [key, count] : m.source_outcomes_) {
           w.Sample({key.first, key.second}, count);
         }
       }},
      {"hookbridge_late_deliveries_total",
       "counter",
       "Delivery reports that came after their webhook was answered (the ack deadline's 503) or "
       "its client had gone, by source and outcome: stored (a duplicate-to-be: the sender was "
       "told to retry) or failed.",
       {"source", "outcome"},
       [](const Metrics& m, FamilyWriter& w) {
         for (const auto& [key, count] : m.late_deliveries_) {
           w.Sample({key.first, key.second}, count);
         }
       }},
      {"hookbridge_duplicates_total",
       "counter",
       "Copies of a webhook whose record was PERSISTED within the deduplication window, answered "
       "200 as duplicates without a record of their own, by source.",
       {"source"},
       [](const Metrics& m, FamilyWriter& w) {
         for (const auto& [source, count] : m.duplicates_) w.Sample({source}, count);
       }},
      {"hookbridge_dedup_remembered_ids",
       "gauge",
       "Event ids in the deduplication window: records in flight and PERSISTED ones not expired.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.dedup_remembered_); }},
      {"hookbridge_dedup_evictions_total",
       "counter",
       "PERSISTED ids dropped from the deduplication window before their window ended, to make "
       "room (HOOKBRIDGE_DEDUP_MAX_IDS): a copy of one would produce again.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.dedup_evictions_); }},
      {"hookbridge_http_request_duration_seconds",
       "histogram",
       "Time from the start of a request to its answer, by route.",
       {"route"},
       [](const Metrics& m, FamilyWriter& w) {
         for (size_t route = 0; route < kRouteCount; ++route) {
           w.Histogram({RouteName(static_cast<Route>(route))}, m.request_duration_[route]);
         }
       }},
      {"hookbridge_kafka_ack_duration_seconds",
       "histogram",
       "Time from receiving a webhook to Kafka's PERSISTED delivery report.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Histogram({}, m.ack_duration_); }},
      {"hookbridge_http_requests_in_flight",
       "gauge",
       "HTTP requests being handled now.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.in_flight_); }},
      {"hookbridge_http_idle_connections",
       "gauge",
       "Open keep-alive connections waiting for their next request (they hold no thread).",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.idle_connections_); }},
      {"hookbridge_http_connections_turned_away_total",
       "counter",
       "Connections past HOOKBRIDGE_MAX_CONNECTIONS: answered 503 before their request was read, "
       "or closed if TLS.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.turned_away_); }},
      {"hookbridge_kafka_producer_queue_messages",
       "gauge",
       "Records in the producer's queue, waiting for delivery.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.queue_messages_); }},
      {"hookbridge_kafka_producer_queue_bytes",
       "gauge",
       "Bytes of the records in the producer's queue.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.queue_bytes_); }},
      {"hookbridge_kafka_delivery_errors_total",
       "counter",
       "Records Kafka did not persist, by librdkafka error name.",
       {"error"},
       [](const Metrics& m, FamilyWriter& w) {
         for (const auto& [error, count] : m.delivery_errors_) w.Sample({error}, count);
       }},
      {"hookbridge_kafka_brokers",
       "gauge",
       "Brokers of the Kafka cluster's metadata by state, which add up to the brokers known: "
       "up (connected), unreachable (a connection is wanted and down), idle (none is wanted). "
       "Webhooks on partitions without enough in-sync replicas get 503.",
       {"state"},
       [](const Metrics& m, FamilyWriter& w) {
         const int64_t idle = m.brokers_known_ - m.brokers_up_ - m.brokers_unreachable_;
         w.Sample({"idle"}, idle > 0 ? idle : 0);
         w.Sample({"up"}, m.brokers_up_);
         w.Sample({"unreachable"}, m.brokers_unreachable_);
       }},
      {"hookbridge_kafka_broker_rtt_seconds",
       "gauge",
       "Average broker round-trip time from librdkafka's statistics, by broker id.",
       {"broker"},
       [](const Metrics& m, FamilyWriter& w) {
         for (const auto& [broker, seconds] : m.broker_rtt_seconds_) w.Sample({broker}, seconds);
       }},
      {"hookbridge_api_key_reloads_total",
       "counter",
       "Reloads of the API key file, by result.",
       {"result"},
       [](const Metrics& m, FamilyWriter& w) {
         w.Sample({"success"}, m.key_reloads_ok_);
         w.Sample({"failure"}, m.key_reloads_failed_);
       }},
      {"hookbridge_sources_reloads_total",
       "counter",
       "Reloads of the sources file and its secrets files, by result.",
       {"result"},
       [](const Metrics& m, FamilyWriter& w) {
         w.Sample({"success"}, m.sources_reloads_ok_);
         w.Sample({"failure"}, m.sources_reloads_failed_);
       }},
      {"hookbridge_api_keys",
       "gauge",
       "Number of API keys accepted now.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.api_keys_); }},
      {"hookbridge_ready",
       "gauge",
       "1 when /readyz would answer 200, computed when /metrics is scraped.",
       {},
       [](const Metrics& m, FamilyWriter& w) { w.Sample({}, m.ready_); }},
      // Prometheus's standard process metrics, under their usual names.
      {"process_cpu_seconds_total",
       "counter",
       "Total user and system CPU time spent in seconds.",
       {},
       [](const Metrics& m, FamilyWriter& w) {
         if (m.process_) w.Sample({}, m.process_->cpu_seconds);
       }},
      {"process_resident_memory_bytes",
       "gauge",
       "Resident memory size in bytes.",
       {},
       [](const Metrics& m, FamilyWriter& w) {
         if (m.process_) w.Sample({}, m.process_->resident_bytes);
       }},
      {"process_virtual_memory_bytes",
       "gauge",
       "Virtual memory size in bytes.",
       {},
       [](const Metrics& m, FamilyWriter& w) {
         if (m.process_) w.Sample({}, m.process_->virtual_bytes);
       }},
      {"process_open_fds",
       "gauge",
       "Number of open file descriptors.",
       {},
       [](const Metrics& m, FamilyWriter& w) {
         if (m.process_ && m.process_->open_fds) w.Sample({}, *m.process_->open_fds);
       }},
      {"process_max_fds",
       "gauge",
       "Maximum number of open file descriptors (the soft limit).",
       {},
       [](const Metrics& m, FamilyWriter& w) {
         if (m.process_ && m.process_->max_fds) w.Sample({}, *m.process_->max_fds);
       }},
      {"process_start_time_seconds",
       "gauge",
       "Start time of the process since unix epoch in seconds.",
       {},
       [](const Metrics& m, FamilyWriter& w) {
         if (m.process_) w.Sample({}, m.process_->start_time_seconds);
       }},
  };
  return kFamilies;
}

std::string Metrics::Render() const {
  std::string out;
  out.reserve(8192);
  std::lock_guard<std::mutex> lock(mutex_);
  process_ = ReadProcessStats();
  for (const Definition& family : Definitions()) {
    Header(out, family.name, family.type, family.help);
    FamilyWriter writer(out, family);
    family.read(*this, writer);
  }
  return out;
}

}  // namespace hookbridge
