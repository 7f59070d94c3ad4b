// HOOKBRIDGE_DEAD_LETTER_TOPIC and --dead-letter-topic: unset by default,
// checked like the main topic (Kafka's topic name rule), never the main topic.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hookbridge/core/config.h"

namespace hookbridge {
namespace {

using ::testing::HasSubstr;

// The settings start-up needs (a key and a broker list), with `env`.
Environment WithKey(Environment env = {}) {
  env.emplace("GETPROFILE_API_KEY", "Kq7vSecretApiKey9xZ");
  env.emplace("HOOKBRIDGE_KAFKA_BROKERS", "kafka1:9092");
  return env;
}

ConfigResult Load(const std::vector<std::string>& args, const Environment& env = WithKey()) {
  return LoadConfig(args, env);
}

TEST(DeadLetterConfigTest, UnsetByDefault) {
  ConfigResult result = Load({});
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_EQ(result.config->dead_letter_topic, "");
}

TEST(DeadLetterConfigTest, FromEnvironmentAndFlagTheFlagWinning) {
  ConfigResult from_env = Load({}, WithKey({{"HOOKBRIDGE_DEAD_LETTER_TOPIC", "getprofile.dead"}}));
  ASSERT_TRUE(from_env.config) << from_env.error;
  EXPECT_EQ(from_env.config->dead_letter_topic, "getprofile.dead");
  ConfigResult from_flag = Load({"--dead-letter-topic=flag_topic-1"},
                                WithKey({{"HOOKBRIDGE_DEAD_LETTER_TOPIC", "getprofile.dead"}}));
  ASSERT_TRUE(from_flag.config) << from_flag.error;
  EXPECT_EQ(from_flag.config->dead_letter_topic, "flag_topic-1");
}

TEST(DeadLetterConfigTest, NotAKafkaTopicNameStopsStartUpNamingTheSetting) {
  const std::vector<std::string> bad_names = {"",
                                              ".",
                                              "..",
                                              "dead letters",
                                              "dead/letters",
                                              "dead:letters",
                                              "d\xC3\xA9"
                                              "ad",
                                              std::string(250, 'a')};
  for (const std::string& bad : bad_names) {
    SCOPED_TRACE(bad);
    ConfigResult from_env = Load({}, WithKey({{"HOOKBRIDGE_DEAD_LETTER_TOPIC", bad}}));
    EXPECT_FALSE(from_env.config);
    EXPECT_THAT(from_env.error, HasSubstr("HOOKBRIDGE_DEAD_LETTER_TOPIC"));
    ConfigResult from_flag = Load({"--dead-letter-topic", bad});
    EXPECT_FALSE(from_flag.config);
    EXPECT_THAT(from_flag.error, HasSubstr("--dead-letter-topic"));
  }
  ConfigResult longest = Load({"--dead-letter-topic", std::string(249, 'a')});
  EXPECT_TRUE(longest.config) << longest.error;
}

TEST(DeadLetterConfigTest, TheMainTopicFollowsTheSameNameRule) {
  ConfigResult result = Load({"--kafka-topic", "events with spaces"});
  EXPECT_FALSE(result.config);
  EXPECT_THAT(result.error, HasSubstr("--kafka-topic"));
}

TEST(DeadLetterConfigTest, TheMainTopicIsRefused) {
  ConfigResult result = Load({"--kafka-topic=events", "--dead-letter-topic=events"});
  EXPECT_FALSE(result.config);
  EXPECT_THAT(result.error, HasSubstr("HOOKBRIDGE_DEAD_LETTER_TOPIC"));
  EXPECT_FALSE(Load({"--dead-letter-topic=getprofile.events"}).config);  // the default main topic
}

TEST(DeadLetterConfigTest, DescribedAndInHelp) {
  ConfigResult result = Load({"--dead-letter-topic=dl"});
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_THAT(DescribeConfig(*result.config), HasSubstr("HOOKBRIDGE_DEAD_LETTER_TOPIC=dl\n"));
  EXPECT_THAT(HelpText(), HasSubstr("--dead-letter-topic  (HOOKBRIDGE_DEAD_LETTER_TOPIC)"));
}

}  // namespace
}  // namespace hookbridge
