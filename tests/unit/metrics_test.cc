// Metrics::Render(): after known calls, the text is parsed line by line and
// every counter, gauge and histogram is checked for its exact value.
#include "hookbridge/core/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "../support/prometheus_text.h"
#include "hookbridge/version.h"

namespace hookbridge {
namespace {

using ::hookbridge::test_support::Buckets;
using ::hookbridge::test_support::Exposition;
using ::hookbridge::test_support::ParseExposition;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using Seconds = Metrics::Seconds;

constexpr const char* kRequests = "hookbridge_http_requests_total";
constexpr const char* kRejections = "hookbridge_webhook_rejections_total";
constexpr const char* kDuration = "hookbridge_http_request_duration_seconds";
constexpr const char* kAck = "hookbridge_kafka_ack_duration_seconds";

const std::vector<std::string> kBucketBounds = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                                "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                                "1",      "2.5",   "5",      "10",    "+Inf"};

// The series of `series` that are not 0 (known label values start at 0).
std::vector<std::pair<std::string, double>> NonZero(
    std::vector<std::pair<std::string, double>> series) {
  series.erase(std::remove_if(series.begin(), series.end(),
                              [](const auto& sample) { return sample.second == 0; }),
               series.end());
  return series;
}

Exposition Scrape(const Metrics& metrics) {
  Exposition exposition = ParseExposition(metrics.Render());
  EXPECT_THAT(exposition.errors, IsEmpty());
  return exposition;
}

std::string Requests(const char* route, int code) {
  return std::string(kRequests) + "{route=\"" + route + "\",code=\"" + std::to_string(code) + "\"}";
}

// Buckets are cumulative, in ascending order, end with +Inf, and +Inf equals
// _count; returns the cumulative counts.
std::vector<double> CheckHistogram(const Exposition& exposition, const std::string& name,
                                   const std::string& labels) {
  auto buckets = Buckets(exposition, name, labels);
  std::vector<std::string> bounds;
  std::vector<double> counts;
  for (const auto& [bound, count] : buckets) {
    bounds.push_back(bound);
    counts.push_back(count);
  }
  EXPECT_EQ(bounds, kBucketBounds) << name << "{" << labels << "}";
  for (size_t i = 1; i < counts.size(); ++i) {
    EXPECT_LE(counts[i - 1], counts[i]) << name << " bucket " << bounds[i] << " is not cumulative";
  }
  std::string suffix = labels.empty() ? "" : "{" + labels + "}";
  EXPECT_TRUE(exposition.Has(name + "_count" + suffix)) << name;
  EXPECT_TRUE(exposition.Has(name + "_sum" + suffix)) << name;
  if (!counts.empty()) {
    EXPECT_EQ(counts.back(), exposition.Value(name + "_count" + suffix)) << name;
  }
  return counts;
}

TEST(MetricsTest, EveryFamilyHasOneHelpAndOneTypeOfTheRightKind) {
  Metrics metrics("2.0.2");
  Exposition exposition = Scrape(metrics);
  const std::map<std::string, std::string> expected = {
      {"hookbridge_build_info", "gauge"},
      {kRequests, "counter"},
      {kRejections, "counter"},
      {"hookbridge_webhook_dead_letters_total", "counter"},
      {"hookbridge_source_webhooks_total", "counter"},
      {"hookbridge_late_deliveries_total", "counter"},
      {"hookbridge_duplicates_total", "counter"},
      {"hookbridge_dedup_remembered_ids", "gauge"},
      {"hookbridge_dedup_evictions_total", "counter"},
      {kDuration, "histogram"},
      {kAck, "histogram"},
      {"hookbridge_http_requests_in_flight", "gauge"},
      {"hookbridge_http_idle_connections", "gauge"},
      {"hookbridge_http_connections_turned_away_total", "counter"},
      {"hookbridge_kafka_producer_queue_messages", "gauge"},
      {"hookbridge_kafka_producer_queue_bytes", "gauge"},
      {"hookbridge_kafka_delivery_errors_total", "counter"},
      {"hookbridge_kafka_brokers", "gauge"},
      {"hookbridge_kafka_broker_rtt_seconds", "gauge"},
      {"hookbridge_api_key_reloads_total", "counter"},
      {"hookbridge_api_keys", "gauge"},
      {"hookbridge_sources_reloads_total", "counter"},
      {"hookbridge_ready", "gauge"},
      {"process_cpu_seconds_total", "counter"},
      {"process_resident_memory_bytes", "gauge"},
      {"process_virtual_memory_bytes", "gauge"},
      {"process_open_fds", "gauge"},
      {"process_max_fds", "gauge"},
      {"process_start_time_seconds", "gauge"},
  };
  std::map<std::string, std::string> found;
  for (const auto& [name, family] : exposition.families) {
    EXPECT_EQ(family.help_lines, 1) << name;
    EXPECT_EQ(family.type_lines, 1) << name;
    EXPECT_FALSE(family.help.empty()) << name;
    found[name] = family.type;
  }
  EXPECT_EQ(found, expected);
  // Prometheus conventions: counters end in _total, durations are in seconds.
  for (const auto& [name, type] : found) {
    if (type == "counter") {
      EXPECT_EQ(name.substr(name.size() - 6), "_total") << name;
    }
    if (type == "histogram") {
      EXPECT_EQ(name.substr(name.size() - 8), "_seconds") << name;
    }
  }
}

// Brokers down are a cluster-wide condition that /readyz does not report
// (docs/operations.md): this gauge does, and its setter says when it changed
// so that the publisher logs each change once.
TEST(MetricsTest, BrokersAreGaugesAndAChangeOfUnreachableIsReported) {
  Metrics metrics("2.0.2");
  EXPECT_FALSE(metrics.SetBrokers(3, 3, 0));  // as at start: nothing to log
  EXPECT_FALSE(metrics.SetBrokers(4, 3, 0));  // a broker we never needed
  EXPECT_TRUE(metrics.SetBrokers(3, 1, 2));
  EXPECT_FALSE(metrics.SetBrokers(3, 1, 2));
  Exposition exposition = Scrape(metrics);
  // The states partition the brokers known: 3 known, 1 up, 2 unreachable.
  EXPECT_EQ(exposition.Value(R"(hookbridge_kafka_brokers{state="idle"})"), 0);
  EXPECT_EQ(exposition.Value(R"(hookbridge_kafka_brokers{state="up"})"), 1);
  EXPECT_EQ(exposition.Value(R"(hookbridge_kafka_brokers{state="unreachable"})"), 2);
  EXPECT_TRUE(metrics.SetBrokers(3, 3, 0));
}

TEST(MetricsTest, BuildInfoNamesTheVersionAndLibrdkafkaAndIsOne) {
  Metrics metrics("2.0.2");
  Exposition exposition = Scrape(metrics);
  std::string series =
      std::string("hookbridge_build_info{version=\"") + kVersion + "\",librdkafka=\"2.0.2\"}";
  EXPECT_EQ(exposition.Value(series), 1) << metrics.Render();
  EXPECT_EQ(exposition.SeriesOf("hookbridge_build_info").size(), 1u);
}

// Known label values are exported at 0 from the start, so that rate() over
// them has no gaps; librdkafka's error names are an open set and are not.
TEST(MetricsTest, FreshMetricsExportKnownSeriesAtZeroAndZeroHistograms) {
  Metrics metrics("2.0.2");
  Exposition exposition = Scrape(metrics);
  EXPECT_THAT(NonZero(exposition.SeriesOf(kRequests)), IsEmpty());
  EXPECT_TRUE(exposition.Has(R"(hookbridge_http_requests_total{route="webhook",code="200"})"));
  EXPECT_TRUE(exposition.Has(R"(hookbridge_http_requests_total{route="webhook",code="503"})"));
  EXPECT_TRUE(exposition.Has(R"(hookbridge_http_requests_total{route="readyz",code="503"})"));
  EXPECT_THAT(NonZero(exposition.SeriesOf(kRejections)), IsEmpty());
  for (const char* reason :
       {"auth", "signature_missing", "signature_invalid", "timestamp_out_of_tolerance",
        "verify_token", "content_type", "size", "json", "schema", "framing", "method", "not_found",
        "overload", "unavailable", "internal"}) {
    EXPECT_TRUE(exposition.Has(std::string(kRejections) + "{reason=\"" + reason + "\"}")) << reason;
  }
  EXPECT_EQ(exposition.SeriesOf(kRejections).size(), 15u);
  EXPECT_THAT(
      exposition.SeriesOf("hookbridge_webhook_dead_letters_total"),
      ElementsAre(Pair(R"(hookbridge_webhook_dead_letters_total{reason="content_type"})", 0),
                  Pair(R"(hookbridge_webhook_dead_letters_total{reason="json"})", 0),
                  Pair(R"(hookbridge_webhook_dead_letters_total{reason="schema"})", 0)));
  EXPECT_THAT(exposition.SeriesOf("hookbridge_kafka_delivery_errors_total"), IsEmpty());
  for (const char* route : {"webhook", "healthz", "readyz", "metrics", "other"}) {
    std::string labels = std::string("route=\"") + route + "\"";
    std::vector<double> counts = CheckHistogram(exposition, kDuration, labels);
    EXPECT_EQ(counts, std::vector<double>(kBucketBounds.size(), 0)) << route;
    EXPECT_EQ(exposition.Value(std::string(kDuration) + "_sum{" + labels + "}"), 0) << route;
  }
  CheckHistogram(exposition, kAck, "");
  EXPECT_EQ(exposition.Value(std::string(kAck) + "_count"), 0);
  EXPECT_EQ(exposition.Value("hookbridge_ready"), 0);
  EXPECT_EQ(exposition.Value("hookbridge_http_requests_in_flight"), 0);
}

TEST(MetricsTest, RequestsAreCountedExactlyByRouteAndStatusCode) {
  Metrics metrics("2.0.2");
  for (int i = 0; i < 3; ++i) metrics.CountRequest(Route::kWebhook, 200, Seconds(0.002));
  for (int i = 0; i < 2; ++i) metrics.CountRequest(Route::kWebhook, 401, Seconds(0.0001));
  metrics.CountRequest(Route::kWebhook, 503, Seconds(4));
  metrics.CountRequest(Route::kHealthz, 200, Seconds(0.0001));
  metrics.CountRequest(Route::kReadyz, 503, Seconds(0.0001));
  metrics.CountRequest(Route::kMetrics, 200, Seconds(0.0001));
  metrics.CountRequest(Route::kOther, 404, Seconds(0.0001));
  Exposition exposition = Scrape(metrics);
  EXPECT_THAT(NonZero(exposition.SeriesOf(kRequests)),
              ElementsAre(Pair(Requests("webhook", 200), 3), Pair(Requests("webhook", 401), 2),
                          Pair(Requests("webhook", 503), 1), Pair(Requests("healthz", 200), 1),
                          Pair(Requests("readyz", 503), 1), Pair(Requests("metrics", 200), 1),
                          Pair(Requests("other", 404), 1)));
  // Each request is observed once in its route's duration histogram.
  EXPECT_EQ(exposition.Value(std::string(kDuration) + "_count{route=\"webhook\"}"), 6);
  EXPECT_EQ(exposition.Value(std::string(kDuration) + "_count{route=\"healthz\"}"), 1);
  EXPECT_EQ(exposition.Value(std::string(kDuration) + "_count{route=\"readyz\"}"), 1);
  EXPECT_EQ(exposition.Value(std::string(kDuration) + "_count{route=\"metrics\"}"), 1);
  EXPECT_EQ(exposition.Value(std::string(kDuration) + "_count{route=\"other\"}"), 1);
  std::vector<double> webhook = CheckHistogram(exposition, kDuration, "route=\"webhook\"");
  // 2 x 0.1 ms (le 0.0005), 3 x 2 ms (le 0.0025), 1 x 4 s (le 5).
  EXPECT_EQ(webhook, (std::vector<double>{2, 2, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6}));
  EXPECT_NEAR(exposition.Value(std::string(kDuration) + "_sum{route=\"webhook\"}"),
              3 * 0.002 + 2 * 0.0001 + 4, 6e-6);
}

TEST(MetricsTest, RejectionsAreCountedByReason) {
  Metrics metrics("2.0.2");
  metrics.CountRejection("auth");
  metrics.CountRejection("json");
  metrics.CountRejection("auth");
  metrics.CountRejection("size");
  metrics.CountRejection("schema");
  metrics.CountRejection("overload");
  metrics.CountRejection("content_type");
  Exposition exposition = Scrape(metrics);
  auto series = [](const char* reason) {
    return std::string(kRejections) + "{reason=\"" + reason + "\"}";
  };
  EXPECT_THAT(
      NonZero(exposition.SeriesOf(kRejections)),
      ElementsAre(Pair(series("auth"), 2), Pair(series("content_type"), 1), Pair(series("json"), 1),
                  Pair(series("overload"), 1), Pair(series("schema"), 1), Pair(series("size"), 1)));
}

TEST(MetricsTest, AckHistogramBucketsAreCumulativeWithBoundsInclusive) {
  Metrics metrics("2.0.2");
  metrics.ObserveAck(Seconds(0.0003));  // le 0.0005
  metrics.ObserveAck(Seconds(0.0005));  // exactly on a bound: le 0.0005 ("le" is <=)
  metrics.ObserveAck(Seconds(0.003));   // le 0.005
  metrics.ObserveAck(Seconds(0.7));     // le 1
  metrics.ObserveAck(Seconds(10));      // exactly the largest bound: le 10
  metrics.ObserveAck(Seconds(20));      // only +Inf
  Exposition exposition = Scrape(metrics);
  std::vector<double> counts = CheckHistogram(exposition, kAck, "");
  EXPECT_EQ(counts, (std::vector<double>{2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 5, 6}));
  EXPECT_EQ(exposition.Value(std::string(kAck) + "_count"), 6);
  // The sum is kept in microseconds: at most 1 us off per observation.
  EXPECT_NEAR(exposition.Value(std::string(kAck) + "_sum"), 0.0003 + 0.0005 + 0.003 + 0.7 + 10 + 20,
              6e-6);
}

TEST(MetricsTest, CountsTurnedAwayConnections) {
  Metrics metrics("2.0.2");
  EXPECT_EQ(Scrape(metrics).Value("hookbridge_http_connections_turned_away_total"), 0);
  metrics.CountTurnedAway();
  metrics.CountTurnedAway();
  EXPECT_EQ(Scrape(metrics).Value("hookbridge_http_connections_turned_away_total"), 2);
}

TEST(MetricsTest, GaugesShowTheLastValueSet) {
  Metrics metrics("2.0.2");
  metrics.webhooks_in_flight() += 3;
  metrics.webhooks_in_flight() -= 1;
  metrics.SetIdleConnections(40);
  metrics.SetIdleConnections(7);
  metrics.SetProducerQueue(17, 4096);
  metrics.SetProducerQueue(5, 1200);
  metrics.SetApiKeyCount(2);
  metrics.SetReady(true);
  metrics.SetBrokerRtt({{"1", 0.0042}, {"3", 0.25}});
  Exposition exposition = Scrape(metrics);
  EXPECT_EQ(exposition.Value("hookbridge_http_requests_in_flight"), 2);
  EXPECT_EQ(exposition.Value("hookbridge_http_idle_connections"), 7);
  EXPECT_EQ(exposition.Value("hookbridge_kafka_producer_queue_messages"), 5);
  EXPECT_EQ(exposition.Value("hookbridge_kafka_producer_queue_bytes"), 1200);
  EXPECT_EQ(exposition.Value("hookbridge_api_keys"), 2);
  EXPECT_EQ(exposition.Value("hookbridge_ready"), 1);
  EXPECT_THAT(exposition.SeriesOf("hookbridge_kafka_broker_rtt_seconds"),
              ElementsAre(Pair("hookbridge_kafka_broker_rtt_seconds{broker=\"1\"}", 0.0042),
                          Pair("hookbridge_kafka_broker_rtt_seconds{broker=\"3\"}", 0.25)));

  // A broker that left the statistics leaves the metrics too.
  metrics.SetBrokerRtt({{"3", 0.5}});
  metrics.SetReady(false);
  exposition = Scrape(metrics);
  EXPECT_THAT(exposition.SeriesOf("hookbridge_kafka_broker_rtt_seconds"),
              ElementsAre(Pair("hookbridge_kafka_broker_rtt_seconds{broker=\"3\"}", 0.5)));
  EXPECT_EQ(exposition.Value("hookbridge_ready"), 0);
}

TEST(MetricsTest, KeyReloadsAreCountedBySuccessAndFailureFromZero) {
  Metrics metrics("2.0.2");
  Exposition exposition = Scrape(metrics);
  EXPECT_EQ(exposition.Value("hookbridge_api_key_reloads_total{result=\"success\"}"), 0);
  EXPECT_EQ(exposition.Value("hookbridge_api_key_reloads_total{result=\"failure\"}"), 0);
  metrics.CountKeyReload(true);
  metrics.CountKeyReload(false);
  metrics.CountKeyReload(true);
  exposition = Scrape(metrics);
  EXPECT_EQ(exposition.Value("hookbridge_api_key_reloads_total{result=\"success\"}"), 2);
  EXPECT_EQ(exposition.Value("hookbridge_api_key_reloads_total{result=\"failure\"}"), 1);
}

TEST(MetricsTest, DeliveryErrorsAreCountedByLibrdkafkaErrorName) {
  Metrics metrics("2.0.2");
  metrics.CountDeliveryError("_MSG_TIMED_OUT");
  metrics.CountDeliveryError("NOT_ENOUGH_REPLICAS");
  metrics.CountDeliveryError("_MSG_TIMED_OUT");
  Exposition exposition = Scrape(metrics);
  EXPECT_THAT(
      exposition.SeriesOf("hookbridge_kafka_delivery_errors_total"),
      ElementsAre(Pair("hookbridge_kafka_delivery_errors_total{error=\"NOT_ENOUGH_REPLICAS\"}", 1),
                  Pair("hookbridge_kafka_delivery_errors_total{error=\"_MSG_TIMED_OUT\"}", 2)));
}

TEST(MetricsTest, LabelValuesAreEscapedAsTheTextFormatRequires) {
  Metrics metrics("2.0.2");
  metrics.CountDeliveryError("quote\"back\\slash\nnewline");
  std::string text = metrics.Render();
  EXPECT_NE(text.find(R"(error="quote\"back\\slash\nnewline"} 1)"), std::string::npos) << text;
  EXPECT_THAT(ParseExposition(text).errors, IsEmpty());
}

TEST(MetricsTest, LargeValuesAreWrittenExactly) {
  // A producer queue near librdkafka's default 1 GiB byte limit, and a
  // duration sum of months of traffic: no digit may be lost.
  Metrics metrics("2.0.2");
  metrics.SetProducerQueue(100001, 1234567891);
  metrics.ObserveAck(Seconds(16777216.125));
  Exposition exposition = Scrape(metrics);
  EXPECT_EQ(exposition.Value("hookbridge_kafka_producer_queue_messages"), 100001);
  EXPECT_EQ(exposition.Value("hookbridge_kafka_producer_queue_bytes"), 1234567891)
      << metrics.Render();
  EXPECT_EQ(exposition.Value(std::string(kAck) + "_sum"), 16777216.125);
}

TEST(MetricsTest, ConcurrentCountsAreExact) {
  Metrics metrics("2.0.2");
  constexpr int kThreads = 8;
  constexpr int kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kEach; ++i) {
        metrics.CountRequest(Route::kWebhook, t % 2 == 0 ? 200 : 401, Seconds(0.001));
        if (t % 2 != 0) metrics.CountRejection("auth");
        metrics.ObserveAck(Seconds(0.01));
        ++metrics.webhooks_in_flight();
        --metrics.webhooks_in_flight();
      }
    });
  }
  // Rendering while counting must be safe and always well-formed.
  for (int i = 0; i < 20; ++i) EXPECT_THAT(ParseExposition(metrics.Render()).errors, IsEmpty());
  for (auto& thread : threads) thread.join();
  Exposition exposition = Scrape(metrics);
  EXPECT_EQ(exposition.Value(Requests("webhook", 200)), kThreads / 2 * kEach);
  EXPECT_EQ(exposition.Value(Requests("webhook", 401)), kThreads / 2 * kEach);
  EXPECT_EQ(exposition.Value(std::string(kRejections) + "{reason=\"auth\"}"), kThreads / 2 * kEach);
  EXPECT_EQ(exposition.Value(std::string(kDuration) + "_count{route=\"webhook\"}"),
            kThreads * kEach);
  EXPECT_EQ(exposition.Value(std::string(kAck) + "_count"), kThreads * kEach);
  EXPECT_EQ(exposition.Value("hookbridge_http_requests_in_flight"), 0);
}

