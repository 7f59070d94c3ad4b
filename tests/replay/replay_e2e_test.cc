// hookbridge-replay end to end: dead letters produced onto a dead-letter topic
// of the real broker, replayed through the hookbridge binary onto its main
// topic. What a 2xx, a 4xx, a 5xx and a stop do to the records and the
// group's commits; a second run; --dry-run; the filters.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <future>
#include <regex>
#include <thread>

#include "replay_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;

std::vector<DeadLetterToProduce> ValidLetters(int count, const std::string& prefix = "evt_") {
  std::vector<DeadLetterToProduce> letters;
  for (int i = 0; i < count; ++i) {
    letters.push_back(
        {ProfileEvent(prefix + std::to_string(i), "profile-" + std::to_string(i % 4), i)});
  }
  return letters;
}

std::map<std::string, int> OnceEach(int count, const std::string& prefix = "evt_") {
  std::map<std::string, int> ids;
  for (int i = 0; i < count; ++i) ids[prefix + std::to_string(i)] = 1;
  return ids;
}

TEST_F(ReplayEndToEnd, DeliversDeadLettersToTheMainTopicCommitsThemAndASecondRunSendsNothing) {
  StartBridge();
  ProduceDeadLetters(ValidLetters(12));

  ReplayOutcome first = Replay();
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("replay: done: 12 of 12 records read: delivered 12, refused 0"),
            std::string::npos)
      << first.output;
  EXPECT_EQ(MainTopicIds(12), OnceEach(12));
  EXPECT_TRUE(EverythingCommitted());

  ReplayOutcome second = Replay();
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("replay: done: 0 of 0 records read"), std::string::npos)
      << second.output;
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 12);
}

