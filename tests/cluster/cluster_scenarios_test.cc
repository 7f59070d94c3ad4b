// The guarantee "a 2xx means the event is in Kafka" on a replicated cluster
// (three KRaft nodes, RF 3, min.insync.replicas=2, acks=all), under the faults
// where acknowledged data is lost in practice: a leader or the controller
// dies, two of three nodes are down, a rolling restart, a paused node, and a
// leader cut off by a network partition (with and without hookbridge still
// reaching it). Each scenario runs the loss checker (20,000 events, 32
// ordered senders retrying like GetProfile) across the fault and fails on one
// acknowledged event missing or one order violation. See tests/cluster/README.md.
#include <gtest/gtest.h>

#include <algorithm>

#include "../support/prometheus_text.h"
#include "cluster_scenario.h"

namespace hookbridge::cluster {
namespace {

using namespace std::chrono_literals;

// Paced so that 20,000 events span the fault and the recovery (about 35 s);
// the rolling restart, three restarts in turn (about 60 s), gets a longer run.
// Once the recovery is over, each scenario stops the pacing: the events left
// go as fast as the senders go, instead of idling out the schedule.
constexpr double kRate = 600;
constexpr double kRollingRestartRate = 200;

std::string Text(double seconds) { return std::to_string(seconds).substr(0, 5) + " s"; }

// True when no partition of the topic, as `ask` sees it, is led by `node`
// and every partition has a leader.
bool LeadersMovedOff(KafkaCluster& cluster, const std::string& topic, int node, int ask = 0) {
  auto partitions = cluster.Partitions(topic, ask);
  return !partitions.empty() &&
         std::all_of(partitions.begin(), partitions.end(),
                     [&](const PartitionState& p) { return p.leader > 0 && p.leader != node; });
}

// True when `node` is in no partition's in-sync set.
bool OutOfEveryIsr(KafkaCluster& cluster, const std::string& topic, int node) {
  auto partitions = cluster.Partitions(topic);
  return !partitions.empty() &&
         std::none_of(partitions.begin(), partitions.end(), [&](const PartitionState& p) {
           return std::find(p.isr.begin(), p.isr.end(), node) != p.isr.end();
         });
}

int AnotherNode(int node) { return node % 3 + 1; }

class ClusterFaults : public ClusterScenario {
 protected:
  void PartitionTheBusiestLeader(bool from_hookbridge);
};

// The leader of the most partitions is SIGKILLed mid-run: its partitions move
// to followers that have every acknowledged record; later it comes back.
TEST_F(ClusterFaults, LeaderKilledThenRestarted) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("leader_sigkill"));
  StartLoad(kRate);
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(events_ / 3));

  const int victim = cluster_.BusiestLeader(topic_);
  ASSERT_GT(victim, 0);
  auto before = run_->AcknowledgedSoFar();
  auto killed_at = Clock::now();
  ASSERT_TRUE(cluster_.Kill(victim));
  ASSERT_TRUE(WaitUntil([&] { return LeadersMovedOff(cluster_, topic_, victim); }, 90s))
      << "the killed node's partitions got no new leader";
  auto failover_at = Clock::now();
  Note("killed node " + std::to_string(victim) + " (leader of the most partitions) at " +
       TimeSinceStart(killed_at) + "; every partition had a new leader " +
       Text(Seconds(failover_at - killed_at)) + " later");
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(std::min(events_, run_->acknowledged() + 1000)));
  ASSERT_TRUE(cluster_.Restart(victim));
  ASSERT_TRUE(cluster_.WaitInSync(topic_, 120s)) << "the restarted node did not catch up";
  Note("node " + std::to_string(victim) + " back in every in-sync set at " +
       TimeSinceStart(Clock::now()));
  StopPacing();
  ASSERT_NO_FATAL_FAILURE(Finish(before, failover_at, "every partition has a leader again"));
}

// The active controller is SIGKILLed: the two others elect a new one.
TEST_F(ClusterFaults, ActiveControllerKilled) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("controller_sigkill"));
  StartLoad(kRate);
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(events_ / 3));

  const int controller = cluster_.ActiveController();
  ASSERT_GT(controller, 0);
  auto before = run_->AcknowledgedSoFar();
  auto killed_at = Clock::now();
  ASSERT_TRUE(cluster_.Kill(controller));
  // New leaders first: that poll is cheap (kcat), so its moment is the
  // recovery's; asking for the controller starts a JVM, seconds on a busy
  // machine. Leaders move only once a new controller has fenced the dead node.
  ASSERT_TRUE(WaitUntil([&] { return LeadersMovedOff(cluster_, topic_, controller); }, 90s));
  auto recovered_at = Clock::now();
  int successor = -1;
  ASSERT_TRUE(WaitUntil(
      [&] {
        successor = cluster_.ActiveController();
        return successor > 0 && successor != controller;
      },
      90s))
      << "no new controller";
  Note("killed the active controller, node " + std::to_string(controller) + ", at " +
       TimeSinceStart(killed_at) + "; node " + std::to_string(successor) +
       " took over and its partitions had new leaders " + Text(Seconds(recovered_at - killed_at)) +
       " later");
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(std::min(events_, run_->acknowledged() + 1000)));
  ASSERT_TRUE(cluster_.Restart(controller));
  ASSERT_TRUE(cluster_.WaitInSync(topic_, 120s));
  StopPacing();
  ASSERT_NO_FATAL_FAILURE(
      Finish(before, recovered_at, "a new controller, and every partition has a leader again"));
}

