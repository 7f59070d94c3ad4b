#include "kafka_cluster.h"

#include <cstdlib>
#include <map>
#include <sstream>

#include "../support/run_script.h"

namespace hookbridge::cluster {
namespace {

const std::string kScript = std::string(HOOKBRIDGE_SOURCE_DIR) + "/scripts/kafka-cluster.sh";

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

KafkaCluster::KafkaCluster() {
  std::string output;
  if (Run({"bootstrap"}, &output)) bootstrap_ = Trimmed(output);
}

bool KafkaCluster::Run(const std::vector<std::string>& args, std::string* output) const {
  // The build's cluster, unless the environment names another (a manual
  // run next to CI's, e.g. the long soak).
  auto setting = [](const char* name, const char* build_value) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr && *value != '\0' ? value : build_value);
  };
  return test_support::RunScript(
      kScript, args,
      {{"KAFKA_CLUSTER_PORT", setting("KAFKA_CLUSTER_PORT", CLUSTER_PORT)},
       {"KAFKA_CLUSTER_STATE_DIR", setting("KAFKA_CLUSTER_STATE_DIR", CLUSTER_STATE_DIR)},
       {"KAFKA_CLUSTER_NET", setting("KAFKA_CLUSTER_NET", CLUSTER_NET)},
       {"KAFKA_CLUSTER_NETNS_PREFIX", setting("KAFKA_CLUSTER_NETNS_PREFIX", CLUSTER_NETNS_PREFIX)}},
      output);
}

bool KafkaCluster::CreateTopic(const std::string& topic, int partitions) {
  return Run({"create-topic", topic, std::to_string(partitions)});
}

bool KafkaCluster::WaitInSync(const std::string& topic, std::chrono::seconds timeout) {
  return Run({"wait-in-sync", topic, std::to_string(timeout.count())});
}

std::vector<PartitionState> KafkaCluster::Partitions(const std::string& topic, int ask) {
  std::string output;
  std::vector<std::string> args = {"isr", topic};
  if (ask > 0) args.push_back(std::to_string(ask));
  if (!Run(args, &output)) return {};
  std::vector<PartitionState> partitions;
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    // "partition P leader L isr A,B,C"
    std::istringstream words(line);
    std::string partition_word, leader_word, isr_word, isr_list;
    PartitionState state;
    if (!(words >> partition_word >> state.partition >> leader_word >> state.leader >> isr_word) ||
        partition_word != "partition") {
      continue;
    }
    words >> isr_list;
    std::istringstream ids(isr_list);
    for (std::string id; std::getline(ids, id, ',');) {
      if (!id.empty()) state.isr.push_back(std::stoi(id));
    }
    partitions.push_back(state);
  }
  return partitions;
}

int KafkaCluster::BusiestLeader(const std::string& topic) {
  std::map<int, int> led;
  for (const PartitionState& partition : Partitions(topic)) {
    if (partition.leader > 0) ++led[partition.leader];
  }
  int busiest = -1;
  for (const auto& [node, count] : led) {
    if (busiest < 0 || count > led[busiest]) busiest = node;
  }
  return busiest;
}

int KafkaCluster::ActiveController() {
  std::string output;
  if (!Run({"controller"}, &output)) return -1;
  return std::atoi(output.c_str());
}

bool KafkaCluster::Kill(int node) { return Run({"kill", std::to_string(node)}); }
bool KafkaCluster::Terminate(int node) { return Run({"term", std::to_string(node)}); }
bool KafkaCluster::Pause(int node) { return Run({"pause", std::to_string(node)}); }
bool KafkaCluster::Resume(int node) { return Run({"resume", std::to_string(node)}); }
bool KafkaCluster::Restart(int node) { return Run({"restart", std::to_string(node)}); }
bool KafkaCluster::Heal() { return Run({"heal"}); }

bool KafkaCluster::Cut(int node, const std::vector<std::string>& peers) {
  std::vector<std::string> args = {"cut", std::to_string(node)};
  args.insert(args.end(), peers.begin(), peers.end());
  return Run(args);
}

void KafkaCluster::Restore() {
  Heal();
  for (int node = 1; node <= 3; ++node) {
    Resume(node);   // a no-op for a node that is not paused or not running
    Restart(node);  // a no-op for a running node  // a no-op for a running node
  }
}

std::string KafkaCluster::LogTail(int node, size_t lines) const {
  std::string output;
  Run({"log-tail", std::to_string(node), std::to_string(lines)}, &output);
  return output;
}

}  // namespace hookbridge::cluster
