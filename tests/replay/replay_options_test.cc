// hookbridge-replay's settings and record selection: required ones, filters,
// where the key comes from, and errors that name the setting and never the key.
#include "hookbridge/replay/replay_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace hookbridge::replay {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kKey = "Rp9secretReplayKey42";

std::map<std::string, std::string> Env() {
  return {{"HOOKBRIDGE_KAFKA_BROKERS", "127.0.0.1:9092"},
          {"HOOKBRIDGE_DEAD_LETTER_TOPIC", "getprofile.dead"},
          {"HOOKBRIDGE_REPLAY_URL", "http://127.0.0.1:8080/webhooks/getprofile"},
          {"HOOKBRIDGE_REPLAY_API_KEY", kKey}};
}

ReplayOptions MustParse(const std::vector<std::string>& args,
                        const std::map<std::string, std::string>& env = Env()) {
  ReplayOptionsResult result = ParseReplayOptions(args, env);
  EXPECT_TRUE(result.options) << result.error;
  return result.options ? *result.options : ReplayOptions{};
}

std::string MustFail(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env = Env()) {
  ReplayOptionsResult result = ParseReplayOptions(args, env);
  EXPECT_FALSE(result.options);
  EXPECT_THAT(result.error, Not(HasSubstr(kKey)));
  return result.error;
}

TEST(ReplayOptionsTest, FromTheEnvironmentWithDefaults) {
  ReplayOptions options = MustParse({});
  EXPECT_EQ(options.brokers, "127.0.0.1:9092");
  EXPECT_EQ(options.topic, "getprofile.dead");
  EXPECT_EQ(options.group, "hookbridge-replay");
  EXPECT_EQ(options.api_key, kKey);
  EXPECT_FALSE(options.dry_run);
  EXPECT_TRUE(options.selection.reasons.empty());
}

TEST(ReplayOptionsTest, FlagsWinOverTheEnvironment) {
  ReplayOptions options =
      MustParse({"--topic=other.dead", "--group", "g2", "--dry-run", "--reason", "schema,json",
                 "--since", "2026-12-02T09:30:00Z", "--until=2026-12-02T10:00:00.5Z"});
  EXPECT_EQ(options.topic, "other.dead");
  EXPECT_EQ(options.group, "g2");
  EXPECT_TRUE(options.dry_run);
  EXPECT_EQ(options.selection.reasons, (std::vector<std::string>{"schema", "json"}));
  EXPECT_EQ(options.selection.since_ms, 1796203800000);
  EXPECT_EQ(options.selection.until_ms, 1796205600500);
}

TEST(ReplayOptionsTest, TheKeyFileWinsAndItsFirstLineIsTheKey) {
  std::string path = ::testing::TempDir() + "/replay_key_" + std::to_string(getpid());
  std::ofstream(path) << "\n  file-key-123  \nsecond\n";
  EXPECT_EQ(MustParse({"--api-key-file", path}).api_key, "file-key-123");
  std::remove(path.c_str());
  EXPECT_THAT(MustFail({"--api-key-file", path}), HasSubstr("--api-key-file"));
}

TEST(ReplayOptionsTest, RdkafkaSecretsComeFromFiles) {
  std::string path = ::testing::TempDir() + "/replay_kafka_password_" + std::to_string(getpid());
  std::ofstream(path) << "kafka-s3cret\n";
  ReplayOptions options = MustParse({"--rdkafka", "sasl.password.file=" + path});
  ASSERT_EQ(options.rdkafka_properties.size(), 1u);
  EXPECT_EQ(options.rdkafka_properties[0].first, "sasl.password");
  EXPECT_EQ(options.rdkafka_properties[0].second, "kafka-s3cret");
  std::remove(path.c_str());
  std::string error = MustFail({"--rdkafka", "sasl.password.file=" + path});
  EXPECT_THAT(error, HasSubstr("sasl.password.file"));
  EXPECT_THAT(error, HasSubstr(path));
}

TEST(ReplayOptionsTest, RdkafkaPropertiesComeFromTheEnvironmentAsTheServiceTakesThemAndFlagsWin) {
  std::string path = ::testing::TempDir() + "/replay_env_password_" + std::to_string(getpid());
  std::ofstream(path) << "env-s3cret\n";
  auto env = Env();
  env["HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL"] = "SASL_SSL";
  env["HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE"] = path;
  ReplayOptions options = MustParse({"--rdkafka", "security.protocol=SSL"}, env);
  // In order: the environment's, then the flag's, which librdkafka applies last.
  EXPECT_EQ(options.rdkafka_properties,
            (std::vector<std::pair<std::string, std::string>>{{"sasl.password", "env-s3cret"},
                                                              {"security.protocol", "SASL_SSL"},
                                                              {"security.protocol", "SSL"}}));
  std::remove(path.c_str());
  std::string error = MustFail({}, env);
  EXPECT_THAT(error, HasSubstr("HOOKBRIDGE_RDKAFKA_"));
  EXPECT_THAT(error, HasSubstr("sasl.password.file"));
  EXPECT_THAT(error, HasSubstr(path));
}

TEST(ReplayOptionsTest, VersionNeedsNoOtherSetting) {
  ReplayOptionsResult result = ParseReplayOptions({"--version"}, {});
  EXPECT_TRUE(result.show_version) << result.error;
  EXPECT_FALSE(result.options);
  EXPECT_THAT(ReplayVersionText("2.8.0"),
              ::testing::MatchesRegex("hookbridge-replay [0-9]+\\.[0-9]+\\.[0-9]+ \\(librdkafka "
                                      "2\\.8\\.0\\)\n"));
}

