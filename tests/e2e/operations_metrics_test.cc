// End to end, for operators: /healthz, the methods the operator paths and
// the webhook refuse, and /metrics scraped and parsed after known traffic.
// On the shared broker (HOOKBRIDGE_E2E_BROKERS); the fixture is in
// operations_fixture.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <string>

#include "hookbridge/version.h"
#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::hookbridge::test_support::Buckets;
using ::hookbridge::test_support::Exposition;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// --- (h) the operator endpoints and their methods ---------------------------

TEST_F(Operations, HealthzIsAliveAndOperatorPathsAndWebhookRefuseOtherMethods) {
  StartBridge();
  auto health = Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"alive"})");
  EXPECT_TRUE(IsGeneratedRequestId(health->get_header_value("X-Request-Id")));

  httplib::Client client("127.0.0.1", bridge_->port());
  client.set_read_timeout(10, 0);
  auto head = client.Head("/healthz");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);

  auto get_webhook = client.Get(kPath, {{"Authorization", std::string("Bearer ") + kNewKey}});
  ASSERT_TRUE(get_webhook);
  EXPECT_EQ(get_webhook->status, 405);
  EXPECT_EQ(get_webhook->get_header_value("Allow"), "POST");
  EXPECT_EQ(ErrorCodeOf(get_webhook->body), "method_not_allowed");

  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    auto post = client.Post(path, "{}", "application/json");
    ASSERT_TRUE(post) << path;
    EXPECT_EQ(post->status, 405) << path;
    EXPECT_EQ(post->get_header_value("Allow"), "GET, HEAD") << path;
    EXPECT_EQ(ErrorCodeOf(post->body), "method_not_allowed") << path;
    auto del = client.Delete(path);
    ASSERT_TRUE(del) << path;
    EXPECT_EQ(del->status, 405) << path;
    EXPECT_EQ(del->get_header_value("Allow"), "GET, HEAD") << path;
  }

  // The broker is up and the topic exists: ready within a few statistics rounds.
  std::string body;
  EXPECT_TRUE(PollUntil(15s, [&] {
    auto ready = Get("/readyz");
    body = ready ? ready->body : "";
    return ready && ready->status == 200;
  })) << body;
  EXPECT_EQ(body, R"({"status":"ready"})");
}

// --- (a) metrics after known traffic ----------------------------------------