TEST(MetricsTest, DeadLettersAreCountedByReasonApartFromRejections) {
  Metrics metrics("2.0.2");
  metrics.CountDeadLetter("schema");
  metrics.CountDeadLetter("schema");
  metrics.CountDeadLetter("json");
  Exposition exposition = Scrape(metrics);
  EXPECT_EQ(exposition.Value("hookbridge_webhook_dead_letters_total{reason=\"schema\"}"), 2);
  EXPECT_EQ(exposition.Value("hookbridge_webhook_dead_letters_total{reason=\"json\"}"), 1);
  // A dead letter was answered 200: it is no rejection.
  EXPECT_THAT(NonZero(exposition.SeriesOf(kRejections)), IsEmpty());
}

TEST(MetricsTest, SourceOutcomesAreCountedBySourceAndOutcome) {
  Metrics metrics("2.0.2");
  metrics.CountSourceOutcome("github", "accepted");
  metrics.CountSourceOutcome("github", "accepted");
  metrics.CountSourceOutcome("github", "signature_invalid");
  metrics.CountSourceOutcome("stripe", "timestamp_out_of_tolerance");
  metrics.CountSourcesReload(true);
  metrics.CountSourcesReload(false);
  metrics.CountSourcesReload(false);
  Exposition exposition = Scrape(metrics);
  EXPECT_EQ(
      exposition.Value(R"(hookbridge_source_webhooks_total{source="github",outcome="accepted"})"),
      2);
  EXPECT_EQ(exposition.Value(
                R"(hookbridge_source_webhooks_total{source="github",outcome="signature_invalid"})"),
            1);
  EXPECT_EQ(
      exposition.Value(
          R"(hookbridge_source_webhooks_total{source="stripe",outcome="timestamp_out_of_tolerance"})"),
      1);
  EXPECT_EQ(exposition.Value(R"(hookbridge_sources_reloads_total{result="success"})"), 1);
  EXPECT_EQ(exposition.Value(R"(hookbridge_sources_reloads_total{result="failure"})"), 2);
}

