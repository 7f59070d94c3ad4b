// LoadConfig and HelpText: defaults, every variable and flag, and the errors
// that stop start-up (each naming its setting, none echoing a key).
#include "hookbridge/core/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace hookbridge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

using Args = std::vector<std::string>;
using Properties = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kKey = "Kq7vSecretApiKey9xZ";
constexpr const char* kOtherKey = "Wm2nOtherApiKey4pL";
constexpr const char* kBrokers = "kafka1:9092";

// The settings start-up needs (a key and a broker list), with `env`.
Environment WithRequired(Environment env = {}) {
  env.emplace("GETPROFILE_API_KEY", kKey);
  env.emplace("HOOKBRIDGE_KAFKA_BROKERS", kBrokers);
  return env;
}

Config MustLoad(const Args& args, const Environment& env) {
  ConfigResult result = LoadConfig(args, env);
  EXPECT_TRUE(result.error.empty()) << result.error;
  EXPECT_FALSE(result.show_help);
  if (!result.config) {
    ADD_FAILURE() << "no config: " << result.error;
    return Config();
  }
  return std::move(*result.config);
}

std::string MustFail(const Args& args, const Environment& env) {
  ConfigResult result = LoadConfig(args, env);
  EXPECT_FALSE(result.config.has_value());
  EXPECT_FALSE(result.error.empty());
  EXPECT_THAT(result.error, Not(HasSubstr(kKey)));
  EXPECT_THAT(result.error, Not(HasSubstr(kOtherKey)));
  return result.error;
}

// A file in the test's temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    std::string tmpl = ::testing::TempDir() + "hookbridge_keys_XXXXXX";
    std::vector<char> buffer(tmpl.begin(), tmpl.end());
    buffer.push_back('\0');
    int fd = mkstemp(buffer.data());
    if (fd < 0) {
      ADD_FAILURE() << "mkstemp failed";
      return;
    }
    close(fd);
    path_ = buffer.data();
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// --- defaults and values ----------------------------------------------------

TEST(LoadConfigTest, DefaultsApplyWhenOnlyTheRequiredSettingsAreSet) {
  Config config = MustLoad({}, WithRequired());
  EXPECT_EQ(config.listen_host, "0.0.0.0");
  EXPECT_EQ(config.listen_port, 8080);
  EXPECT_EQ(config.webhook_path, "/webhooks/getprofile");
  EXPECT_EQ(config.api_keys.size(), 1u);
  EXPECT_TRUE(config.api_keys.Contains(kKey));
  EXPECT_EQ(config.kafka_brokers, kBrokers);
  EXPECT_FALSE(config.embedded_broker);
  EXPECT_FALSE(config.fault_injection);
  EXPECT_EQ(config.kafka_topic, "getprofile.events");
  EXPECT_EQ(config.ack_timeout, std::chrono::milliseconds(4000));
  EXPECT_EQ(config.max_body_bytes, 1048576u);
  EXPECT_EQ(config.max_in_flight, 1024);
  EXPECT_EQ(config.max_connections, 10000);
  EXPECT_THAT(config.rdkafka_properties, IsEmpty());
}

TEST(LoadConfigTest, EveryEnvironmentVariableIsApplied) {
  Config config = MustLoad({}, {{"HOOKBRIDGE_LISTEN", "127.0.0.1:9090"},
                                {"HOOKBRIDGE_WEBHOOK_PATH", "/hooks/gp"},
                                {"GETPROFILE_API_KEY", std::string(kKey) + "," + kOtherKey},
                                {"HOOKBRIDGE_KAFKA_BROKERS", "k1:9092,k2:9092"},
                                {"HOOKBRIDGE_KAFKA_TOPIC", "events.gp"},
                                {"HOOKBRIDGE_ACK_TIMEOUT_MS", "2500"},
                                {"HOOKBRIDGE_MAX_BODY_BYTES", "4096"},
                                {"HOOKBRIDGE_MAX_IN_FLIGHT", "8"},
                                {"HOOKBRIDGE_RDKAFKA_LINGER_MS", "5"}});
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 9090);
  EXPECT_EQ(config.webhook_path, "/hooks/gp");
  EXPECT_EQ(config.api_keys.size(), 2u);
  EXPECT_TRUE(config.api_keys.Contains(kOtherKey));
  EXPECT_EQ(config.kafka_brokers, "k1:9092,k2:9092");
  EXPECT_EQ(config.kafka_topic, "events.gp");
  EXPECT_EQ(config.ack_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(config.max_body_bytes, 4096u);
  EXPECT_EQ(config.max_in_flight, 8);
  EXPECT_THAT(config.rdkafka_properties, ElementsAre(Pair("linger.ms", "5")));
}

TEST(LoadConfigTest, WithASourcesFileNoKeyIsNeeded) {
  Config config = MustLoad({}, {{"HOOKBRIDGE_SOURCES_FILE", "/etc/hookbridge/sources.yaml"},
                                {"HOOKBRIDGE_KAFKA_BROKERS", kBrokers}});
  EXPECT_EQ(config.sources_file, "/etc/hookbridge/sources.yaml");
  EXPECT_EQ(config.api_keys.size(), 0u);
  EXPECT_EQ(MustLoad({"--sources-file=/s.yaml"}, WithRequired()).sources_file, "/s.yaml");
  EXPECT_THAT(MustFail({}, {}), HasSubstr("GETPROFILE_API_KEY: no API key configured"));
  EXPECT_THAT(MustFail({"--sources-file="}, WithRequired()), HasSubstr("must name a file"));
  EXPECT_THAT(HelpText(), HasSubstr("HOOKBRIDGE_SOURCES_FILE"));
}

TEST(LoadConfigTest, EveryFlagIsAppliedInEqualsForm) {
  Config config =
      MustLoad({"--listen=[::1]:9091", "--webhook-path=/in", "--api-key=" + std::string(kOtherKey),
                "--kafka-brokers=b:9092", "--kafka-topic=t", "--ack-timeout-ms=100",
                "--max-body-bytes=64", "--max-in-flight=1", "--rdkafka=linger.ms=5"},
               {});
  EXPECT_EQ(config.listen_host, "::1");
  EXPECT_EQ(config.listen_port, 9091);
  EXPECT_EQ(config.webhook_path, "/in");
  EXPECT_TRUE(config.api_keys.Contains(kOtherKey));
  EXPECT_EQ(config.kafka_brokers, "b:9092");
  EXPECT_EQ(config.kafka_topic, "t");
  EXPECT_EQ(config.ack_timeout, std::chrono::milliseconds(100));
  EXPECT_EQ(config.max_body_bytes, 64u);
  EXPECT_EQ(config.max_in_flight, 1);
  EXPECT_THAT(config.rdkafka_properties, ElementsAre(Pair("linger.ms", "5")));
}

