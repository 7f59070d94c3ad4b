// UnknownSettings and ClosestName: which variables are refused, and when a
// known name is suggested for one (a typo) and when not (a different word).
#include "hookbridge/core/setting_names.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace hookbridge {
namespace {

const std::vector<std::string_view> kKnown = {"HOOKBRIDGE_KAFKA_BROKERS", "HOOKBRIDGE_KAFKA_TOPIC",
                                              "HOOKBRIDGE_LISTEN", "GETPROFILE_API_KEY",
                                              "GETPROFILE_API_KEY_FILE"};

TEST(ClosestNameTest, SuggestsTheNameATypoWasMeantToBe) {
  EXPECT_EQ(ClosestName("HOOKBRIDGE_KAFKA_BROKER", kKnown), "HOOKBRIDGE_KAFKA_BROKERS");  // missing
  EXPECT_EQ(ClosestName("HOOKBRIDGE_KAFKA_BROKERSS", kKnown),
            "HOOKBRIDGE_KAFKA_BROKERS");  // doubled
  EXPECT_EQ(ClosestName("HOOKBRIDGE_KAFAK_BROKERS", kKnown),
            "HOOKBRIDGE_KAFKA_BROKERS");  // swapped
  EXPECT_EQ(ClosestName("HOOKBRIDGE_KAFKA_BROKRES", kKnown), "HOOKBRIDGE_KAFKA_BROKERS");
  EXPECT_EQ(ClosestName("HOOKBRIDGE_KAFKA_TOPICS", kKnown), "HOOKBRIDGE_KAFKA_TOPIC");
  EXPECT_EQ(ClosestName("HOOKBRIDGE_LISTN", kKnown), "HOOKBRIDGE_LISTEN");
  EXPECT_EQ(ClosestName("HOOKBRIDGE_KAFKA-BROKERS", kKnown), "HOOKBRIDGE_KAFKA_BROKERS");
}

TEST(ClosestNameTest, PicksTheNearestOfSeveralNearNames) {
  EXPECT_EQ(ClosestName("GETPROFILE_API_KEYS", kKnown), "GETPROFILE_API_KEY");
  EXPECT_EQ(ClosestName("GETPROFILE_API_KEY_FIL", kKnown), "GETPROFILE_API_KEY_FILE");
}

TEST(ClosestNameTest, SuggestsNothingForADifferentWord) {
  EXPECT_EQ(ClosestName("HOOKBRIDGE_COLOUR", kKnown), "");
  EXPECT_EQ(ClosestName("HOOKBRIDGE_KAFKA_GROUP", kKnown), "");
  EXPECT_EQ(ClosestName("GETPROFILE_TENANT", kKnown), "");
  EXPECT_EQ(ClosestName("HOOKBRIDGE_", kKnown), "");
  EXPECT_EQ(ClosestName("HOOKBRIDGE_KAFKA_BROKERS", {}), "");
}

TEST(UnknownSettingsTest, NamesEachUnknownVariableWithItsSuggestionAndNoValue) {
  SettingNames names;
  names.checked_prefixes = {"HOOKBRIDGE_", "GETPROFILE_"};
  names.known = kKnown;
  names.passed_prefixes = {"HOOKBRIDGE_RDKAFKA_"};
  const std::map<std::string, std::string> env = {
      {"HOOKBRIDGE_KAFKA_BROKER", "Value-never-shown-1"},
      {"HOOKBRIDGE_COLOUR", "Value-never-shown-2"},
      {"HOOKBRIDGE_KAFKA_TOPIC", "known"},
      {"HOOKBRIDGE_RDKAFKA_LINGER_MS", "passed"},
      {"PATH", "/bin"},
      {"hookbridge_colour", "other case: not the prefix"}};
  EXPECT_EQ(UnknownSettings(env, names),
            "HOOKBRIDGE_COLOUR: unknown setting; "
            "HOOKBRIDGE_KAFKA_BROKER: unknown setting (did you mean HOOKBRIDGE_KAFKA_BROKERS?)");
  EXPECT_EQ(UnknownSettings({{"HOOKBRIDGE_LISTEN", ":1"}, {"HOME", "/"}}, names), "");
}

}  // namespace
}  // namespace hookbridge