TEST(MetricsTest, LateDeliveriesAreCountedBySourceAsStoredOrFailed) {
  Metrics metrics("2.0.2");
  metrics.CountLateDelivery("github", true);
  metrics.CountLateDelivery("github", true);
  metrics.CountLateDelivery("getprofile", false);
  Exposition exposition = Scrape(metrics);
  EXPECT_EQ(
      exposition.Value(R"(hookbridge_late_deliveries_total{source="github",outcome="stored"})"), 2);
  EXPECT_EQ(
      exposition.Value(R"(hookbridge_late_deliveries_total{source="getprofile",outcome="failed"})"),
      1);
  EXPECT_EQ(exposition.SeriesOf("hookbridge_late_deliveries_total").size(), 2u);
  // A late report is no webhook outcome: the answer already was.
  EXPECT_TRUE(exposition.SeriesOf("hookbridge_source_webhooks_total").empty());
}

// A declared source has every outcome, late delivery and duplicate count at 0
// before its first webhook; declaring it again keeps its counts.
TEST(MetricsTest, DeclaredSourcesExportEveryOutcomeAtZero) {
  Metrics metrics("2.0.2");
  metrics.DeclareSources({"github"});
  metrics.CountSourceOutcome("github", "accepted");
  metrics.DeclareSources({"github", "stripe"});
  Exposition exposition = Scrape(metrics);
  for (const char* outcome : {"accepted", "duplicate", "dead_letter", "handshake", "auth",
                              "signature_invalid", "schema", "unavailable"}) {
    const std::string series =
        std::string(R"(hookbridge_source_webhooks_total{source="stripe",outcome=")") + outcome +
        "\"}";
    EXPECT_TRUE(exposition.Has(series)) << series;
    EXPECT_EQ(exposition.Value(series), 0) << series;
  }
  EXPECT_EQ(
      exposition.Value(R"(hookbridge_source_webhooks_total{source="github",outcome="accepted"})"),
      1);
  // 4 outcomes besides the 15 rejection reasons, for each of the 2 sources.
  EXPECT_EQ(exposition.SeriesOf("hookbridge_source_webhooks_total").size(), 2u * (4 + 15));
  EXPECT_THAT(
      exposition.SeriesOf("hookbridge_late_deliveries_total"),
      ElementsAre(
          Pair(R"(hookbridge_late_deliveries_total{source="github",outcome="failed"})", 0),
          Pair(R"(hookbridge_late_deliveries_total{source="github",outcome="stored"})", 0),
          Pair(R"(hookbridge_late_deliveries_total{source="stripe",outcome="failed"})", 0),
          Pair(R"(hookbridge_late_deliveries_total{source="stripe",outcome="stored"})", 0)));
  EXPECT_THAT(exposition.SeriesOf("hookbridge_duplicates_total"),
              ElementsAre(Pair(R"(hookbridge_duplicates_total{source="github"})", 0),
                          Pair(R"(hookbridge_duplicates_total{source="stripe"})", 0)));
}