TEST(LoadConfigTest, EveryFlagIsAppliedInSeparateValueForm) {
  Config config = MustLoad(
      {"--listen", "localhost:0", "--webhook-path", "/in", "--api-key", kOtherKey,
       "--kafka-brokers", "b:9092", "--kafka-topic", "t", "--ack-timeout-ms", "60000",
       "--max-body-bytes", "67108864", "--max-in-flight", "1048576", "--rdkafka", "linger.ms=5"},
      {});
  EXPECT_EQ(config.listen_host, "localhost");
  EXPECT_EQ(config.listen_port, 0);
  EXPECT_EQ(config.webhook_path, "/in");
  EXPECT_TRUE(config.api_keys.Contains(kOtherKey));
  EXPECT_EQ(config.kafka_brokers, "b:9092");
  EXPECT_EQ(config.kafka_topic, "t");
  EXPECT_EQ(config.ack_timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(config.max_body_bytes, 67108864u);
  EXPECT_EQ(config.max_in_flight, 1048576);
  EXPECT_THAT(config.rdkafka_properties, ElementsAre(Pair("linger.ms", "5")));
}

TEST(LoadConfigTest, FlagOverridesEnvironment) {
  Config config = MustLoad({"--listen=127.0.0.1:1", "--kafka-topic", "from.flag",
                            "--max-in-flight=2", "--api-key", kOtherKey},
                           WithRequired({{"HOOKBRIDGE_LISTEN", "0.0.0.0:2"},
                                         {"HOOKBRIDGE_KAFKA_TOPIC", "from.env"},
                                         {"HOOKBRIDGE_MAX_IN_FLIGHT", "3"}}));
  EXPECT_EQ(config.listen_host, "127.0.0.1");
  EXPECT_EQ(config.listen_port, 1);
  EXPECT_EQ(config.kafka_topic, "from.flag");
  EXPECT_EQ(config.max_in_flight, 2);
  EXPECT_TRUE(config.api_keys.Contains(kOtherKey));
  EXPECT_FALSE(config.api_keys.Contains(kKey));
}

TEST(LoadConfigTest, FlagsAloneAreEnough) {
  Config config = MustLoad({"--api-key", kKey, "--kafka-brokers", kBrokers}, {});
  EXPECT_TRUE(config.api_keys.Contains(kKey));
}

TEST(LoadConfigTest, UnrelatedEnvironmentVariablesAreIgnored) {
  Config config = MustLoad({}, WithRequired({{"HOME", "/root"},
                                             {"KAFKA_BROKERS", "x"},
                                             {"hookbridge_kafka_broker", "x"},
                                             {"HOOKBRIDGEKAFKA", "x"}}));
  EXPECT_EQ(config.listen_port, 8080);
  EXPECT_THAT(config.rdkafka_properties, IsEmpty());
}

// --- the broker list: required, the embedded broker only by name ------------

TEST(LoadConfigTest, MissingBrokerListIsRefusedNamingItAndTheDevelopmentBroker) {
  for (const Environment& env :
       {Environment{{"GETPROFILE_API_KEY", kKey}},
        Environment{{"GETPROFILE_API_KEY", kKey}, {"HOOKBRIDGE_KAFKA_BROKERS", ""}}}) {
    for (const Args& args : {Args{}, Args{"--check-config"}, Args{"--kafka-brokers="}}) {
      std::string error = MustFail(args, env);
      EXPECT_THAT(error,
                  ::testing::StartsWith("HOOKBRIDGE_KAFKA_BROKERS: no Kafka broker configured"));
      EXPECT_THAT(error, HasSubstr("'embedded'"));
      EXPECT_THAT(error, HasSubstr("loses every event"));
    }
  }
}

TEST(LoadConfigTest, EmbeddedBrokerRunsOnlyWhenAskedForByName) {
  Config config =
      MustLoad({}, {{"GETPROFILE_API_KEY", kKey}, {"HOOKBRIDGE_KAFKA_BROKERS", "embedded"}});
  EXPECT_TRUE(config.embedded_broker);
  EXPECT_EQ(config.kafka_brokers, "");
  config =
      MustLoad({"--kafka-brokers", "embedded", "--check-config"}, {{"GETPROFILE_API_KEY", kKey}});
  EXPECT_TRUE(config.embedded_broker);
  // A real broker list, from the flag, wins over the environment's 'embedded'.
  config = MustLoad({"--kafka-brokers=k2:9092"},
                    WithRequired({{"HOOKBRIDGE_KAFKA_BROKERS", "embedded"}}));
  EXPECT_FALSE(config.embedded_broker);
  EXPECT_EQ(config.kafka_brokers, "k2:9092");
  // Only the exact word: anything else is a broker address for librdkafka.
  config = MustLoad({}, WithRequired({{"HOOKBRIDGE_KAFKA_BROKERS", "Embedded:9092"}}));
  EXPECT_FALSE(config.embedded_broker);
}

// --- unknown variables --------------------------------------------------------

TEST(LoadConfigTest, UnknownVariableIsRefusedWithTheKnownNameItIsNear) {
  const Environment typo = {{"GETPROFILE_API_KEY", kKey},
                            {"HOOKBRIDGE_KAFKA_BROKER", "kafka1:9092"}};
  for (const Args& args : {Args{}, Args{"--check-config"}}) {
    EXPECT_EQ(MustFail(args, typo),
              "HOOKBRIDGE_KAFKA_BROKER: unknown setting (did you mean HOOKBRIDGE_KAFKA_BROKERS?)");
  }
  EXPECT_EQ(MustFail({}, WithRequired({{"GETPROFILE_APIKEY", "x"}})),
            "GETPROFILE_APIKEY: unknown setting (did you mean GETPROFILE_API_KEY?)");
  EXPECT_EQ(MustFail({}, WithRequired({{"HOOKBRIDGE_ACK_TIMEOUT", "2000"}})),
            "HOOKBRIDGE_ACK_TIMEOUT: unknown setting (did you mean HOOKBRIDGE_ACK_TIMEOUT_MS?)");
  EXPECT_EQ(MustFail({}, WithRequired({{"HOOKBRIDGE_LSITEN", ":80"}})),
            "HOOKBRIDGE_LSITEN: unknown setting (did you mean HOOKBRIDGE_LISTEN?)");
}

TEST(LoadConfigTest, UnknownVariableFarFromEveryNameIsRefusedWithoutASuggestion) {
  EXPECT_EQ(MustFail({}, WithRequired({{"HOOKBRIDGE_COLOUR", "blue"}})),
            "HOOKBRIDGE_COLOUR: unknown setting");
  EXPECT_EQ(MustFail({}, WithRequired({{"GETPROFILE_TENANT", "t"}})),
            "GETPROFILE_TENANT: unknown setting");
}

TEST(LoadConfigTest, EveryUnknownVariableIsNamedButNoValue) {
  std::string error = MustFail({}, WithRequired({{"HOOKBRIDGE_COLOUR", "Value-never-shown-1"},
                                                 {"GETPROFILE_API_KEYS", "Value-never-shown-2"}}));
  EXPECT_THAT(error,
              HasSubstr("GETPROFILE_API_KEYS: unknown setting (did you mean GETPROFILE_API_KEY?)"));
  EXPECT_THAT(error, HasSubstr("HOOKBRIDGE_COLOUR: unknown setting"));
  EXPECT_THAT(error, Not(HasSubstr("Value-never-shown")));
}

TEST(LoadConfigTest, NamesOthersPutInTheEnvironmentPass) {
  ConfigResult result =
      LoadConfig({}, WithRequired({
                         {"HOOKBRIDGE_RDKAFKA_LINGER_MS", "5"},
                         {"HOOKBRIDGE_REPLAY_URL", "http://hookbridge:8080/webhooks/getprofile"},
                         {"HOOKBRIDGE_REPLAY_GROUP", "g"},
                         {"HOOKBRIDGE_HEALTHCHECK_TIMEOUT_S", "2"},
                         {"HOOKBRIDGE_FAULT_INJECTION", "0"},
                     }));
  ASSERT_TRUE(result.config) << result.error;
  EXPECT_THAT(result.config->rdkafka_properties, ElementsAre(Pair("linger.ms", "5")));
  EXPECT_THAT(result.warnings, IsEmpty());
}

TEST(LoadConfigTest, FaultInjectionIsASwitchForTests) {
  EXPECT_TRUE(MustLoad({}, WithRequired({{"HOOKBRIDGE_FAULT_INJECTION", "1"}})).fault_injection);
  EXPECT_FALSE(MustLoad({}, WithRequired({{"HOOKBRIDGE_FAULT_INJECTION", "0"}})).fault_injection);
  EXPECT_THAT(MustFail({}, WithRequired({{"HOOKBRIDGE_FAULT_INJECTION", "yes"}})),
              ::testing::StartsWith("HOOKBRIDGE_FAULT_INJECTION: "));
  EXPECT_THAT(HelpText(), Not(HasSubstr("HOOKBRIDGE_FAULT_INJECTION")));
}

TEST(LoadConfigTest, HelpAndVersionWorkWithAnUnknownVariable) {
  const Environment typo = {{"HOOKBRIDGE_KAFKA_BROKER", "kafka1:9092"}};
  EXPECT_TRUE(LoadConfig({"--help"}, typo).show_help);
  EXPECT_TRUE(LoadConfig({"--version"}, typo).show_version);
}

TEST(LoadConfigTest, MistypedFlagIsAnUnknownOption) {
  EXPECT_EQ(MustFail({"--kafka-broker", "kafka1:9092"}, WithRequired()),
            "unknown option '--kafka-broker' (see --help)");
}

// --- API keys ---------------------------------------------------------------

TEST(LoadConfigTest, MissingKeyIsErrorNamingTheSetting) {
  std::string error = MustFail({}, {});
  EXPECT_THAT(error, HasSubstr("GETPROFILE_API_KEY"));
}

TEST(LoadConfigTest, EmptyKeyListIsErrorNamingTheSetting) {
  std::string error = MustFail({}, {{"GETPROFILE_API_KEY", " , "}});
  EXPECT_THAT(error, HasSubstr("GETPROFILE_API_KEY"));
}

TEST(LoadConfigTest, InvalidKeyIsErrorWithoutTheKey) {
  std::string error =
      MustFail({}, {{"GETPROFILE_API_KEY", std::string(kKey) + ",bad " + kOtherKey}});
  EXPECT_THAT(error, HasSubstr("GETPROFILE_API_KEY"));
  EXPECT_THAT(error, Not(HasSubstr("bad ")));
}

TEST(LoadConfigTest, InvalidKeyFlagIsErrorWithoutTheKey) {
  std::string error = MustFail({"--api-key", std::string(kOtherKey) + "\x01"}, {});
  EXPECT_THAT(error, HasSubstr("--api-key"));
}

TEST(LoadConfigTest, KeyFileIsRead) {
  TempFile file(std::string("# keys\r\n") + kKey + "\r\n\r\n  " + kOtherKey + "  \n");
  Config config = MustLoad(
      {}, {{"GETPROFILE_API_KEY_FILE", file.path()}, {"HOOKBRIDGE_KAFKA_BROKERS", kBrokers}});
  EXPECT_EQ(config.api_keys.size(), 2u);
  EXPECT_TRUE(config.api_keys.Contains(kKey));
  EXPECT_TRUE(config.api_keys.Contains(kOtherKey));
}

TEST(LoadConfigTest, KeyFileFlagIsRead) {
  TempFile file(std::string(kOtherKey) + "\n");
  Config config = MustLoad({"--api-key-file", file.path(), "--kafka-brokers", kBrokers}, {});
  EXPECT_TRUE(config.api_keys.Contains(kOtherKey));
}

TEST(LoadConfigTest, MissingKeyFileIsErrorNamingTheSetting) {
  std::string error =
      MustFail({}, {{"GETPROFILE_API_KEY_FILE", ::testing::TempDir() + "no/such/hookbridge-keys"}});
  EXPECT_THAT(error, HasSubstr("GETPROFILE_API_KEY_FILE"));
}

TEST(LoadConfigTest, KeyFileWithoutKeysIsErrorNamingTheSetting) {
  TempFile file("# nothing yet\n\n");
  std::string error = MustFail({}, {{"GETPROFILE_API_KEY_FILE", file.path()}});
  EXPECT_THAT(error, HasSubstr("GETPROFILE_API_KEY_FILE"));
}

TEST(LoadConfigTest, KeyFileWithInvalidKeyIsErrorWithoutTheKeys) {
  TempFile file(std::string(kKey) + "\n" + kOtherKey + " trailing words\n");
  std::string error = MustFail({}, {{"GETPROFILE_API_KEY_FILE", file.path()}});
  EXPECT_THAT(error, HasSubstr("GETPROFILE_API_KEY_FILE"));
  EXPECT_THAT(error, HasSubstr("line 2"));
  EXPECT_THAT(error, Not(HasSubstr("trailing words")));
}

TEST(LoadConfigTest, BothKeyVariablesSetIsError) {
  TempFile file(std::string(kOtherKey) + "\n");
  std::string error = MustFail({}, WithRequired({{"GETPROFILE_API_KEY_FILE", file.path()}}));
  EXPECT_THAT(error, HasSubstr("GETPROFILE_API_KEY"));
  EXPECT_THAT(error, HasSubstr("GETPROFILE_API_KEY_FILE"));
}

// --- numbers and addresses --------------------------------------------------

struct BadValue {
  const char* env;
  const char* flag;
  const char* value;
};

class BadValueTest : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadValueTest, EnvironmentErrorNamesTheVariable) {
  const BadValue& bad = GetParam();
  std::string error = MustFail({}, WithRequired({{bad.env, bad.value}}));
  EXPECT_THAT(error, HasSubstr(bad.env)) << bad.value;
}