TEST_F(Operations, MetricsCountKnownTrafficExactly) {
  StartBridge();
  for (int i = 0; i < 3; ++i) {
    auto accepted = Post(ProfileEvent("m-" + std::to_string(i), "p-" + std::to_string(i)));
    ASSERT_TRUE(accepted);
    ASSERT_EQ(accepted->status, 200) << accepted->body;
  }
  for (int i = 0; i < 2; ++i) {
    auto wrong = Post(ProfileEvent("w", "p"), kWrongKey);
    ASSERT_TRUE(wrong);
    ASSERT_EQ(wrong->status, 401);
  }
  auto malformed = Post("{\"id\":");
  ASSERT_TRUE(malformed);
  ASSERT_EQ(malformed->status, 400);
  auto too_large = Post(std::string(kMaxBody + 1, ' '));
  ASSERT_TRUE(too_large);
  ASSERT_EQ(too_large->status, 413);
  auto invalid = Post(R"({"id":"x","event":"profile.updated","data":{}})");
  ASSERT_TRUE(invalid);
  ASSERT_EQ(invalid->status, 422);

  // A request is counted just after its answer is written, and its rejection
  // after that: wait for the 8th request and the 5th rejection.
  const std::string webhook_count =
      "hookbridge_http_request_duration_seconds_count{route=\"webhook\"}";
  const std::string rtt = "hookbridge_kafka_broker_rtt_seconds{broker=\"1\"}";
  Exposition metrics;
  ASSERT_TRUE(PollUntil(10s, [&] {
    metrics = Scrape();
    double rejected = 0;
    for (const auto& [series, value] : metrics.SeriesOf("hookbridge_webhook_rejections_total")) {
      rejected += value;
    }
    return metrics.Value(webhook_count) >= 8 && rejected >= 5 && metrics.Has(rtt);
  })) << last_metrics_text_;
  EXPECT_THAT(metrics.errors, IsEmpty()) << last_metrics_text_;

  auto requests = [](int code) {
    return "hookbridge_http_requests_total{route=\"webhook\",code=\"" + std::to_string(code) +
           "\"}";
  };
  EXPECT_EQ(metrics.Value(requests(200)), 3);
  EXPECT_EQ(metrics.Value(requests(401)), 2);
  EXPECT_EQ(metrics.Value(requests(400)), 1);
  EXPECT_EQ(metrics.Value(requests(413)), 1);
  EXPECT_EQ(metrics.Value(requests(422)), 1);
  double webhook_requests = 0;
  for (const auto& [series, value] : metrics.SeriesOf("hookbridge_http_requests_total")) {
    if (series.find("route=\"webhook\"") != std::string::npos) webhook_requests += value;
  }
  EXPECT_EQ(webhook_requests, 8);

  auto rejections = [](const char* reason) {
    return std::string("hookbridge_webhook_rejections_total{reason=\"") + reason + "\"}";
  };
  EXPECT_EQ(metrics.Value(rejections("auth")), 2);
  EXPECT_EQ(metrics.Value(rejections("json")), 1);
  EXPECT_EQ(metrics.Value(rejections("size")), 1);
  EXPECT_EQ(metrics.Value(rejections("schema")), 1);
  // Every other reason is exported too, at 0.
  double all_rejections = 0;
  for (const auto& [series, value] : metrics.SeriesOf("hookbridge_webhook_rejections_total")) {
    all_rejections += value;
  }
  EXPECT_EQ(all_rejections, 5) << last_metrics_text_;
  EXPECT_EQ(metrics.Value(rejections("signature_invalid")), 0);

  EXPECT_EQ(metrics.Value(webhook_count), 8);
  EXPECT_EQ(metrics.Value("hookbridge_kafka_ack_duration_seconds_count"), 3);
  auto ack_buckets = Buckets(metrics, "hookbridge_kafka_ack_duration_seconds", "");
  ASSERT_EQ(ack_buckets.size(), 15u);
  EXPECT_EQ(ack_buckets.back().first, "+Inf");
  EXPECT_EQ(ack_buckets.back().second, 3);
  for (size_t i = 1; i < ack_buckets.size(); ++i)
    EXPECT_LE(ack_buckets[i - 1].second, ack_buckets[i].second);
  EXPECT_GT(metrics.Value("hookbridge_kafka_ack_duration_seconds_sum"), 0);
  EXPECT_EQ(Buckets(metrics, "hookbridge_http_request_duration_seconds", "route=\"webhook\"")
                .back()
                .second,
            8);
  EXPECT_GE(metrics.Value(rtt), 0);
  EXPECT_EQ(metrics.Value("hookbridge_api_keys"), 2);
  EXPECT_EQ(metrics.Value(std::string("hookbridge_build_info{version=\"") + kVersion +
                          "\",librdkafka=\"" HOOKBRIDGE_RDKAFKA_VERSION "\"}"),
            1)
      << last_metrics_text_;
  EXPECT_THAT(metrics.SeriesOf("hookbridge_kafka_delivery_errors_total"), IsEmpty());
  EXPECT_EQ(metrics.Value("hookbridge_http_requests_in_flight"), 0);  // webhooks only, all answered

  // No key, nor anything else from a request, in the metrics.
  for (const char* secret : {kOldKey, kNewKey, kWrongKey, "m-0", "p-0"}) {
    EXPECT_THAT(last_metrics_text_, Not(HasSubstr(secret)));
  }

  // The scrapes are counted too, on their own route.
  ASSERT_TRUE(PollUntil(5s, [&] {
    metrics = Scrape();
    return metrics.Value("hookbridge_http_requests_total{route=\"metrics\",code=\"200\"}") >= 1;
  }));
  EXPECT_EQ(metrics.Value(requests(200)), 3);  // unchanged by the scrapes
}

}  // namespace
}  // namespace hookbridge::e2e