// The process_* families describe this very process, read at each scrape.
TEST(MetricsTest, ProcessMetricsDescribeThisProcess) {
  Metrics metrics("2.0.2");
  Exposition exposition = Scrape(metrics);
  const double now = static_cast<double>(std::time(nullptr));
  const double started = exposition.Value("process_start_time_seconds");
  EXPECT_LE(started, now + 1);
  EXPECT_GT(started, now - 24 * 3600);  // a test binary started within the day
  EXPECT_GT(exposition.Value("process_resident_memory_bytes"), 0);
  EXPECT_GE(exposition.Value("process_virtual_memory_bytes"),
            exposition.Value("process_resident_memory_bytes"));
  EXPECT_GE(exposition.Value("process_open_fds"), 3);  // stdin, stdout, stderr at least
  EXPECT_GE(exposition.Value("process_cpu_seconds_total"), 0);
  // A descriptor opened between two scrapes is counted by the second.
  const double before = exposition.Value("process_open_fds");
  std::FILE* file = std::fopen("/proc/self/stat", "r");
  ASSERT_NE(file, nullptr);
  const double during = Scrape(metrics).Value("process_open_fds");
  std::fclose(file);
  EXPECT_GE(during, before + 1);
}

}  // namespace
}  // namespace hookbridge
