// The fixture of the cluster suites: a fresh replicated topic on the shared
// three-node cluster (the kafka_cluster ctest fixture runs it), the real
// hookbridge binary on it, the loss checker's load with ordered senders, and
// the report that each scenario writes to <build>/cluster-reports/.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../e2e/supervised_hookbridge.h"
#include "kafka_cluster.h"
#include "loss_checker.h"

namespace hookbridge::cluster {

using faults::Clock;

inline constexpr int kPartitions = 6;
// hookbridge's default ack deadline (HOOKBRIDGE_ACK_TIMEOUT_MS): the
// production setting, under GetProfile's 5 s.
inline constexpr int kAckTimeoutMs = 4000;

class ClusterScenario : public ::testing::Test {
 protected:
  // Restores the cluster (no cut, no paused or stopped node), creates the
  // scenario's topic and waits until it is in sync, starts hookbridge on it.
  void StartScenario(const std::string& name);
  void TearDown() override;

  // The loss checker's load: HOOKBRIDGE_CLUSTER_EVENTS (20000) events from
  // HOOKBRIDGE_CLUSTER_CONCURRENCY (32) ordered senders, at `rate` events/s
  // (0: as fast as they go).
  void StartLoad(double rate, size_t events = 0);
  void WaitForAcknowledged(size_t count);
  // The fault and the recovery the scenario waits for are over: the events
  // left go out as fast as the senders go (LoadRun::StopPacing), noted in the
  // report. Pacing only makes the load span the fault; what is sent after
  // the recovery, and every check of Finish, are unchanged.
  void StopPacing();

  // Waits for the senders, reads the topic, writes the report, and checks the
  // guarantee: no acknowledged event missing, no order violation, every
  // event acknowledged in the end, no answer but 2xx and 503.
  // `recovered_at`: the moment the cluster recovered (for the figure "first
  // 2xx after recovery"), described by `recovery`.
  void Finish(const std::vector<size_t>& before_fault, Clock::time_point recovered_at,
              const std::string& recovery);

  void Note(const std::string& note) { notes_.push_back(note); }
  // GET `path` on hookbridge: the status, and the body in *body.
  int Get(const std::string& path, std::string* body = nullptr) const;
  std::string TimeSinceStart(Clock::time_point at) const;

  KafkaCluster cluster_;
  std::string scenario_;
  std::string topic_;
  Clock::time_point started_{};
  size_t events_ = 0;
  int concurrency_ = 0;
  // hookbridge, run as an orchestrator runs it: a fatal error of the
  // idempotent producer exits it with status 3 (docs/producer-settings.md),
  // and the supervisor starts it again at once, on the same port. Any other
  // exit fails the scenario. Its output() is that of every process so far,
  // its pid() the running one's (it changes with a restart).
  std::unique_ptr<e2e::SupervisedHookbridge> bridge_;
  int bridge_port_ = -1;

  std::unique_ptr<faults::LoadRun> run_;
  faults::LossReport report_;
  std::vector<std::string> notes_;

 private:
  std::map<std::string, std::string> BridgeEnvironment(int port) const;
};

double Seconds(Clock::duration duration);
// <build>/cluster-reports, or HOOKBRIDGE_CLUSTER_REPORT_DIR.
std::string ReportDir();

}  // namespace hookbridge::cluster
