// End to end, for operators: /readyz follows a broker of the test's own that
// is stopped and started again, and names a missing topic. The fixture is in
// operations_fixture.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::hookbridge::test_support::Exposition;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// Runs a shell command; returns its exit status and (stdout+stderr) output.
int Shell(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  output->clear();
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output->append(buffer, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A broker of the test's own, through scripts/kafka-broker.sh with its own
// port and state dir: it can be stopped without disturbing other tests.
// Always stopped (and its state removed) at destruction.
class DedicatedBroker {
 public:
  DedicatedBroker()
      : port_(FreePortPair()),
        state_dir_("/tmp/hookbridge-e2e-broker-" + std::to_string(getpid()) + "-" +
                   std::to_string(std::random_device{}())) {}
  ~DedicatedBroker() {
    std::string ignored;
    Run("stop", &ignored);
  }
  DedicatedBroker(const DedicatedBroker&) = delete;
  DedicatedBroker& operator=(const DedicatedBroker&) = delete;

  int Run(const std::string& command, std::string* output) const {
    return Shell("KAFKA_PORT=" + std::to_string(port_) + " KAFKA_STATE_DIR=" + state_dir_ + " " +
                     HOOKBRIDGE_SOURCE_DIR "/scripts/kafka-broker.sh " + command + " </dev/null",
                 output);
  }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  const int port_;
  const std::string state_dir_;
};

// --- (b) readiness follows the broker ---------------------------------------

TEST_F(Operations, ReadinessFollowsTheBrokerGoingAwayAndComingBack) {
  DedicatedBroker broker;
  ASSERT_GT(broker.port(), 0);
  std::string output;
  ASSERT_EQ(broker.Run("start", &output), 0) << output;
  const std::string topic = "e2e.readiness";
  ASSERT_EQ(CreateTopic(broker.bootstrap(), topic, 1), "");

  auto env = Environment();
  env["HOOKBRIDGE_KAFKA_BROKERS"] = broker.bootstrap();
  env["HOOKBRIDGE_KAFKA_TOPIC"] = topic;
  env["HOOKBRIDGE_ACK_TIMEOUT_MS"] = "1000";
  StartBridge(env);

  Answer ready;
  auto readyz_is = [&](int status) {
    ready = AnswerOf(Get("/readyz"));
    return ready.status == status;
  };
  ASSERT_TRUE(PollUntil(30s, [&] { return readyz_is(200); })) << ready.Describe();
  auto accepted = Post(kExampleEvent);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200) << accepted->body;

  ASSERT_EQ(broker.Run("stop", &output), 0) << output;
  ASSERT_TRUE(PollUntil(30s, [&] {
    if (!readyz_is(503)) return false;
    auto failing = FailingOf(ready.body);
    return std::find(failing.begin(), failing.end(), "kafka_connection") != failing.end();
  })) << ready.Describe();
  EXPECT_THAT(FailingOf(ready.body), Contains("kafka_connection")) << ready.body;
  EXPECT_THAT(FailingOf(ready.body), Not(Contains("draining")));
  EXPECT_THAT(ready.body, HasSubstr(R"("status":"not_ready")"));
  // Not ready, and not storing: never a 2xx. (Another event: a copy of the
  // one stored above would be answered 200 as a duplicate, truthfully.)
  auto refused = Post(ProfileEvent("evt_while_down", "p1"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  auto metrics = Scrape();
  EXPECT_EQ(metrics.Value("hookbridge_ready"), 0) << last_metrics_text_;
  auto health = Get("/healthz");  // alive all along
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  // The broker comes back (fresh state: the topic has to be made again).
  ASSERT_EQ(broker.Run("start", &output), 0) << output;
  ASSERT_EQ(CreateTopic(broker.bootstrap(), topic, 1), "");
  ASSERT_TRUE(PollUntil(60s, [&] { return readyz_is(200); })) << ready.Describe();
  EXPECT_EQ(ready.body, R"({"status":"ready"})");
  metrics = Scrape();
  EXPECT_EQ(metrics.Value("hookbridge_ready"), 1) << last_metrics_text_;

  // And it stores again.
  Answer again;
  ASSERT_TRUE(PollUntil(20s, [&] {
    again = AnswerOf(Post(ProfileEvent("back-1", "p1")));
    return again.status == 200;
  })) << again.Describe();
  // The webhook refused while the broker was away got its 503 at the ack
  // deadline, but librdkafka kept its record (message.timeout.ms, 60 s): it
  // ends stored late, ahead of back-1 on the one partition, or failed. Either
  // way its delivery report is a late one, counted.
  const std::string late = "hookbridge_late_deliveries_total{source=\"getprofile\",outcome=";
  double stored_late = 0;
  ASSERT_TRUE(PollUntil(90s, [&] {
    auto now = Scrape();
    const double stored = now.Has(late + "\"stored\"}") ? now.Value(late + "\"stored\"}") : 0;
    const double failed = now.Has(late + "\"failed\"}") ? now.Value(late + "\"failed\"}") : 0;
    stored_late = stored;
    return stored + failed == 1;
  })) << last_metrics_text_;
  const size_t expected = 1 + static_cast<size_t>(stored_late);
  auto records = ConsumeFromBeginning(broker.bootstrap(), topic, expected, 30s);
  ASSERT_EQ(records.size(), expected);
  if (expected == 2) {
    EXPECT_EQ(records[0].headers.at("ce_id"), "evt_while_down");
  }
  EXPECT_EQ(records.back().headers.at("ce_id"), "back-1");
}

TEST_F(Operations, ReadinessNamesAMissingTopic) {
  auto env = Environment();
  env["HOOKBRIDGE_KAFKA_TOPIC"] = topic_ + ".missing";
  env["HOOKBRIDGE_ACK_TIMEOUT_MS"] = "500";
  StartBridge(env);
  // Connected, but the topic never gets partitions with leaders.
  Answer ready;
  EXPECT_TRUE(PollUntil(15s, [&] {
    ready = AnswerOf(Get("/readyz"));
    return ready.status == 503 &&
           FailingOf(ready.body) == std::vector<std::string>{"topic_metadata"};
  })) << ready.Describe();
  auto refused = Post(kExampleEvent);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  // The access log says why Kafka did not store it; so do the metrics.
  std::vector<LogLine> lines;
  ASSERT_TRUE(PollUntil(5s, [&] {
    lines = LogLines(bridge_->output(), "webhook");
    return !lines.empty();
  }));
  EXPECT_EQ(lines[0]["status"], "503");
  EXPECT_EQ(lines[0]["reason"], "unavailable");
  EXPECT_FALSE(lines[0]["kafka_error"].empty()) << bridge_->output();
  EXPECT_EQ(lines[0]["event_id"], "evt_1234567890");
  EXPECT_EQ(lines[0].count("offset"), 0u);
  Exposition metrics;
  EXPECT_TRUE(PollUntil(5s, [&] {
    metrics = Scrape();
    return metrics.Value("hookbridge_webhook_rejections_total{reason=\"unavailable\"}") == 1;
  })) << last_metrics_text_;
  EXPECT_EQ(metrics.Value("hookbridge_ready"), 0);  // computed by the scrape itself
}

}  // namespace
}  // namespace hookbridge::e2e
