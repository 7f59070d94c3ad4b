#include "hookbridge/core/metrics.h"

#include <charconv>
#include <cstdio>
#include <map>

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

std::string Metrics::Render() const {
  std::string out;
  out.reserve(8192);
  Header(out, "hookbridge_build_info", "gauge", "Build information; always 1.");
  Sample(out, "hookbridge_build_info",
         Label("version", kVersion) + "," + Label("librdkafka", librdkafka_version_), 1);

  std::lock_guard<std::mutex> lock(mutex_);
  Header(out, "hookbridge_http_requests_total", "counter",
         "HTTP requests answered, by route and status code.");
  for (const auto& [key, count] : requests_) {
    Sample(out, "hookbridge_http_requests_total",
           Label("route", RouteName(key.first)) + "," + Label("code", std::to_string(key.second)),
           static_cast<double>(count));
  }
  Header(out, "hookbridge_webhook_rejections_total", "counter",
         "Webhooks not acknowledged with 2xx, by reason.");
  for (const auto& [reason, count] : rejections_) {
    Sample(out, "hookbridge_webhook_rejections_total", Label("reason", reason),
           static_cast<double>(count));
  }
  Header(out, "hookbridge_webhook_dead_letters_total", "counter",
         "Refused webhooks PERSISTED on the dead-letter topic and answered 200, by reason.");
  for (const auto& [reason, count] : dead_letters_) {
    Sample(out, "hookbridge_webhook_dead_letters_total", Label("reason", reason),
           static_cast<double>(count));
  }
  Header(out, "hookbridge_source_webhooks_total", "counter",
         "Webhooks by source (from the sources file) and outcome: accepted, dead_letter, or the "
         "rejection reason.");
  for (const auto& [key, count] : source_outcomes_) {
    Sample(out, "hookbridge_source_webhooks_total",
           Label("source", key.first) + "," + Label("outcome", key.second),
           static_cast<double>(count));
  }
  Header(out, "hookbridge_http_request_duration_seconds", "histogram",
         "Time from the start of a request to its answer, by route.");
  for (size_t route = 0; route < kRouteCount; ++route) {
    request_duration_[route].Render(out, "hookbridge_http_request_duration_seconds",
                                    Label("route", RouteName(static_cast<Route>(route))));
  }
  Header(out, "hookbridge_kafka_ack_duration_seconds", "histogram",
         "Time from receiving a webhook to Kafka's PERSISTED delivery report.");
  ack_duration_.Render(out, "hookbridge_kafka_ack_duration_seconds", "");
  Header(out, "hookbridge_http_requests_in_flight", "gauge", "HTTP requests being handled now.");
  Sample(out, "hookbridge_http_requests_in_flight", "", static_cast<double>(in_flight_));
  Header(out, "hookbridge_http_idle_connections", "gauge",
         "Open keep-alive connections waiting for their next request (they hold no thread).");
  Sample(out, "hookbridge_http_idle_connections", "", static_cast<double>(idle_connections_));
  Header(out, "hookbridge_http_connections_turned_away_total", "counter",
         "Connections past the in-flight limit and the overflow threads: answered 503 before their "
         "request was read, or closed if TLS.");
  Sample(out, "hookbridge_http_connections_turned_away_total", "",
         static_cast<double>(turned_away_));
  Header(out, "hookbridge_kafka_producer_queue_messages", "gauge",
         "Records in the producer's queue, waiting for delivery.");
  Sample(out, "hookbridge_kafka_producer_queue_messages", "", static_cast<double>(queue_messages_));
  Header(out, "hookbridge_kafka_producer_queue_bytes", "gauge",
         "Bytes of the records in the producer's queue.");
  Sample(out, "hookbridge_kafka_producer_queue_bytes", "", static_cast<double>(queue_bytes_));
  Header(out, "hookbridge_kafka_delivery_errors_total", "counter",
         "Records Kafka did not persist, by librdkafka error name.");
  for (const auto& [error, count] : delivery_errors_) {
    Sample(out, "hookbridge_kafka_delivery_errors_total", Label("error", error),
           static_cast<double>(count));
  }
  Header(out, "hookbridge_kafka_brokers", "gauge",
         "Brokers of the Kafka cluster: known from metadata, up (connected), unreachable "
         "(a connection is wanted and down). Webhooks on partitions without enough in-sync "
         "replicas get 503.");
  Sample(out, "hookbridge_kafka_brokers", Label("state", "known"),
         static_cast<double>(brokers_known_));
  Sample(out, "hookbridge_kafka_brokers", Label("state", "up"), static_cast<double>(brokers_up_));
  Sample(out, "hookbridge_kafka_brokers", Label("state", "unreachable"),
         static_cast<double>(brokers_unreachable_));
  Header(out, "hookbridge_kafka_broker_rtt_seconds", "gauge",
         "Average broker round-trip time from librdkafka's statistics, by broker id.");
  for (const auto& [broker, seconds] : broker_rtt_seconds_) {
    Sample(out, "hookbridge_kafka_broker_rtt_seconds", Label("broker", broker), seconds);
  }
  Header(out, "hookbridge_api_key_reloads_total", "counter",
         "Reloads of the API key file, by result.");
  Sample(out, "hookbridge_api_key_reloads_total", Label("result", "success"),
         static_cast<double>(key_reloads_ok_));
  Sample(out, "hookbridge_api_key_reloads_total", Label("result", "failure"),
         static_cast<double>(key_reloads_failed_));
  Header(out, "hookbridge_sources_reloads_total", "counter",
         "Reloads of the sources file and its secrets files, by result.");
  Sample(out, "hookbridge_sources_reloads_total", Label("result", "success"),
         static_cast<double>(sources_reloads_ok_));
  Sample(out, "hookbridge_sources_reloads_total", Label("result", "failure"),
         static_cast<double>(sources_reloads_failed_));
  Header(out, "hookbridge_api_keys", "gauge", "Number of API keys accepted now.");
  Sample(out, "hookbridge_api_keys", "", static_cast<double>(api_keys_));
  Header(out, "hookbridge_ready", "gauge", "1 when /readyz answers 200.");
  Sample(out, "hookbridge_ready", "", ready_);
  return out;
}

}  // namespace hookbridge