TEST_F(ReplayEndToEnd, ARefusedRecordIsLeftAndReportedAndALaterRunSeesItButResendsNothing) {
  StartBridge();
  std::vector<DeadLetterToProduce> letters = ValidLetters(9);
  // Still not an event: hookbridge (without a dead-letter topic) answers 400 and 422.
  letters.insert(letters.begin() + 2, {R"({"id":"broken_json",)", ErrorCode::kInvalidJson});
  letters.insert(letters.begin() + 6, {R"({"id":"no_data","event":"profile.updated"})"});
  ProduceDeadLetters(letters);

  ReplayOutcome first = Replay();
  EXPECT_EQ(first.exit_code, 1) << first.output;
  EXPECT_NE(first.output.find("delivered 9, refused 2"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("reason=json received_at="), std::string::npos) << first.output;
  EXPECT_NE(first.output.find(": 400 invalid_json: "), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("key=no_data reason=schema"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find(": 422 invalid_event: "), std::string::npos) << first.output;
  EXPECT_EQ(MainTopicIds(9), OnceEach(9));
  EXPECT_FALSE(EverythingCommitted());

  ReplayOutcome second = Replay();
  EXPECT_EQ(second.exit_code, 1) << second.output;
  // It reads on from each partition's first record left behind, skipping what the ledger says
  // was delivered.
  EXPECT_NE(second.output.find("delivered 0, refused 2"), std::string::npos) << second.output;
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 9);
}

TEST_F(ReplayEndToEnd, DryRunListsWhatWouldBeSentAndSendsAndCommitsNothing) {
  StartBridge();
  ProduceDeadLetters(ValidLetters(5));

  ReplayOutcome dry = Replay({"--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_EQ(CountOf(dry.output, "would-send partition="), 5u) << dry.output;
  // A line with no detail ends at its byte count: no stray "-" (issue 25).
  EXPECT_FALSE(std::regex_search(dry.output, std::regex("bytes=[0-9]+[^0-9\n:]"))) << dry.output;
  EXPECT_EQ(CountOf(dry.output, "received_at="), 5u) << dry.output;
  EXPECT_NE(dry.output.find("would send 5"), std::string::npos) << dry.output;
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 0);
  EXPECT_TRUE(CommittedOffsets(brokers_, group_, dead_topic_, kDeadLetterPartitions) ==
              (std::map<int32_t, int64_t>{{0, -1001}, {1, -1001}, {2, -1001}}));

  ReplayOutcome real = Replay();
  EXPECT_EQ(real.exit_code, 0) << real.output;
  EXPECT_EQ(MainTopicIds(5), OnceEach(5));
}

TEST_F(ReplayEndToEnd, FiltersLeaveTheOtherRecordsForALaterRun) {
  StartBridge();
  const int64_t old_ms = 1764547200000;  // 2025-12-01T00:00:00Z
  std::vector<DeadLetterToProduce> letters = {
      {ProfileEvent("schema_old", "p1"), ErrorCode::kInvalidEvent, old_ms},
      {ProfileEvent("schema_new", "p2"), ErrorCode::kInvalidEvent},
      {ProfileEvent("type_new", "p3"), ErrorCode::kUnsupportedMediaType},
      {ProfileEvent("json_new", "p4"), ErrorCode::kInvalidJson},
  };
  ProduceDeadLetters(letters);

  ReplayOutcome schema_recent = Replay({"--reason=schema", "--since=2026-01-01T00:00:00Z"});
  EXPECT_EQ(schema_recent.exit_code, 0) << schema_recent.output;
  EXPECT_NE(
      schema_recent.output.find("delivered 1, refused 0, dead-lettered again 0, not selected 3"),
      std::string::npos)
      << schema_recent.output;
  EXPECT_EQ(MainTopicIds(1), (std::map<std::string, int>{{"schema_new", 1}}));

  ReplayOutcome old_ones = Replay({"--until=2026-01-01T00:00:00Z"});
  EXPECT_EQ(old_ones.exit_code, 0) << old_ones.output;
  EXPECT_NE(old_ones.output.find("delivered 1, "), std::string::npos) << old_ones.output;

  ReplayOutcome two_reasons = Replay({"--reason", "content_type,json"});
  EXPECT_EQ(two_reasons.exit_code, 0) << two_reasons.output;
  EXPECT_NE(two_reasons.output.find("delivered 2, "), std::string::npos) << two_reasons.output;
  EXPECT_EQ(MainTopicIds(4),
            (std::map<std::string, int>{
                {"schema_old", 1}, {"schema_new", 1}, {"type_new", 1}, {"json_new", 1}}));
  EXPECT_TRUE(EverythingCommitted());
}

// A front for the bridge that the test steers: every POST is passed on to the
// bridge, but the one whose body holds `marker` is answered 503 (kRefuse) or
// held until Release() (kHold).
class SteeredFront {
 public:
  enum class Mode { kRefuse, kHold };

  SteeredFront(int bridge_port, std::string marker, Mode mode)
      : bridge_port_(bridge_port), marker_(std::move(marker)), mode_(mode) {
    server_.Post(kPath, [this](const httplib::Request& request, httplib::Response& response) {
      if (request.body.find(marker_) != std::string::npos) {
        ++marker_requests_;
        if (mode_ == Mode::kRefuse) {
          response.status = 503;
          response.set_header("Retry-After", "1");
          response.set_content(R"({"error":"unavailable","message":"steered"})",
                               "application/json");
          return;
        }
        released_.wait();
      }
      httplib::Client bridge("127.0.0.1", bridge_port_);
      bridge.set_read_timeout(30, 0);
      auto answer =
          bridge.Post(kPath, {{"Authorization", request.get_header_value("Authorization")}},
                      request.body, "application/json");
      response.status = answer ? answer->status : 502;
      if (answer) response.set_content(answer->body, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    PollUntil(10s, [this] { return server_.is_running(); });
  }
  ~SteeredFront() {
    Release();
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  int marker_requests() const { return marker_requests_; }
  void Release() {
    if (!released_once_.exchange(true)) release_.set_value();
  }

 private:
  int bridge_port_;
  std::string marker_;
  Mode mode_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<int> marker_requests_{0};
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  std::atomic<bool> released_once_{false};
};

TEST_F(ReplayEndToEnd, StoppedDuringBackOffItCommitsWhatGot2xxAndARerunResumesWithoutLossOrResend) {
  StartBridge();
  std::vector<DeadLetterToProduce> letters = ValidLetters(12);
  ProduceDeadLetters(letters);
  SteeredFront front(bridge_->port(), R"("id":"evt_6")", SteeredFront::Mode::kRefuse);

  std::unique_ptr<ChildProcess> replay = StartReplay(
      {}, {{"HOOKBRIDGE_REPLAY_URL", "http://127.0.0.1:" + std::to_string(front.port()) + kPath}});
  // Retried with back-off: the 503 came more than once.
  ASSERT_TRUE(PollUntil(60s, [&] { return front.marker_requests() >= 2; })) << replay->output();
  const int64_t delivered_before_stop = CountRecords(brokers_, topic_, kPartitions);
  EXPECT_EQ(replay->SignalAndWait(SIGTERM, 30s), 3) << replay->output();
  EXPECT_NE(replay->output().find("retrying in"), std::string::npos) << replay->output();
  EXPECT_NE(replay->output().find("replay: stopped: "), std::string::npos) << replay->output();
  EXPECT_LT(delivered_before_stop, 12);

  ReplayOutcome rerun = Replay();
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_NE(rerun.output.find("delivered " + std::to_string(12 - delivered_before_stop) + ", "),
            std::string::npos)
      << rerun.output;
  EXPECT_EQ(MainTopicIds(12), OnceEach(12));
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 12);
  EXPECT_TRUE(EverythingCommitted());
}

TEST_F(ReplayEndToEnd, StoppedWithARecordInHandItFinishesAndCommitsThatRecordFirst) {
  StartBridge();
  ProduceDeadLetters(ValidLetters(12));
  SteeredFront front(bridge_->port(), R"("id":"evt_6")", SteeredFront::Mode::kHold);

  std::unique_ptr<ChildProcess> replay = StartReplay(
      {}, {{"HOOKBRIDGE_REPLAY_URL", "http://127.0.0.1:" + std::to_string(front.port()) + kPath}});
  ASSERT_TRUE(PollUntil(60s, [&] { return front.marker_requests() == 1; })) << replay->output();
  ASSERT_TRUE(replay->Signal(SIGTERM));
  front.Release();  // its 200 arrives after the stop request
  EXPECT_EQ(replay->WaitForExit(30s), 3) << replay->output();
  const int64_t delivered_before_stop = CountRecords(brokers_, topic_, kPartitions);
  EXPECT_EQ(MainTopicIds(static_cast<size_t>(delivered_before_stop)).count("evt_6"), 1u);

  ReplayOutcome rerun = Replay();
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_EQ(front.marker_requests(), 1);  // the rerun goes to the bridge itself
  EXPECT_EQ(MainTopicIds(12), OnceEach(12));
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 12);
  EXPECT_TRUE(EverythingCommitted());
}

TEST_F(ReplayEndToEnd, NoBridgeAnsweringIsRetriedUntilStopped) {
  StartBridge();
  ProduceDeadLetters(ValidLetters(1));
  std::unique_ptr<ChildProcess> replay =
      StartReplay({}, {{"HOOKBRIDGE_REPLAY_URL", "http://127.0.0.1:1/webhooks/getprofile"}});
  ASSERT_TRUE(PollUntil(60s, [&] { return CountOf(replay->output(), "retrying in") >= 2; }))
      << replay->output();
  EXPECT_EQ(replay->SignalAndWait(SIGTERM, 30s), 3) << replay->output();
  EXPECT_NE(replay->output().find("no answer"), std::string::npos) << replay->output();
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 0);
  EXPECT_EQ(replay->output().find(kReplayKey), std::string::npos);
}

TEST_F(ReplayEndToEnd, AMissingTopicOrABadSettingEndsAtOnceNamingIt) {
  StartBridge();
  std::unique_ptr<ChildProcess> missing = StartReplay({"--topic", dead_topic_ + ".nope"});
  EXPECT_EQ(missing->WaitForExit(60s), 4) << missing->output();
  EXPECT_NE(missing->output().find(".nope"), std::string::npos) << missing->output();
  std::unique_ptr<ChildProcess> bad = StartReplay({"--reason", "auth"});
  EXPECT_EQ(bad->WaitForExit(30s), 2) << bad->output();
  EXPECT_NE(bad->output().find("--reason"), std::string::npos) << bad->output();
  // librdkafka properties from the environment reach the consumer, as the service's do.
  std::unique_ptr<ChildProcess> unknown_property =
      StartReplay({}, {{"HOOKBRIDGE_RDKAFKA_NOT_A_PROPERTY", "1"}});
  EXPECT_EQ(unknown_property->WaitForExit(30s), 4) << unknown_property->output();
  EXPECT_NE(unknown_property->output().find("not.a.property"), std::string::npos)
      << unknown_property->output();
}

TEST_F(ReplayEndToEnd, VersionNamesTheToolAndLibrdkafka) {
  // No bridge, no setting: --version needs none.
  auto version =
      std::make_unique<ChildProcess>(HOOKBRIDGE_REPLAY_BINARY, std::map<std::string, std::string>{},
                                     std::vector<std::string>{"--version"});
  EXPECT_EQ(version->WaitForExit(30s), 0) << version->output();
  EXPECT_TRUE(std::regex_search(
      version->output(), std::regex("^hookbridge-replay [0-9.]+ \\(librdkafka [0-9.]+\\)\n")))
      << version->output();
}

}  // namespace
}  // namespace hookbridge::e2e