// Two of three nodes down: fewer in sync than min.insync.replicas (and no
// controller quorum). Not one 2xx may come back then; /readyz stays 200 (the
// condition is the cluster's, every instance shares it: emptying the load
// balancer's pool would turn GetProfile's 503 + Retry-After into the
// balancer's own error), and /metrics and the log show the brokers down.
// Service resumes once one node returns.
TEST_F(ClusterFaults, TwoOfThreeDownNoAcknowledgement) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("two_brokers_down"));
  StartLoad(kRate);
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(events_ / 3));

  const int first = cluster_.BusiestLeader(topic_);
  ASSERT_GT(first, 0);
  const int second = AnotherNode(first);
  auto before = run_->AcknowledgedSoFar();
  auto down_at = Clock::now();
  ASSERT_TRUE(cluster_.Kill(first));
  ASSERT_TRUE(cluster_.Kill(second));

  // hookbridge's statistics (every second) notice the brokers gone.
  std::string metrics;
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto exposition =
            test_support::ParseExposition(Get("/metrics", &metrics) == 200 ? metrics : "");
        return exposition.Value(R"(hookbridge_kafka_brokers{state="up"})") == 1 &&
               exposition.Value(R"(hookbridge_kafka_brokers{state="unreachable"})") == 2;
      },
      30s))
      << "/metrics did not show one broker up and two unreachable:\n"
      << metrics;
  EXPECT_EQ(Get("/readyz"), 200) << "a cluster-wide condition must not empty the pool";
  EXPECT_NE(bridge_->output().find("Kafka brokers unreachable"), std::string::npos);

  // Answers to records stored before the kill may still be on their way; past
  // the ack deadline (plus a margin for a busy machine) none can be.
  const auto window_from = down_at + std::chrono::milliseconds(kAckTimeoutMs) + 2s;
  std::this_thread::sleep_until(window_from + 10s);  // the fault lasts: 10 s of window
  const auto window_to = Clock::now();
  const int ready_during = Get("/readyz");
  const size_t sends_503 = run_->counts().status_503;

  auto restarted_at = Clock::now();
  ASSERT_TRUE(cluster_.Restart(first));
  ASSERT_TRUE(run_->WaitForAcknowledged(run_->acknowledged() + 1, 180s) || run_->done())
      << "no 2xx after a second node came back";
  const double back = Seconds(Clock::now() - restarted_at);
  ASSERT_TRUE(cluster_.Restart(second));
  ASSERT_TRUE(cluster_.WaitInSync(topic_, 120s));

  const size_t acked_in_window = run_->AcknowledgedBetween(window_from, window_to);
  Note("killed nodes " + std::to_string(first) + " and " + std::to_string(second) + " at " +
       TimeSinceStart(down_at) + "; 2xx from " + Text(Seconds(window_from - down_at)) + " to " +
       Text(Seconds(window_to - down_at)) + " after: " + std::to_string(acked_in_window) +
       "; /readyz then " + std::to_string(ready_during) + "; 503s so far " +
       std::to_string(sends_503) + "; first 2xx " + Text(back) + " after node " +
       std::to_string(first) + " was relaunched");
  StopPacing();
  ASSERT_NO_FATAL_FAILURE(
      Finish(before, restarted_at, "node " + std::to_string(first) + " relaunched"));
  EXPECT_EQ(acked_in_window, 0u) << "2xx while fewer than min.insync.replicas were up";
  EXPECT_EQ(ready_during, 200);
  EXPECT_GT(sends_503, 0u);
}

// A rolling restart under load, as an upgrade does it: SIGTERM (controlled
// shutdown moves leadership away), relaunch, wait until it is back in every
// in-sync set, next node.
TEST_F(ClusterFaults, RollingRestart) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("rolling_restart"));
  StartLoad(kRollingRestartRate);
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(events_ / 10));

  auto before = run_->AcknowledgedSoFar();
  for (int node = 1; node <= 3; ++node) {
    auto at = Clock::now();
    ASSERT_TRUE(cluster_.Terminate(node)) << "node " << node << " did not stop on SIGTERM";
    ASSERT_TRUE(cluster_.Restart(node));
    ASSERT_TRUE(cluster_.WaitInSync(topic_, 120s)) << "node " << node << " did not catch up";
    Note("node " + std::to_string(node) + ": SIGTERM at " + TimeSinceStart(at) + ", back in sync " +
         Text(Seconds(Clock::now() - at)) + " later");
  }
  auto done_at = Clock::now();
  Note("acknowledged when the last node was back in sync: " + std::to_string(run_->acknowledged()) +
       " of " + std::to_string(events_));
  StopPacing();
  ASSERT_NO_FATAL_FAILURE(Finish(before, done_at, "the last node back in sync"));
}

