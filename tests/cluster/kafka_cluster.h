// The three-node Kafka cluster of scripts/kafka-cluster.sh, driven from a
// test: node faults (kill, SIGTERM, pause, restart), network cuts, and the
// metadata the faults are aimed by (partition leaders, the active controller).
#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace hookbridge::cluster {

struct PartitionState {
  int partition = -1;
  int leader = -1;       // node id; -1: no leader
  std::vector<int> isr;  // node ids in sync
};

class KafkaCluster {
 public:
  // The cluster's settings (port, state dir, network) are the build's, the
  // same that ctest gives the start/stop fixture (tests/cluster/CMakeLists.txt).
  KafkaCluster();

  const std::string& bootstrap() const { return bootstrap_; }

  // Creates the topic (RF 3, min.insync.replicas=2) and waits until every
  // partition has a leader and all three replicas in sync.
  bool CreateTopic(const std::string& topic, int partitions);
  bool WaitInSync(const std::string& topic, std::chrono::seconds timeout);
  // The topic's partitions as node `ask` (0: any node) sees them; empty on error.
  std::vector<PartitionState> Partitions(const std::string& topic, int ask = 0);
  // The node that leads the most partitions of the topic (-1: none known).
  int BusiestLeader(const std::string& topic);
  int ActiveController();  // -1 if the quorum has none

  bool Kill(int node);       // SIGKILL, state kept
  bool Terminate(int node);  // SIGTERM and wait for the exit (controlled shutdown)
  bool Pause(int node);      // SIGSTOP
  bool Resume(int node);     // SIGCONT
  bool Restart(int node);    // relaunch on its state; waits until it is registered
  // Cuts `node` off from each peer: node ids, or "client" for this host.
  bool Cut(int node, const std::vector<std::string>& peers);
  bool Heal();
  // After a scenario, failed or not: no cut, no paused node, all three running.
  void Restore();

  // The last lines of node `node`'s broker log, for failure messages.
  std::string LogTail(int node, size_t lines) const;

 private:
  bool Run(const std::vector<std::string>& args, std::string* output = nullptr) const;

  std::string bootstrap_;
};

// Polls `condition` every 250 ms until it holds or `timeout` passes.
template <typename Condition>
bool WaitUntil(Condition condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return true;
}

}  // namespace hookbridge::cluster