TEST_P(BadValueTest, FlagErrorNamesTheFlag) {
  const BadValue& bad = GetParam();
  std::string error = MustFail({bad.flag, bad.value}, WithRequired());
  EXPECT_THAT(error, HasSubstr(bad.flag)) << bad.value;
}

INSTANTIATE_TEST_SUITE_P(
    Numbers, BadValueTest,
    ::testing::Values(BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", "abc"},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", ""},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", "4000ms"},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", " 4000"},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", "4.5"},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", "0"},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", "-1"},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", "99"},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms", "60001"},
                      BadValue{"HOOKBRIDGE_ACK_TIMEOUT_MS", "--ack-timeout-ms",
                               "99999999999999999999999"},
                      BadValue{"HOOKBRIDGE_MAX_BODY_BYTES", "--max-body-bytes", "1MiB"},
                      BadValue{"HOOKBRIDGE_MAX_BODY_BYTES", "--max-body-bytes", "0"},
                      BadValue{"HOOKBRIDGE_MAX_BODY_BYTES", "--max-body-bytes", "63"},
                      BadValue{"HOOKBRIDGE_MAX_BODY_BYTES", "--max-body-bytes", "67108865"},
                      BadValue{"HOOKBRIDGE_MAX_BODY_BYTES", "--max-body-bytes", "-1048576"},
                      BadValue{"HOOKBRIDGE_MAX_IN_FLIGHT", "--max-in-flight", "many"},
                      BadValue{"HOOKBRIDGE_MAX_IN_FLIGHT", "--max-in-flight", "0"},
                      BadValue{"HOOKBRIDGE_MAX_IN_FLIGHT", "--max-in-flight", "-4"},
                      BadValue{"HOOKBRIDGE_MAX_IN_FLIGHT", "--max-in-flight", "1048577"},
                      BadValue{"HOOKBRIDGE_MAX_IN_FLIGHT", "--max-in-flight", "0x10"}));

