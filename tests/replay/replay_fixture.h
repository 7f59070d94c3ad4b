// The replay suite's fixture: the EndToEnd one (the shared broker, a fresh
// main topic, the hookbridge binary) plus a fresh dead-letter topic, a
// consumer group of the test's own, dead letters produced straight onto the
// topic, and hookbridge-replay run as a child process.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bridge_fixture.h"
#include "child_process.h"
#include "hookbridge/core/dead_letter.h"

namespace hookbridge::e2e {

inline constexpr int kDeadLetterPartitions = 3;
inline constexpr const char* kReplayKey = kNewKey;

struct DeadLetterToProduce {
  std::string body;
  ErrorCode refusal = ErrorCode::kInvalidEvent;
  int64_t timestamp_ms = 0;  // 0: now
};

struct ReplayOutcome {
  int exit_code = -1;
  std::string output;
};

class ReplayEndToEnd : public EndToEnd {
 protected:
  void SetUp() override;

  // Builds each as hookbridge does (BuildDeadLetterRecord) and produces them
  // in order onto the dead-letter topic.
  void ProduceDeadLetters(const std::vector<DeadLetterToProduce>& letters);

  // hookbridge-replay's environment: the broker, the dead-letter topic, the
  // test's group, the running bridge's webhook URL, the key.
  std::map<std::string, std::string> ReplayEnvironment() const;
  std::string BridgeUrl() const;

  // Starts hookbridge-replay (the caller waits for it).
  std::unique_ptr<ChildProcess> StartReplay(const std::vector<std::string>& args = {},
                                            std::map<std::string, std::string> env = {});
  // Runs it to its end (within a bound) and checks the key is nowhere in its output.
  ReplayOutcome Replay(const std::vector<std::string>& args = {});

  // How many times each event id is on the main topic, reading `expected` records.
  std::map<std::string, int> MainTopicIds(size_t expected);
  // True when the group's committed offset of every dead-letter partition is its end.
  bool EverythingCommitted();

  std::string dead_topic_;
  std::string group_;
};

}  // namespace hookbridge::e2e
