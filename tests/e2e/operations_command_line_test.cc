// End to end, for operators: --check-config on the shared broker (and
// without topic or broker), --version and --help. The fixture is in
// operations_fixture.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "hookbridge/version.h"
#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Clock = std::chrono::steady_clock;

// --- (g) --check-config, --version, --help -----------------------------------

TEST_F(Operations, CheckConfigPassesOnTheRealBrokerAndFailsWithoutTopicOrBroker) {
  struct Run {
    std::map<std::string, std::string> env;
    int exit_code = -1;
    std::string output;
  };
  std::vector<Run> runs(3);
  runs[0].env = Environment();
  runs[1].env = Environment();
  runs[1].env["HOOKBRIDGE_KAFKA_TOPIC"] = topic_ + ".missing";
  runs[2].env = Environment();
  runs[2].env["HOOKBRIDGE_KAFKA_BROKERS"] = "127.0.0.1:1";  // nothing listens there
  runs[0].env["HOOKBRIDGE_RDKAFKA_SASL_PASSWORD"] = "Pw-never-shown-42";
  runs[0].env["HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL"] = "plaintext";
  // The three checks at once: the one without a broker takes its full 10 s
  // (the missing topic is named once the broker's answer has stood 2 s).
  std::vector<std::thread> threads;
  const auto started = Clock::now();
  for (Run& run : runs) {
    threads.emplace_back([&run] {
      HookbridgeProcess check(run.env, {"--check-config"});
      run.exit_code = check.WaitForExit(30s);
      run.output = check.output();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LT(Clock::now() - started, 25s);

  const Run& good = runs[0];
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_THAT(good.output, HasSubstr("GETPROFILE_API_KEY=(2 keys, redacted)\n"));
  EXPECT_THAT(good.output, HasSubstr("HOOKBRIDGE_KAFKA_BROKERS=" + brokers_ + "\n"));
  EXPECT_THAT(good.output, HasSubstr("HOOKBRIDGE_KAFKA_TOPIC=" + topic_ + "\n"));
  EXPECT_THAT(good.output, HasSubstr("HOOKBRIDGE_MAX_BODY_BYTES=4096\n"));
  EXPECT_THAT(good.output, HasSubstr("HOOKBRIDGE_LISTEN=127.0.0.1:0\n"));
  EXPECT_THAT(good.output, HasSubstr("rdkafka sasl.password=(redacted)\n"));
  EXPECT_THAT(good.output, HasSubstr("rdkafka security.protocol=plaintext\n"));
  EXPECT_THAT(good.output, HasSubstr("kafka: connected"));
  for (const Run& run : runs) {
    EXPECT_THAT(run.output, Not(HasSubstr(kOldKey)));
    EXPECT_THAT(run.output, Not(HasSubstr(kNewKey)));
    EXPECT_THAT(run.output, Not(HasSubstr("Pw-never-shown-42")));
    EXPECT_THAT(run.output, Not(HasSubstr("hookbridge listening")));  // checks, never serves
  }

  EXPECT_EQ(runs[1].exit_code, 1) << runs[1].output;
  EXPECT_THAT(runs[1].output,
              HasSubstr("topic '" + topic_ + ".missing' does not exist on the broker"));
  EXPECT_EQ(runs[2].exit_code, 1) << runs[2].output;
  EXPECT_THAT(runs[2].output, HasSubstr("no broker reachable"));

  // A bad setting is still a start-up error (2), naming it.
  auto env = Environment();
  env["HOOKBRIDGE_DRAIN_GRACE_MS"] = "soon";
  HookbridgeProcess bad(env, {"--check-config"});
  EXPECT_EQ(bad.WaitForExit(10s), 2);
  EXPECT_THAT(bad.output(), HasSubstr("HOOKBRIDGE_DRAIN_GRACE_MS"));
}

// Issue 20: a mistyped broker variable used to start on the embedded
// in-memory broker, answer 200 and lose every event on restart. Now it, and
// no broker list at all, stop start-up and --check-config alike (status 2),
// before anything connects or listens.
TEST_F(Operations, MistypedOrMissingBrokerListStopsStartupAndCheckConfig) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{}, {"--check-config"}}) {
    const std::string how = args.empty() ? "start-up" : "--check-config";
    auto env = Environment();
    env.erase("HOOKBRIDGE_KAFKA_BROKERS");
    env["HOOKBRIDGE_KAFKA_BROKER"] = "kafka1:9092";
    HookbridgeProcess typo(env, args, /*wait_until_listening=*/false);
    EXPECT_EQ(typo.WaitForExit(30s), 2) << how << ": " << typo.output();
    EXPECT_THAT(typo.output(),
                HasSubstr("hookbridge: HOOKBRIDGE_KAFKA_BROKER: unknown setting (did you "
                          "mean HOOKBRIDGE_KAFKA_BROKERS?)"))
        << how;

    env.erase("HOOKBRIDGE_KAFKA_BROKER");
    HookbridgeProcess missing(env, args, /*wait_until_listening=*/false);
    EXPECT_EQ(missing.WaitForExit(30s), 2) << how << ": " << missing.output();
    EXPECT_THAT(missing.output(),
                HasSubstr("hookbridge: HOOKBRIDGE_KAFKA_BROKERS: no Kafka broker configured"))
        << how;
    EXPECT_THAT(missing.output(), HasSubstr("'embedded'")) << how;

    for (const HookbridgeProcess* run : {&typo, &missing}) {
      EXPECT_THAT(run->output(), Not(HasSubstr("EMBEDDED DEVELOPMENT BROKER"))) << how;
      EXPECT_THAT(run->output(), Not(HasSubstr("hookbridge listening"))) << how;
      EXPECT_THAT(run->output(), Not(HasSubstr("kafka:")))
          << how;  // --check-config never got to Kafka
    }
  }
}