INSTANTIATE_TEST_SUITE_P(Listen, BadValueTest,
                         ::testing::Values(BadValue{"HOOKBRIDGE_LISTEN", "--listen", "localhost"},
                                           BadValue{"HOOKBRIDGE_LISTEN", "--listen", ""},
                                           BadValue{"HOOKBRIDGE_LISTEN", "--listen", "8080"},
                                           BadValue{"HOOKBRIDGE_LISTEN", "--listen", "host:"},
                                           BadValue{"HOOKBRIDGE_LISTEN", "--listen", "host:http"},
                                           BadValue{"HOOKBRIDGE_LISTEN", "--listen", "host:-1"},
                                           BadValue{"HOOKBRIDGE_LISTEN", "--listen", "host:65536"},
                                           BadValue{"HOOKBRIDGE_LISTEN", "--listen", "host:80x"}));

INSTANTIATE_TEST_SUITE_P(
    Strings, BadValueTest,
    ::testing::Values(BadValue{"HOOKBRIDGE_WEBHOOK_PATH", "--webhook-path", "webhooks"},
                      BadValue{"HOOKBRIDGE_WEBHOOK_PATH", "--webhook-path", ""},
                      BadValue{"HOOKBRIDGE_WEBHOOK_PATH", "--webhook-path", "/healthz"},
                      BadValue{"HOOKBRIDGE_WEBHOOK_PATH", "--webhook-path", "/in?x=1"},
                      BadValue{"HOOKBRIDGE_KAFKA_TOPIC", "--kafka-topic", ""}));

TEST(LoadConfigTest, ListenAcceptsBracketedIpv6AndPortZero) {
  Config config = MustLoad({}, WithRequired({{"HOOKBRIDGE_LISTEN", "[::]:0"}}));
  EXPECT_EQ(config.listen_host, "::");
  EXPECT_EQ(config.listen_port, 0);
}

TEST(LoadConfigTest, ListenAcceptsHighestPort) {
  Config config = MustLoad({"--listen", "127.0.0.1:65535"}, WithRequired());
  EXPECT_EQ(config.listen_port, 65535);
}

