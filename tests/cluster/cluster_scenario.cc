#include "cluster_scenario.h"

#include <httplib.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../support/env_number.h"
#include "../support/tail.h"

namespace hookbridge::cluster {
namespace {

using namespace std::chrono_literals;

constexpr const char* kApiKey = "cluster-key-0123456789abcdef";

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

std::string ReportDir() {
  const char* dir = std::getenv("HOOKBRIDGE_CLUSTER_REPORT_DIR");
  return dir != nullptr && *dir != '\0' ? dir : CLUSTER_REPORT_DIR;
}

void ClusterScenario::StartScenario(const std::string& name) {
  scenario_ = name;
  started_ = Clock::now();
  events_ = test_support::EnvNumber("HOOKBRIDGE_CLUSTER_EVENTS", 20000);
  concurrency_ = static_cast<int>(test_support::EnvNumber("HOOKBRIDGE_CLUSTER_CONCURRENCY", 32));
  ASSERT_FALSE(cluster_.bootstrap().empty()) << "scripts/kafka-cluster.sh bootstrap failed";
  // An earlier scenario may have failed half way through its fault.
  cluster_.Restore();
  topic_ = "cluster." + name + "." + faults::RandomRunId();
  ASSERT_TRUE(cluster_.CreateTopic(topic_, kPartitions))
      << "the topic did not get a leader and three in-sync replicas per partition";
  bridge_ = std::make_unique<e2e::SupervisedHookbridge>(
      [this](int port) { return BridgeEnvironment(port); });
  ASSERT_TRUE(bridge_->Start()) << bridge_->output();
  bridge_port_ = bridge_->port();
  bridge_->Supervise();
}

std::map<std::string, std::string> ClusterScenario::BridgeEnvironment(int port) const {
  return {{"HOOKBRIDGE_LISTEN", "127.0.0.1:" + std::to_string(port)},
          {"GETPROFILE_API_KEY", kApiKey},
          {"HOOKBRIDGE_KAFKA_BROKERS", cluster_.bootstrap()},
          {"HOOKBRIDGE_KAFKA_TOPIC", topic_},
          {"HOOKBRIDGE_ACK_TIMEOUT_MS", std::to_string(kAckTimeoutMs)}};
}

void ClusterScenario::TearDown() {
  if (run_) run_->Stop();
  if (bridge_) bridge_->StopSupervising();
  if (HasFailure()) {
    if (bridge_) {
      std::cerr << "--- hookbridge output (tail) ---\n"
                << test_support::Tail(bridge_->output(), 40);
    }
    for (int node = 1; node <= 3; ++node) {
      std::cerr << "--- node " << node << " log (tail) ---\n" << cluster_.LogTail(node, 30);
    }
  }
  bridge_.reset();
  // Leave no cut and no paused node behind for the next scenario (it also
  // restores, and restarts any stopped node, before it starts).
  cluster_.Heal();
  for (int node = 1; node <= 3; ++node) cluster_.Resume(node);
}

void ClusterScenario::StartLoad(double rate, size_t events) {
  faults::LoadOptions options;
  options.port = bridge_port_;
  options.api_key = kApiKey;
  options.events = events > 0 ? events : events_;
  options.concurrency = concurrency_;
  options.ordered_per_sender = true;
  options.rate_per_second = rate;
  options.overall_deadline = 600s;
  run_ = std::make_unique<faults::LoadRun>(options);
  run_->Start();
}

void ClusterScenario::WaitForAcknowledged(size_t count) {
  // In steps, so that a hookbridge that exited for good fails the scenario
  // at once instead of at the bound.
  auto deadline = Clock::now() + 300s;
  while (!run_->WaitForAcknowledged(count, 1s)) {
    ASSERT_EQ(bridge_->failure(), "")
        << "after " << run_->acknowledged() << " of " << count << " acknowledged";
    ASSERT_LT(Clock::now(), deadline)
        << "only " << run_->acknowledged() << " of " << count << " acknowledged";
  }
}

void ClusterScenario::StopPacing() {
  run_->StopPacing();
  Note("pacing stopped at " + TimeSinceStart(Clock::now()) + " with " +
       std::to_string(run_->acknowledged()) + " of " + std::to_string(run_->options().events) +
       " acknowledged: the rest as fast as the senders go");
}

int ClusterScenario::Get(const std::string& path, std::string* body) const {
  httplib::Client client("127.0.0.1", bridge_port_);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get(path.c_str());
  if (!result) return -1;
  if (body != nullptr) *body = result->body;
  return result->status;
}

std::string ClusterScenario::TimeSinceStart(Clock::time_point at) const {
  return Fixed(Seconds(at - started_), 1) + " s";
}

void ClusterScenario::Finish(const std::vector<size_t>& before_fault,
                             Clock::time_point recovered_at, const std::string& recovery) {
  ASSERT_TRUE(run_->Wait(600s)) << "senders did not finish";
  bridge_->StopSupervising();
  EXPECT_EQ(bridge_->failure(), "");
  faults::ConsumeOptions consume;
  consume.brokers = cluster_.bootstrap();
  consume.topic = topic_;
  consume.timeout = 120s;
  report_ = faults::CheckTopic(*run_, consume, &before_fault);
  report_.scenario = scenario_;
  const double first_2xx = run_->SecondsToFirstAcknowledgementAfter(recovered_at);

  std::ostringstream text;
  text << "cluster-report scenario=" << scenario_ << " acknowledged=" << report_.acknowledged
       << " missing=" << report_.missing << " duplicates=" << report_.duplicates
       << " (bridge=" << report_.duplicates_bridge
       << " sender_retry=" << report_.duplicates_sender_retry
       << " unattributed=" << report_.duplicates_unattributed << ")"
       << " order_violations=" << report_.order_violations
       << " seconds_without_2xx=" << run_->SecondsWithoutAcknowledgement()
       << " first_2xx_after_recovery_s="
       << (first_2xx < 0 ? "none(load_over)" : Fixed(first_2xx, 2))
       << " send_s=" << Fixed(report_.send_seconds, 1)
       << " duration_s=" << Fixed(Seconds(Clock::now() - started_), 0)
       << " restarts_after_fatal_error=" << bridge_->restarts() << "\n";
  text << "recovery: " << recovery << "\n";
  text << report_.Line() << "\n";
  text << "topic=" << topic_ << " partitions=" << kPartitions << " replication_factor=3"
       << " min_insync_replicas=2 concurrency=" << concurrency_
       << " ack_timeout_ms=" << kAckTimeoutMs
       << " rate_per_s=" << Fixed(run_->options().rate_per_second, 0) << "\n";
  for (const std::string& note : notes_) text << note << "\n";
  for (const std::string& id : report_.missing_sample) text << "missing: " << id << "\n";
  for (const std::string& pair : report_.order_violation_sample) text << "order: " << pair << "\n";
  for (const std::string& answer : report_.other_answers)
    text << "other answer: " << answer << "\n";
  std::cout << text.str() << std::flush;
  mkdir(ReportDir().c_str(), 0755);
  std::ofstream(ReportDir() + "/" + scenario_ + ".txt") << text.str();

  EXPECT_TRUE(report_.consume_complete) << report_.consume_error;
  EXPECT_EQ(report_.missing, 0u) << "acknowledged but not in Kafka";
  EXPECT_EQ(report_.acked_before_fault_missing, 0u) << "acknowledged before the fault, then lost";
  EXPECT_TRUE(report_.order_checked);
  EXPECT_EQ(report_.order_violations, 0u) << "events of a profile stored out of order";
  EXPECT_EQ(report_.never_acknowledged, 0u) << "events that never got a 2xx";
  EXPECT_EQ(report_.consumed_distinct, run_->options().events)
      << "every event must end up on the topic";
  EXPECT_EQ(report_.sends.status_other, 0u) << "answers other than 2xx and 503";
}

}  // namespace hookbridge::cluster
