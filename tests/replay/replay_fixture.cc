#include "replay_fixture.h"

#include <rapidjson/document.h>

#include "hookbridge/sources/getprofile_contract.h"

namespace hookbridge::e2e {

using namespace std::chrono_literals;

void ReplayEndToEnd::SetUp() {
  EndToEnd::SetUp();
  if (HasFatalFailure()) return;
  dead_topic_ = topic_ + ".dead";
  group_ = "replay." + topic_;
  ASSERT_EQ(CreateTopic(brokers_, dead_topic_, kDeadLetterPartitions), "");
}

void ReplayEndToEnd::ProduceDeadLetters(const std::vector<DeadLetterToProduce>& letters) {
  std::vector<RecordToProduce> records;
  int request = 0;
  for (const DeadLetterToProduce& letter : letters) {
    DeadLetterSource source;
    source.refusal = letter.refusal;
    source.message = "refused by the test";
    source.request_id = "req-" + std::to_string(++request);
    source.received =
        letter.timestamp_ms == 0
            ? std::chrono::system_clock::now()
            : std::chrono::system_clock::time_point(std::chrono::milliseconds(letter.timestamp_ms));
    source.content_type = "application/json";
    source.body = letter.body;
    source.source_name = "getprofile";
    KafkaRecord built = GetProfileContract().BuildDeadLetter(std::move(source), HeaderLookup());
    records.push_back({built.key, built.value, built.headers, letter.timestamp_ms});
  }
  ASSERT_EQ(ProduceRecords(brokers_, dead_topic_, records), "");
}

std::string ReplayEndToEnd::BridgeUrl() const {
  return "http://127.0.0.1:" + std::to_string(bridge_->port()) + kPath;
}

std::map<std::string, std::string> ReplayEndToEnd::ReplayEnvironment() const {
  return {{"HOOKBRIDGE_KAFKA_BROKERS", brokers_},
          {"HOOKBRIDGE_DEAD_LETTER_TOPIC", dead_topic_},
          {"HOOKBRIDGE_REPLAY_GROUP", group_},
          {"HOOKBRIDGE_REPLAY_URL", BridgeUrl()},
          {"HOOKBRIDGE_REPLAY_API_KEY", kReplayKey}};
}

std::unique_ptr<ChildProcess> ReplayEndToEnd::StartReplay(const std::vector<std::string>& args,
                                                          std::map<std::string, std::string> env) {
  for (auto& [name, value] : ReplayEnvironment()) env.emplace(name, value);  // given ones win
  return std::make_unique<ChildProcess>(HOOKBRIDGE_REPLAY_BINARY, env, args);
}

ReplayOutcome ReplayEndToEnd::Replay(const std::vector<std::string>& args) {
  std::unique_ptr<ChildProcess> replay = StartReplay(args);
  ReplayOutcome outcome;
  outcome.exit_code = replay->WaitForExit(120s);
  outcome.output = replay->output();
  EXPECT_NE(outcome.exit_code, -1) << "replay did not end within 120 s:\n" << outcome.output;
  EXPECT_EQ(outcome.output.find(kReplayKey), std::string::npos) << "the key is in the output";
  return outcome;
}

std::map<std::string, int> ReplayEndToEnd::MainTopicIds(size_t expected) {
  std::map<std::string, int> ids;
  for (const ConsumedRecord& record : ConsumeFromBeginning(brokers_, topic_, expected, 30s)) {
    rapidjson::Document event;
    event.Parse(record.value.c_str());
    ++ids[event.IsObject() && event.HasMember("id") && event["id"].IsString()
              ? event["id"].GetString()
              : "<no id>"];
  }
  return ids;
}

bool ReplayEndToEnd::EverythingCommitted() {
  std::map<int32_t, int64_t> committed =
      CommittedOffsets(brokers_, group_, dead_topic_, kDeadLetterPartitions);
  for (const auto& [partition, end] : EndOffsets(brokers_, dead_topic_, kDeadLetterPartitions)) {
    if (end != 0 && committed[partition] != end)
      return false;  // an empty partition needs no commit
  }
  return true;
}

}  // namespace hookbridge::e2e