// One node paused (SIGSTOP) past replica.lag.time.max.ms: it leaves every
// in-sync set (its partitions move once its session expires), and comes back
// into them after SIGCONT.
TEST_F(ClusterFaults, NodePausedLeavesAndRejoinsIsr) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("broker_paused"));
  StartLoad(kRate);
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(events_ / 3));

  const int controller = cluster_.ActiveController();
  const int paused = controller > 0 ? AnotherNode(controller) : 1;  // not the controller
  auto before = run_->AcknowledgedSoFar();
  auto paused_at = Clock::now();
  ASSERT_TRUE(cluster_.Pause(paused));
  ASSERT_TRUE(WaitUntil([&] { return OutOfEveryIsr(cluster_, topic_, paused); }, 90s))
      << "the paused node stayed in an in-sync set";
  Note("paused node " + std::to_string(paused) + " at " + TimeSinceStart(paused_at) +
       "; out of every in-sync set " + Text(Seconds(Clock::now() - paused_at)) + " later");
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(std::min(events_, run_->acknowledged() + 1000)));
  auto resumed_at = Clock::now();
  ASSERT_TRUE(cluster_.Resume(paused));
  ASSERT_TRUE(cluster_.WaitInSync(topic_, 120s)) << "the in-sync sets did not grow back";
  Note("resumed at " + TimeSinceStart(resumed_at) + "; all in sync again " +
       Text(Seconds(Clock::now() - resumed_at)) + " later");
  StopPacing();
  ASSERT_NO_FATAL_FAILURE(Finish(before, resumed_at, "SIGCONT"));
}

// The network partitions: the leader of the most partitions is cut off from
// both other nodes (and, with `from_hookbridge`, from hookbridge too). The
// majority elects new leaders; after the heal the old leader truncates its
// log to theirs and rejoins. Whatever it had acknowledged alone would be
// missing then.
void ClusterFaults::PartitionTheBusiestLeader(bool from_hookbridge) {
  StartLoad(kRate);
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(events_ / 3));

  const int victim = cluster_.BusiestLeader(topic_);
  ASSERT_GT(victim, 0);
  const int other = AnotherNode(victim);
  std::vector<std::string> peers = {std::to_string(other), std::to_string(AnotherNode(other))};
  if (from_hookbridge) peers.push_back("client");
  auto before = run_->AcknowledgedSoFar();
  auto cut_at = Clock::now();
  ASSERT_TRUE(cluster_.Cut(victim, peers))
      << "could not cut the network: the partition scenarios need `ip netns` (root, CONFIG_NET_NS)";
  // Asked of the majority: the cut-off node still believes it leads.
  ASSERT_TRUE(WaitUntil([&] { return LeadersMovedOff(cluster_, topic_, victim, other); }, 90s))
      << "the majority elected no new leaders";
  auto moved_at = Clock::now();
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(std::min(events_, run_->acknowledged() + 1000)));
  const double resumed = run_->SecondsToFirstAcknowledgementAfter(moved_at);
  auto healed_at = Clock::now();
  ASSERT_TRUE(cluster_.Heal());
  ASSERT_TRUE(cluster_.WaitInSync(topic_, 120s)) << "the old leader did not rejoin";
  Note("cut node " + std::to_string(victim) + " off from both other nodes" +
       (from_hookbridge ? " and hookbridge" : " (hookbridge still reaches it)") + " at " +
       TimeSinceStart(cut_at) + "; the majority's new leaders " + Text(Seconds(moved_at - cut_at)) +
       " later; first 2xx " + Text(resumed) + " after that; healed at " +
       TimeSinceStart(healed_at) + ", all in sync again " +
       Text(Seconds(Clock::now() - healed_at)) + " later");
  StopPacing();
  ASSERT_NO_FATAL_FAILURE(Finish(before, moved_at, "the majority elected new leaders"));
}

// The leader cut off from everyone, hookbridge included.
TEST_F(ClusterFaults, LeaderPartitionedFromEveryone) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("partition_leader_isolated"));
  PartitionTheBusiestLeader(/*from_hookbridge=*/true);
}

// The case acks=all with min.insync.replicas=2 exists for: the leader cut
// off from its followers but still reachable by hookbridge. It cannot get a
// second replica to take a record, so it must not acknowledge one.
TEST_F(ClusterFaults, LeaderPartitionedFromFollowersOnly) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("partition_leader_from_followers"));
  PartitionTheBusiestLeader(/*from_hookbridge=*/false);
}

}  // namespace
}  // namespace hookbridge::cluster