TEST(ReplayOptionsTest, MissingSettingsAreNamed) {
  for (const char* name : {"HOOKBRIDGE_KAFKA_BROKERS", "HOOKBRIDGE_DEAD_LETTER_TOPIC",
                           "HOOKBRIDGE_REPLAY_URL", "HOOKBRIDGE_REPLAY_API_KEY"}) {
    auto env = Env();
    env.erase(name);
    EXPECT_THAT(MustFail({}, env), HasSubstr(name)) << name;
  }
  // A dry run sends nothing: it needs no key.
  auto env = Env();
  env.erase("HOOKBRIDGE_REPLAY_API_KEY");
  EXPECT_TRUE(MustParse({"--dry-run"}, env).dry_run);
}

TEST(ReplayOptionsTest, BadValuesAreNamed) {
  EXPECT_THAT(MustFail({"--reason", "auth"}), HasSubstr("--reason"));
  EXPECT_THAT(MustFail({"--since", "yesterday"}), HasSubstr("--since"));
  EXPECT_THAT(MustFail({"--until", "2026-12-02 10:00:00"}), HasSubstr("--until"));
  EXPECT_THAT(MustFail({"--since=2026-12-02T10:00:00Z", "--until=2026-12-02T09:00:00Z"}),
              HasSubstr("--since"));
  EXPECT_THAT(MustFail({"--url", "ftp://host/x"}), HasSubstr("--url"));
  EXPECT_THAT(MustFail({"--url", "http://host"}), HasSubstr("--url"));
  EXPECT_THAT(MustFail({"--api-key", kKey}), HasSubstr("unknown option '--api-key'"));
  EXPECT_THAT(MustFail({"--topic"}), HasSubstr("--topic"));
}

TEST(ReplayOptionsTest, UnknownReplayVariableIsRefusedWithTheNameItIsNear) {
  auto env = Env();
  env["HOOKBRIDGE_REPLAY_ULR"] = "http://127.0.0.1:8080/webhooks/getprofile";
  EXPECT_EQ(MustFail({}, env),
            "HOOKBRIDGE_REPLAY_ULR: unknown setting (did you mean HOOKBRIDGE_REPLAY_URL?)");
  EXPECT_EQ(MustFail({"--dry-run"}, env),
            "HOOKBRIDGE_REPLAY_ULR: unknown setting (did you mean HOOKBRIDGE_REPLAY_URL?)");
  env = Env();
  env["HOOKBRIDGE_REPLAY_APIKEY"] = kKey;  // the value is a key: never shown
  EXPECT_EQ(MustFail({}, env),
            "HOOKBRIDGE_REPLAY_APIKEY: unknown setting (did you mean HOOKBRIDGE_REPLAY_API_KEY?)");
  env = Env();
  env["HOOKBRIDGE_REPLAY_COLOUR"] = "blue";
  EXPECT_EQ(MustFail({}, env), "HOOKBRIDGE_REPLAY_COLOUR: unknown setting");
  // --help still works.
  ReplayOptionsResult help = ParseReplayOptions({"--help"}, env);
  EXPECT_TRUE(help.show_help) << help.error;
}

TEST(ReplayOptionsTest, TheServersVariablesAndOtherNamesPass) {
  // One env file may serve hookbridge and hookbridge-replay: the server's
  // settings (its own check refuses its typos) and librdkafka's pass here.
  auto env = Env();
  env["HOOKBRIDGE_REPLAY_GROUP"] = "g2";
  env["HOOKBRIDGE_KAFKA_TOPIC"] = "getprofile.events";
  env["HOOKBRIDGE_LISTEN"] = "0.0.0.0:8080";
  env["HOOKBRIDGE_RDKAFKA_LINGER_MS"] = "5";
  env["GETPROFILE_API_KEY"] = "server-key";
  env["HOOKBRIDGE_HEALTHCHECK_TIMEOUT_S"] = "2";
  EXPECT_EQ(MustParse({}, env).group, "g2");
}

TEST(ReplayOptionsTest, MistypedFlagIsAnUnknownOption) {
  EXPECT_THAT(MustFail({"--broker", "k:9092"}), HasSubstr("unknown option '--broker'"));
}

TEST(RecordSelectionTest, ByReasonAndHalfOpenTimeRange) {
  RecordSelection selection;
  EXPECT_TRUE(selection.Selects("", 0));
  selection.reasons = {"schema"};
  selection.since_ms = 1000;
  selection.until_ms = 2000;
  EXPECT_TRUE(selection.Selects("schema", 1000));
  EXPECT_TRUE(selection.Selects("schema", 1999));
  EXPECT_FALSE(selection.Selects("schema", 2000));
  EXPECT_FALSE(selection.Selects("schema", 999));
  EXPECT_FALSE(selection.Selects("json", 1500));
  EXPECT_FALSE(selection.Selects("", 1500));
}

TEST(RecordSelectionTest, UtcTimes) {
  EXPECT_EQ(ParseUtcTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseUtcTime("2026-12-02T09:30:00.250Z"), 1796203800250);
  EXPECT_EQ(ParseUtcTime("2026-12-02T09:30:00.2Z"), 1796203800200);
  for (const char* bad :
       {"", "2026-12-02", "2026-12-02T09:30:00", "2026-12-02T09:30:00+01:00",
        "2026-13-02T09:30:00Z", "2026-12-02T09:30:00.Z", "2026-12-02T09:30:00.1234Z"}) {
    EXPECT_FALSE(ParseUtcTime(bad)) << bad;
  }
}

}  // namespace
}  // namespace hookbridge::replay
