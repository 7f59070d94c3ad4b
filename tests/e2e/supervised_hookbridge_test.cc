// SupervisedHookbridge, the helper the faults and cluster suites run
// hookbridge with (those suites run on dedicated brokers and take minutes;
// this proves the helper in seconds, on the embedded broker): a fatal
// producer error (exit 3) is followed by a new process on the same port, any
// other exit is reported as a failure, and the output of every process is
// kept.
#include "supervised_hookbridge.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>

#include "bridge_fixture.h"  // CountOf, PollUntil

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;

std::map<std::string, std::string> EmbeddedBrokerEnvironment(int port) {
  return {{"HOOKBRIDGE_LISTEN", "127.0.0.1:" + std::to_string(port)},
          {"GETPROFILE_API_KEY", "supervised-key-0123456789abcdef"},
          {"HOOKBRIDGE_KAFKA_BROKERS", "embedded"},
          {"HOOKBRIDGE_DRAIN_GRACE_MS", "0"},
          {"HOOKBRIDGE_FAULT_INJECTION", "1"}};  // SIGUSR2: a fatal producer error
}

TEST(SupervisedHookbridge, RestartsOnTheSamePortAfterExit3AndReportsAnyOtherExit) {
  SupervisedHookbridge bridge(EmbeddedBrokerEnvironment);
  ASSERT_TRUE(bridge.Start()) << bridge.output();
  const int port = bridge.port();
  const pid_t first = bridge.pid();
  ASSERT_GT(port, 0);
  bridge.Supervise();

  ASSERT_EQ(kill(first, SIGUSR2), 0);
  ASSERT_TRUE(PollUntil(60s, [&] { return bridge.restarts() == 1 || !bridge.failure().empty(); }))
      << bridge.output();
  EXPECT_EQ(bridge.failure(), "");
  EXPECT_EQ(bridge.restarts(), 1);
  EXPECT_EQ(bridge.port(), port);
  EXPECT_NE(bridge.pid(), first);
  // The first process's last words, and the second's start-up, both kept.
  const std::string output = bridge.output();
  EXPECT_NE(output.find("fatal Kafka producer error"), std::string::npos) << output;
  const std::string listening =
      R"("message":"hookbridge listening","address":"127.0.0.1:)" + std::to_string(port) + "\"";
  EXPECT_EQ(CountOf(output, listening), 2u) << output;

  // A clean exit is not what an orchestrator restarts after: a failure.
  ASSERT_EQ(kill(bridge.pid(), SIGTERM), 0);
  ASSERT_TRUE(PollUntil(60s, [&] { return !bridge.failure().empty(); })) << bridge.output();
  EXPECT_EQ(bridge.failure(), "hookbridge exited with status 0");
  EXPECT_EQ(bridge.restarts(), 1);
  bridge.StopSupervising();
}

}  // namespace
}  // namespace hookbridge::e2e