TEST(LoadConfigTest, BadNumberErrorDoesNotEchoTheKey) {
  // The whole error, not just its setting name, is free of key material.
  std::string error = MustFail({"--api-key", kOtherKey, "--http-threads", "zero"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("--http-threads"));
}

// --- librdkafka properties --------------------------------------------------

TEST(LoadConfigTest, RdkafkaEnvironmentBecomesDottedLowercaseProperty) {
  Config config = MustLoad({}, WithRequired({{"HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL", "SASL_SSL"},
                                             {"HOOKBRIDGE_RDKAFKA_SASL_MECHANISMS", "PLAIN"}}));
  EXPECT_THAT(config.rdkafka_properties,
              ::testing::UnorderedElementsAre(Pair("security.protocol", "SASL_SSL"),
                                              Pair("sasl.mechanisms", "PLAIN")));
}

TEST(LoadConfigTest, RdkafkaFlagKeepsValueWithEqualsSigns) {
  Config config =
      MustLoad({"--rdkafka", "sasl.password=a=b=", "--rdkafka=client.id=x"}, WithRequired());
  EXPECT_THAT(config.rdkafka_properties,
              ElementsAre(Pair("sasl.password", "a=b="), Pair("client.id", "x")));
}

TEST(LoadConfigTest, RdkafkaFlagComesAfterEnvironmentSoItWins) {
  Config config = MustLoad({"--rdkafka", "linger.ms=5"},
                           WithRequired({{"HOOKBRIDGE_RDKAFKA_LINGER_MS", "50"}}));
  EXPECT_THAT(config.rdkafka_properties,
              ElementsAre(Pair("linger.ms", "50"), Pair("linger.ms", "5")));
}

TEST(LoadConfigTest, RdkafkaFlagWithoutEqualsIsError) {
  std::string error = MustFail({"--rdkafka", "linger.ms"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("--rdkafka"));
}

TEST(LoadConfigTest, RdkafkaFlagWithEmptyNameIsError) {
  std::string error = MustFail({"--rdkafka==5"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("--rdkafka"));
}

TEST(LoadConfigTest, RdkafkaFlagWithoutValueIsError) {
  std::string error = MustFail({"--rdkafka"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("--rdkafka"));
}

TEST(LoadConfigTest, RdkafkaPropertyFromAFileTakesItsContentWithoutTheLineEnd) {
  TempFile password("s3cret-from-file\r\n");
  TempFile key_password("key-pass\n");
  Config config =
      MustLoad({"--rdkafka", "ssl.key.password.file=" + key_password.path()},
               WithRequired({{"HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE", password.path()}}));
  EXPECT_THAT(config.rdkafka_properties, ElementsAre(Pair("sasl.password", "s3cret-from-file"),
                                                     Pair("ssl.key.password", "key-pass")));
  ASSERT_EQ(config.rdkafka_property_files.size(), 2u);
  EXPECT_EQ(config.rdkafka_property_files[0].property, "sasl.password");
  EXPECT_EQ(config.rdkafka_property_files[0].path, password.path());
}

TEST(LoadConfigTest, RdkafkaPropertyFromAFileIsDescribedByItsPathOnly) {
  TempFile password("s3cret-from-file\n");
  Config config =
      MustLoad({}, WithRequired({{"HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE", password.path()},
                                 {"HOOKBRIDGE_RDKAFKA_SASL_USERNAME", "hookbridge"}}));
  const std::string described = DescribeConfig(config);
  EXPECT_THAT(described, HasSubstr("rdkafka sasl.password=(from file " + password.path() + ")"));
  EXPECT_THAT(described, HasSubstr("rdkafka sasl.username=hookbridge"));
  EXPECT_THAT(described, Not(HasSubstr("s3cret-from-file")));
}

TEST(LoadConfigTest, RdkafkaPropertyFileMissingOrEmptyIsErrorNamingPropertyAndPath) {
  std::string missing =
      MustFail({"--rdkafka", "sasl.password.file=/nonexistent/kafka-password"}, WithRequired());
  EXPECT_THAT(missing, HasSubstr("sasl.password.file"));
  EXPECT_THAT(missing, HasSubstr("/nonexistent/kafka-password"));
  TempFile empty("\n");
  std::string error =
      MustFail({}, WithRequired({{"HOOKBRIDGE_RDKAFKA_SSL_KEY_PASSWORD_FILE", empty.path()}}));
  EXPECT_THAT(error, HasSubstr("ssl.key.password.file"));
  EXPECT_THAT(error, HasSubstr("is empty"));
}

// --- command line -----------------------------------------------------------

TEST(LoadConfigTest, UnknownFlagIsErrorNamingIt) {
  std::string error = MustFail({"--bogus=1"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("--bogus"));
  EXPECT_THAT(error, HasSubstr("unknown"));
}

TEST(LoadConfigTest, UnknownFlagWithSeparateValueIsErrorNamingIt) {
  std::string error = MustFail({"--bogus", "1"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("--bogus"));
  EXPECT_THAT(error, HasSubstr("unknown"));
}

TEST(LoadConfigTest, UnknownFlagAsLastArgumentIsReportedAsUnknown) {
  std::string error = MustFail({"--bogus"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("--bogus"));
  EXPECT_THAT(error, HasSubstr("unknown"));
}

TEST(LoadConfigTest, FlagWithoutValueIsErrorNamingIt) {
  std::string error = MustFail({"--kafka-topic"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("--kafka-topic"));
}

TEST(LoadConfigTest, HelpFlagAsksForHelpEvenWithoutKeys) {
  for (const char* flag : {"--help", "-h"}) {
    ConfigResult result = LoadConfig({flag}, {});
    EXPECT_TRUE(result.show_help) << flag;
    EXPECT_FALSE(result.config.has_value()) << flag;
    EXPECT_TRUE(result.error.empty()) << flag;
  }
}

TEST(LoadConfigTest, HelpFlagAfterOtherFlagsStillAsksForHelp) {
  ConfigResult result = LoadConfig({"--kafka-topic", "t", "--help"}, WithRequired());
  EXPECT_TRUE(result.show_help);
}

// --- help -------------------------------------------------------------------

TEST(HelpTextTest, MentionsEveryVariableFlagAndDefault) {
  std::string help = HelpText();
  for (const char* text : {"HOOKBRIDGE_LISTEN",
                           "HOOKBRIDGE_WEBHOOK_PATH",
                           "GETPROFILE_API_KEY",
                           "GETPROFILE_API_KEY_FILE",
                           "HOOKBRIDGE_KAFKA_BROKERS",
                           "HOOKBRIDGE_KAFKA_TOPIC",
                           "HOOKBRIDGE_ACK_TIMEOUT_MS",
                           "HOOKBRIDGE_MAX_BODY_BYTES",
                           "HOOKBRIDGE_MAX_IN_FLIGHT",
                           "HOOKBRIDGE_RDKAFKA_",
                           "--listen",
                           "--webhook-path",
                           "--api-key",
                           "--api-key-file",
                           "--kafka-brokers",
                           "--kafka-topic",
                           "--ack-timeout-ms",
                           "--max-body-bytes",
                           "--max-in-flight",
                           "--rdkafka",
                           "--help",
                           "0.0.0.0:8080",
                           "/webhooks/getprofile",
                           "getprofile.events",
                           "4000",
                           "1048576",
                           "1024"}) {
    EXPECT_THAT(help, HasSubstr(text));
  }
}

TEST(HelpTextTest, EveryDefaultItNamesIsTheOneInForce) {
  // The defaults live in Config's initialisers and are written again, as
  // text, in --help. Giving each documented default explicitly must change
  // nothing.
  const std::string help = HelpText();
  const std::string unset = DescribeConfig(MustLoad({}, WithRequired()));
  std::regex entry(R"(  --[a-z-]+  \((HOOKBRIDGE_[A-Z_]+)\)\n[^\n]*\n      default: ([^\n]*)\n)");
  int checked = 0;
  for (std::sregex_iterator it(help.begin(), help.end(), entry), end; it != end; ++it) {
    const std::string variable = (*it)[1];
    const std::string value = (*it)[2];
    if (value.front() == '(') continue;  // "(none)" and the like: nothing to give
    SCOPED_TRACE(variable + "=" + value);
    EXPECT_EQ(DescribeConfig(MustLoad({}, WithRequired({{variable, value}}))), unset);
    ++checked;
  }
  EXPECT_GE(checked, 9);  // every setting with a value as its default
}

// --- operations: log level, drain, TLS, --version, --check-config ------------

// The connection loops: one per two usable CPUs unless given, resolved by
// LoadConfig (so that --check-config shows the number); 0 and too many refused.
TEST(LoadConfigTest, HttpLoopsDefaultToOnePerTwoCpusAndAreChecked) {
  EXPECT_GE(AvailableCpus(), 1);
  EXPECT_EQ(DefaultHttpLoops(), std::max(1, (AvailableCpus() + 1) / 2));
  EXPECT_EQ(MustLoad({}, WithRequired()).http_loops, DefaultHttpLoops());
  EXPECT_THAT(DescribeConfig(MustLoad({}, WithRequired())),
              HasSubstr("HOOKBRIDGE_HTTP_LOOPS=" + std::to_string(DefaultHttpLoops()) + "\n"));
  EXPECT_EQ(MustLoad({}, WithRequired({{"HOOKBRIDGE_HTTP_LOOPS", "3"}})).http_loops, 3);
  EXPECT_EQ(MustLoad({"--http-loops", "5"}, WithRequired()).http_loops, 5);
  EXPECT_THAT(MustFail({}, WithRequired({{"HOOKBRIDGE_HTTP_LOOPS", "0"}})),
              HasSubstr("HOOKBRIDGE_HTTP_LOOPS"));
  EXPECT_THAT(MustFail({}, WithRequired({{"HOOKBRIDGE_HTTP_LOOPS", "257"}})),
              HasSubstr("HOOKBRIDGE_HTTP_LOOPS"));
  EXPECT_THAT(HelpText(), HasSubstr("default: (one per two CPUs the process may use)"));
}

TEST(LoadConfigTest, OperationsDefaults) {
  Config config = MustLoad({}, WithRequired());
  EXPECT_EQ(config.log_level, LogLevel::kInfo);
  EXPECT_EQ(config.drain_grace, std::chrono::milliseconds(5000));
  EXPECT_EQ(config.request_timeout, std::chrono::milliseconds(15000));
  EXPECT_EQ(config.tls_cert_file, "");
  EXPECT_EQ(config.tls_key_file, "");
}

TEST(LoadConfigTest, LogLevelFromEnvironmentAndFlagIgnoringCase) {
  const std::vector<std::pair<std::string, LogLevel>> levels = {
      {"debug", LogLevel::kDebug}, {"info", LogLevel::kInfo}, {"warn", LogLevel::kWarn},
      {"error", LogLevel::kError}, {"WARN", LogLevel::kWarn}, {"Debug", LogLevel::kDebug}};
  for (const auto& [text, level] : levels) {
    EXPECT_EQ(MustLoad({}, WithRequired({{"HOOKBRIDGE_LOG_LEVEL", text}})).log_level, level)
        << text;
    EXPECT_EQ(MustLoad({"--log-level", text}, WithRequired()).log_level, level) << text;
  }
  EXPECT_EQ(
      MustLoad({"--log-level=error"}, WithRequired({{"HOOKBRIDGE_LOG_LEVEL", "debug"}})).log_level,
      LogLevel::kError);
}

TEST(LoadConfigTest, DrainGraceFromEnvironmentAndFlag) {
  EXPECT_EQ(MustLoad({}, WithRequired({{"HOOKBRIDGE_DRAIN_GRACE_MS", "0"}})).drain_grace,
            std::chrono::milliseconds(0));
  EXPECT_EQ(MustLoad({}, WithRequired({{"HOOKBRIDGE_DRAIN_GRACE_MS", "600000"}})).drain_grace,
            std::chrono::milliseconds(600000));
  EXPECT_EQ(MustLoad({"--drain-grace-ms=2000"}, WithRequired({{"HOOKBRIDGE_DRAIN_GRACE_MS", "9"}}))
                .drain_grace,
            std::chrono::milliseconds(2000));
}

TEST(LoadConfigTest, RequestTimeoutFromEnvironmentAndFlag) {
  EXPECT_EQ(MustLoad({}, WithRequired({{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "1000"}})).request_timeout,
            std::chrono::milliseconds(1000));
  EXPECT_EQ(
      MustLoad({}, WithRequired({{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "600000"}})).request_timeout,
      std::chrono::milliseconds(600000));
  EXPECT_EQ(MustLoad({"--request-timeout-ms", "4500"},
                     WithRequired({{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "9000"}}))
                .request_timeout,
            std::chrono::milliseconds(4500));
  EXPECT_THAT(MustFail({}, WithRequired({{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "999"}})),
              HasSubstr("HOOKBRIDGE_REQUEST_TIMEOUT_MS: 999 is out of range [1000, 600000]"));
  EXPECT_THAT(HelpText(), HasSubstr("--request-timeout-ms"));
}

INSTANTIATE_TEST_SUITE_P(
    RequestTimeout, BadValueTest,
    ::testing::Values(BadValue{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "--request-timeout-ms", "999"},
                      BadValue{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "--request-timeout-ms", "600001"},
                      BadValue{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "--request-timeout-ms", "0"},
                      BadValue{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "--request-timeout-ms", "-1"},
                      BadValue{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "--request-timeout-ms", "15s"},
                      BadValue{"HOOKBRIDGE_REQUEST_TIMEOUT_MS", "--request-timeout-ms", ""}));

INSTANTIATE_TEST_SUITE_P(
    LogLevelAndDrainGrace, BadValueTest,
    ::testing::Values(BadValue{"HOOKBRIDGE_LOG_LEVEL", "--log-level", "verbose"},
                      BadValue{"HOOKBRIDGE_LOG_LEVEL", "--log-level", ""},
                      BadValue{"HOOKBRIDGE_LOG_LEVEL", "--log-level", "info "},
                      BadValue{"HOOKBRIDGE_DRAIN_GRACE_MS", "--drain-grace-ms", "-1"},
                      BadValue{"HOOKBRIDGE_DRAIN_GRACE_MS", "--drain-grace-ms", "600001"},
                      BadValue{"HOOKBRIDGE_DRAIN_GRACE_MS", "--drain-grace-ms", "5s"},
                      BadValue{"HOOKBRIDGE_DRAIN_GRACE_MS", "--drain-grace-ms", ""}));

TEST(LoadConfigTest, TlsNeedsBothCertificateAndKey) {
  Config config = MustLoad({}, WithRequired({{"HOOKBRIDGE_TLS_CERT_FILE", "/etc/hb/cert.pem"},
                                             {"HOOKBRIDGE_TLS_KEY_FILE", "/etc/hb/key.pem"}}));
  EXPECT_EQ(config.tls_cert_file, "/etc/hb/cert.pem");
  EXPECT_EQ(config.tls_key_file, "/etc/hb/key.pem");
  config = MustLoad({"--tls-cert-file", "c.pem", "--tls-key-file=k.pem"}, WithRequired());
  EXPECT_EQ(config.tls_cert_file, "c.pem");
  EXPECT_EQ(config.tls_key_file, "k.pem");

  // Only one of the two: the error names the missing setting.
  std::string error =
      MustFail({}, WithRequired({{"HOOKBRIDGE_TLS_CERT_FILE", "/etc/hb/cert.pem"}}));
  EXPECT_THAT(error, ::testing::StartsWith("HOOKBRIDGE_TLS_KEY_FILE"));
  error = MustFail({}, WithRequired({{"HOOKBRIDGE_TLS_KEY_FILE", "/etc/hb/key.pem"}}));
  EXPECT_THAT(error, ::testing::StartsWith("HOOKBRIDGE_TLS_CERT_FILE"));
  error = MustFail({"--tls-key-file", "k.pem"}, WithRequired());
  EXPECT_THAT(error, HasSubstr("HOOKBRIDGE_TLS_CERT_FILE"));
}

TEST(LoadConfigTest, VersionFlagAsksForTheVersionEvenWithoutKeys) {
  for (const Args& args : {Args{"--version"}, Args{"--kafka-topic", "t", "--version"}}) {
    ConfigResult result = LoadConfig(args, {});
    EXPECT_TRUE(result.show_version);
    EXPECT_FALSE(result.show_help);
    EXPECT_FALSE(result.check_config);
    EXPECT_FALSE(result.config.has_value());
    EXPECT_TRUE(result.error.empty()) << result.error;
  }
}

TEST(LoadConfigTest, HelpAndVersionWorkEvenWithABadEnvironment) {
  // An operator with a broken setting must still be able to read --help.
  const Environment broken = WithRequired({{"HOOKBRIDGE_ACK_TIMEOUT_MS", "soon"}});
  ConfigResult help = LoadConfig({"--help"}, broken);
  EXPECT_TRUE(help.show_help) << help.error;
  ConfigResult version = LoadConfig({"--version"}, broken);
  EXPECT_TRUE(version.show_version) << version.error;
  // Without them, the bad setting is still the error.
  EXPECT_THAT(MustFail({}, broken), HasSubstr("HOOKBRIDGE_ACK_TIMEOUT_MS"));
  EXPECT_THAT(MustFail({"--kafka-topic", "t"}, broken), HasSubstr("HOOKBRIDGE_ACK_TIMEOUT_MS"));
  // A flag value that merely looks like --version is a value.
  EXPECT_EQ(MustLoad({"--kafka-topic", "--version"}, WithRequired()).kafka_topic, "--version");
}

TEST(LoadConfigTest, CheckConfigFlagLoadsTheConfigAndAsksForTheCheck) {
  ConfigResult result = LoadConfig({"--check-config", "--kafka-topic", "t"}, WithRequired());
  EXPECT_TRUE(result.check_config);
  EXPECT_FALSE(result.show_help);
  EXPECT_FALSE(result.show_version);
  ASSERT_TRUE(result.config.has_value()) << result.error;
  EXPECT_EQ(result.config->kafka_topic, "t");
  EXPECT_FALSE(LoadConfig({}, WithRequired()).check_config);
}

TEST(LoadConfigTest, CheckConfigStillRejectsABadSetting) {
  ConfigResult result =
      LoadConfig({"--check-config"}, WithRequired({{"HOOKBRIDGE_MAX_IN_FLIGHT", "0"}}));
  EXPECT_FALSE(result.config.has_value());
  EXPECT_THAT(result.error, HasSubstr("HOOKBRIDGE_MAX_IN_FLIGHT"));
}

// HOOKBRIDGE_HTTP_THREADS sized a thread pool that waited for Kafka; it is
// gone. A deployment that still sets it starts, and is told once.
TEST(LoadConfigTest, DroppedHttpThreadsSettingOnlyWarns) {
  ConfigResult result = LoadConfig({}, WithRequired({{"HOOKBRIDGE_HTTP_THREADS", "64"}}));
  ASSERT_TRUE(result.config.has_value()) << result.error;
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_THAT(result.warnings[0], HasSubstr("HOOKBRIDGE_HTTP_THREADS no longer has an effect"));
  EXPECT_THAT(LoadConfig({}, WithRequired()).warnings, IsEmpty());
}

TEST(HelpTextTest, MentionsTheOperationsSettingsAndFlags) {
  std::string help = HelpText();
  for (const char* text :
       {"HOOKBRIDGE_LOG_LEVEL", "--log-level", "HOOKBRIDGE_DRAIN_GRACE_MS", "--drain-grace-ms",
        "HOOKBRIDGE_TLS_CERT_FILE", "--tls-cert-file", "HOOKBRIDGE_TLS_KEY_FILE", "--tls-key-file",
        "--check-config", "--version"}) {
    EXPECT_THAT(help, HasSubstr(text));
  }
}

// --- DescribeConfig ---------------------------------------------------------

TEST(DescribeConfigTest, ListsEverySettingWithTheKeysRedacted) {
  Config config = MustLoad({"--log-level", "warn", "--drain-grace-ms", "2500"},
                           {{"GETPROFILE_API_KEY", std::string(kKey) + "," + kOtherKey},
                            {"HOOKBRIDGE_LISTEN", "127.0.0.1:9090"},
                            {"HOOKBRIDGE_KAFKA_BROKERS", "k1:9092,k2:9092"},
                            {"HOOKBRIDGE_KAFKA_TOPIC", "events.gp"},
                            {"HOOKBRIDGE_ACK_TIMEOUT_MS", "2500"},
                            {"HOOKBRIDGE_TLS_CERT_FILE", "/c.pem"},
                            {"HOOKBRIDGE_TLS_KEY_FILE", "/k.pem"}});
  std::string text = DescribeConfig(config);
  EXPECT_THAT(text, Not(HasSubstr(kKey)));
  EXPECT_THAT(text, Not(HasSubstr(kOtherKey)));
  for (const char* line :
       {"HOOKBRIDGE_LISTEN=127.0.0.1:9090\n", "HOOKBRIDGE_WEBHOOK_PATH=/webhooks/getprofile\n",
        "GETPROFILE_API_KEY=(2 keys, redacted)\n", "HOOKBRIDGE_KAFKA_BROKERS=k1:9092,k2:9092\n",
        "HOOKBRIDGE_KAFKA_TOPIC=events.gp\n", "HOOKBRIDGE_ACK_TIMEOUT_MS=2500\n",
        "HOOKBRIDGE_MAX_BODY_BYTES=1048576\n", "HOOKBRIDGE_MAX_IN_FLIGHT=1024\n",
        "HOOKBRIDGE_LOG_LEVEL=warn\n", "HOOKBRIDGE_DRAIN_GRACE_MS=2500\n",
        "HOOKBRIDGE_TLS_CERT_FILE=/c.pem\n", "HOOKBRIDGE_TLS_KEY_FILE=/k.pem\n",
        "HOOKBRIDGE_REQUEST_TIMEOUT_MS=15000\n"}) {
    EXPECT_THAT(text, HasSubstr(line));
  }
}

TEST(DescribeConfigTest, KeyFileIsNamedWithItsKeyCountButNoKey) {
  TempFile file(std::string(kKey) + "\n" + kOtherKey + "\n");
  Config config = MustLoad(
      {}, {{"GETPROFILE_API_KEY_FILE", file.path()}, {"HOOKBRIDGE_KAFKA_BROKERS", kBrokers}});
  std::string text = DescribeConfig(config);
  EXPECT_THAT(text, HasSubstr("GETPROFILE_API_KEY_FILE=" + file.path() + " (2 keys, redacted)\n"));
  EXPECT_THAT(text, Not(HasSubstr(kKey)));
  EXPECT_THAT(text, Not(HasSubstr(kOtherKey)));
}

TEST(DescribeConfigTest, EmbeddedBrokerIsNamedWhenAskedFor) {
  Config config = MustLoad({"--kafka-brokers", "embedded"}, WithRequired());
  EXPECT_THAT(DescribeConfig(config), HasSubstr("HOOKBRIDGE_KAFKA_BROKERS=embedded\n"));
  config.kafka_brokers = "127.0.0.1:38247";  // once it runs (src/main.cc)
  EXPECT_THAT(DescribeConfig(config),
              HasSubstr("HOOKBRIDGE_KAFKA_BROKERS=embedded (127.0.0.1:38247)\n"));
}

TEST(DescribeConfigTest, SecretLibrdkafkaPropertiesAreRedactedOthersShown) {
  // librdkafka's sensitive properties (those it marks _RK_SENSITIVE).
  const std::vector<std::pair<std::string, std::string>> secrets = {
      {"sasl.password", "Pw-sasl-0001"},
      {"ssl.key.password", "Pw-sslkey-0002"},
      {"ssl.keystore.password", "Pw-keystore-0003"},
      {"ssl.key.pem", "-----BEGIN PRIVATE KEY-----Pem0004"},
      {"sasl.oauthbearer.client.secret", "Pw-oauth-0005"},
      {"sasl.oauthbearer.config", "principal=svc secret=Pw-oauthcfg-0006"},
  };
  Args args;
  for (const auto& [name, value] : secrets) args.push_back("--rdkafka=" + name + "=" + value);
  args.push_back("--rdkafka=security.protocol=SASL_SSL");
  args.push_back("--rdkafka=sasl.username=svc-hookbridge");
  Config config =
      MustLoad(args, WithRequired({{"HOOKBRIDGE_RDKAFKA_SASL_PASSWORD", "Pw-env-0007"}}));
  std::string text = DescribeConfig(config);
  for (const auto& [name, value] : secrets) {
    EXPECT_THAT(text, HasSubstr("rdkafka " + name + "=(redacted)\n"));
    EXPECT_THAT(text, Not(HasSubstr(value)));
  }
  EXPECT_THAT(text, Not(HasSubstr("Pw-")));
  EXPECT_THAT(text, HasSubstr("rdkafka security.protocol=SASL_SSL\n"));
  EXPECT_THAT(text, HasSubstr("rdkafka sasl.username=svc-hookbridge\n"));
}

}  // namespace
}  // namespace hookbridge
