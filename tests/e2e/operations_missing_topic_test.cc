// End to end, for operators: hookbridge never creates a topic. The shared
// broker runs with Kafka's default auto.create.topics.enable=true, where any
// client that asks for a topic's metadata may create it; pointed at a topic
// that does not exist (the main topic, the dead-letter topic), hookbridge
// stays not ready, answers 503, names the topic in its log and in
// --check-config, and the topic still does not exist afterwards. Creating it
// makes the instance ready. The fixture is in operations_fixture.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr const char* kMissingMessage =
    "Kafka topics missing: hookbridge creates no topic; records for them get 503 until "
    "they are created";
constexpr const char* kPresentMessage = "Kafka topics all present";

class MissingTopic : public Operations {
 protected:
  // Starts hookbridge with `env`, in which `missing` names a topic the broker
  // does not have, and proves the fail-closed rule for it: `body` (a webhook
  // whose record goes to that topic) is refused with 503, never a 2xx, for
  // the reason `kafka_error` (any, if empty) in the access log.
  void ExpectRefusedUntilCreated(std::map<std::string, std::string> env, const std::string& missing,
                                 const std::string& body, const std::string& stored_status,
                                 const std::string& kafka_error) {
    ASSERT_EQ(TopicExists(brokers_, missing), 0);
    // The fixture's topic, just created, is listed by the broker before
    // hookbridge asks: only `missing` is ever missing, so one warning is due.
    ASSERT_TRUE(PollUntil(30s, [&] { return TopicExists(brokers_, topic_) == 1; }));
    env["HOOKBRIDGE_ACK_TIMEOUT_MS"] = "1000";
    StartBridge(env);

    // The log names the topic once librdkafka's statistics say the broker
    // has no partition of it (every second).
    std::vector<LogLine> warnings;
    ASSERT_TRUE(PollUntil(30s, [&] {
      warnings = LogLines(bridge_->output(), kMissingMessage);
      return !warnings.empty();
    })) << bridge_->output();
    EXPECT_EQ(warnings[0]["level"], "warn");
    EXPECT_EQ(warnings[0]["topics"], missing);

    Answer ready = AnswerOf(Get("/readyz"));
    EXPECT_EQ(ready.status, 503) << ready.Describe();
    EXPECT_THAT(FailingOf(ready.body), Contains("topic_metadata")) << ready.Describe();

    auto refused = Post(body);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 503) << refused->body;
    EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
    std::vector<LogLine> answers;
    ASSERT_TRUE(PollUntil(5s, [&] {
      answers = LogLines(bridge_->output(), "webhook");
      return !answers.empty();
    })) << bridge_->output();
    EXPECT_EQ(answers[0]["status"], "503");
    if (kafka_error.empty()) {
      EXPECT_FALSE(answers[0]["kafka_error"].empty()) << bridge_->output();
    } else {
      EXPECT_EQ(answers[0]["kafka_error"], kafka_error) << bridge_->output();
    }

    // --check-config names it, exits non-zero, and creates nothing either.
    HookbridgeProcess check(env, {"--check-config"});
    EXPECT_EQ(check.WaitForExit(30s), 1) << check.output();
    EXPECT_THAT(check.output(), HasSubstr("topic '" + missing + "' does not exist on the broker"));

    // Asked about it for seconds, by two processes: still not there.
    EXPECT_EQ(TopicExists(brokers_, missing), 0);

    // Created by the operator: ready, and the webhook is stored.
    ASSERT_EQ(CreateTopic(brokers_, missing, 1), "");
    ASSERT_TRUE(PollUntil(60s, [&] {
      ready = AnswerOf(Get("/readyz"));
      return ready.status == 200;
    })) << ready.Describe();
    Answer stored;
    ASSERT_TRUE(PollUntil(30s, [&] {
      stored = AnswerOf(Post(body));
      return stored.status == 200;
    })) << stored.Describe();
    EXPECT_THAT(stored.body, HasSubstr(stored_status));
    auto records = ConsumeFromBeginning(brokers_, missing, 1, 30s);
    EXPECT_EQ(records.size(), 1u);

    // One warning for the whole time it was missing, not one a second; and
    // one line when it appeared.
    ASSERT_TRUE(PollUntil(10s, [&] {
      return !LogLines(bridge_->output(), kPresentMessage).empty();
    })) << bridge_->output();
    EXPECT_EQ(LogLines(bridge_->output(), kMissingMessage).size(), 1u) << bridge_->output();
  }
};

TEST_F(MissingTopic, MainTopicIsNeverCreatedAndKeepsTheInstanceNotReady) {
  auto env = Environment();
  const std::string missing = topic_ + ".missing";
  env["HOOKBRIDGE_KAFKA_TOPIC"] = missing;
  // librdkafka marks the topic as not existing at its first answer, not after
  // 30 s: records are refused at once (_UNKNOWN_TOPIC) rather than held until
  // the ack deadline, the path the dead-letter test takes. Both are 503.
  env["HOOKBRIDGE_RDKAFKA_TOPIC_METADATA_PROPAGATION_MAX_MS"] = "0";
  ExpectRefusedUntilCreated(env, missing, kExampleEvent, R"("status":"accepted")",
                            "_UNKNOWN_TOPIC");
}

TEST_F(MissingTopic, DeadLetterTopicIsNeverCreatedAndKeepsTheInstanceNotReady) {
  auto env = Environment();
  const std::string missing = topic_ + ".dead-letters";
  env["HOOKBRIDGE_DEAD_LETTER_TOPIC"] = missing;
  // Authenticated but not JSON: a dead letter, which only a stored record
  // may answer 200. Held by librdkafka (for up to 30 s it may be a topic
  // still being created): the ack deadline ends it, whichever side notices
  // first (ACK_DEADLINE or _MSG_TIMED_OUT).
  ExpectRefusedUntilCreated(env, missing, "not json at all", R"("status":"dead_lettered")", "");
}

}  // namespace
}  // namespace hookbridge::e2e