// A signed source whose tolerance is longer than the deduplication window
// stops start-up and --check-config, naming the setting (docs/deduplication.md).
TEST_F(Operations, AToleranceLongerThanTheDedupWindowStopsStartup) {
  char pattern[] = "/tmp/hookbridge-dedup-window-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  std::ofstream(dir + "/w.secret") << "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n";
  std::ofstream(dir + "/sources.yaml")
      << "sources:\n  - {name: billing, path: /b, auth: standard-webhooks, secrets_file: " << dir
      << "/w.secret, topic: " << topic_ << ", tolerance_seconds: 900}\n";
  for (const std::vector<std::string>& args : {std::vector<std::string>{}, {"--check-config"}}) {
    const std::string how = args.empty() ? "start-up" : "--check-config";
    auto env = Environment();
    env["HOOKBRIDGE_SOURCES_FILE"] = dir + "/sources.yaml";
    HookbridgeProcess refused(env, args, /*wait_until_listening=*/false);
    EXPECT_EQ(refused.WaitForExit(30s), 2) << how << ": " << refused.output();
    EXPECT_THAT(refused.output(),
                HasSubstr("tolerance_seconds: 900 s is longer than HOOKBRIDGE_DEDUP_WINDOW_S"))
        << how;
    env["HOOKBRIDGE_DEDUP_WINDOW_S"] = "900";
    if (!args.empty()) {
      HookbridgeProcess fits(env, args, /*wait_until_listening=*/false);
      EXPECT_EQ(fits.WaitForExit(30s), 0) << fits.output();
    }
  }
  std::filesystem::remove_all(dir);
}

// The development broker runs when asked for by name, with its warning.
TEST_F(Operations, EmbeddedBrokerRunsWhenAskedForByName) {
  auto env = Environment();
  env["HOOKBRIDGE_KAFKA_BROKERS"] = "embedded";
  HookbridgeProcess check(env, {"--check-config"}, /*wait_until_listening=*/false);
  EXPECT_EQ(check.WaitForExit(30s), 0) << check.output();
  EXPECT_THAT(check.output(), HasSubstr("HOOKBRIDGE_KAFKA_BROKERS=embedded (127.0.0.1:"));
  EXPECT_THAT(check.output(), HasSubstr("EMBEDDED DEVELOPMENT BROKER"));
}

// The start-up log names the librdkafka in use: the one the build found, loaded
// through the binary's run path (not Debian 12's 2.0.2).
TEST_F(Operations, StartUpLogNamesTheLibrdkafkaInUse) {
  StartBridge();
  std::vector<LogLine> lines = LogLines(bridge_->output(), "hookbridge listening");
  ASSERT_EQ(lines.size(), 1u) << bridge_->output();
  EXPECT_EQ(lines[0]["librdkafka"], HOOKBRIDGE_RDKAFKA_VERSION);
}

TEST_F(Operations, VersionAndHelpPrintAndExitZeroWithoutAnySetting) {
  HookbridgeProcess version({}, {"--version"});
  EXPECT_EQ(version.WaitForExit(10s), 0);
  EXPECT_EQ(version.output(), std::string("hookbridge ") + kVersion +
                                  " (librdkafka " HOOKBRIDGE_RDKAFKA_VERSION ")\n");

  // --help works even when a setting in the environment is wrong.
  HookbridgeProcess help({{"HOOKBRIDGE_MAX_IN_FLIGHT", "0"}}, {"--help"});
  EXPECT_EQ(help.WaitForExit(10s), 0);
  for (const char* text : {"HOOKBRIDGE_LOG_LEVEL", "HOOKBRIDGE_DRAIN_GRACE_MS",
                           "HOOKBRIDGE_TLS_CERT_FILE", "--check-config", "--version"}) {
    EXPECT_THAT(help.output(), HasSubstr(text));
  }
}

}  // namespace
}  // namespace hookbridge::e2e
