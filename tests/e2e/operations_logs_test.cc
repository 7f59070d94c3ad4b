// End to end, for operators: request ids (echoed, or generated for a
// malformed one) and the access log, and HOOKBRIDGE_LOG_LEVEL. On the shared
// broker (HOOKBRIDGE_E2E_BROKERS); the fixture is in operations_fixture.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// --- (e) request ids and the access log ---------------------------------------

TEST_F(Operations, WellFormedRequestIdIsEchoedAndLoggedWithWhereKafkaStoredTheEvent) {
  StartBridge();
  httplib::Client client("127.0.0.1", bridge_->port());
  client.set_read_timeout(10, 0);
  const std::string request_id = "req-2024.abc_DEF:42";
  auto response = client.Post(
      kPath, {{"Authorization", std::string("Bearer ") + kNewKey}, {"X-Request-Id", request_id}},
      kExampleEvent, "application/json");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("X-Request-Id"), request_id);

  auto refused = client.Post(
      kPath,
      {{"Authorization", std::string("Bearer ") + kWrongKey}, {"X-Request-Id", "req-refused-1"}},
      kExampleEvent, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->get_header_value("X-Request-Id"), "req-refused-1");

  auto records = ConsumeFromBeginning(brokers_, topic_, 1, 30s);
  ASSERT_EQ(records.size(), 1u);

  std::vector<LogLine> lines;
  ASSERT_TRUE(PollUntil(5s, [&] {
    lines = LogLines(bridge_->output(), "webhook");
    return lines.size() >= 2;
  })) << bridge_->output();
  ASSERT_EQ(lines.size(), 2u);
  LogLine& stored = lines[0]["request_id"] == request_id ? lines[0] : lines[1];
  EXPECT_EQ(stored["request_id"], request_id);
  EXPECT_EQ(stored["level"], "info");
  EXPECT_EQ(stored["status"], "200");
  EXPECT_EQ(stored["event_id"], "evt_1234567890");
  EXPECT_EQ(stored["partition"], std::to_string(records[0].partition));
  EXPECT_EQ(stored["offset"], std::to_string(records[0].offset));
  EXPECT_FALSE(stored["latency_ms"].empty());
  EXPECT_FALSE(stored["time"].empty());
  EXPECT_EQ(stored.count("reason"), 0u);

  LogLine& rejected = lines[0]["request_id"] == request_id ? lines[1] : lines[0];
  EXPECT_EQ(rejected["request_id"], "req-refused-1");
  EXPECT_EQ(rejected["status"], "401");
  EXPECT_EQ(rejected["reason"], "auth");
  EXPECT_EQ(rejected.count("event_id"), 0u);
  EXPECT_EQ(rejected.count("offset"), 0u);

  // Numbers are JSON numbers, for log pipelines to aggregate without parsing rules.
  for (const char* field : {"status", "latency_ms", "partition", "offset"}) {
    EXPECT_TRUE(FieldIsNumber(bridge_->output(), "request_id", request_id, field)) << field;
  }
  EXPECT_TRUE(FieldIsNumber(bridge_->output(), "request_id", "req-refused-1", "status"));
  EXPECT_THAT(bridge_->output(), HasSubstr("\"status\":401,")) << "a number, unquoted";

  // Neither key nor body in the log.
  const std::string log = bridge_->output();
  EXPECT_THAT(log, Not(HasSubstr(kNewKey)));
  EXPECT_THAT(log, Not(HasSubstr(kWrongKey)));
  EXPECT_THAT(log, Not(HasSubstr("abc-tenant")));
}

TEST_F(Operations, MalformedRequestIdIsReplacedByAGeneratedOne) {
  StartBridge();
  httplib::Client client("127.0.0.1", bridge_->port());
  client.set_read_timeout(10, 0);
  const std::vector<std::string> malformed = {"has spaces in it",
                                              std::string(300, 'a'),
                                              std::string(129, 'b'),
                                              "semi;colon",
                                              "quote\"d",
                                              "ünï"};
  std::set<std::string> generated;
  for (size_t i = 0; i < malformed.size(); ++i) {
    auto response = client.Post(
        kPath,
        {{"Authorization", std::string("Bearer ") + kNewKey}, {"X-Request-Id", malformed[i]}},
        ProfileEvent("rid-" + std::to_string(i), "p"), "application/json");
    ASSERT_TRUE(response) << i;
    EXPECT_EQ(response->status, 200) << i;
    std::string echoed = response->get_header_value("X-Request-Id");
    EXPECT_NE(echoed, malformed[i]);
    EXPECT_TRUE(IsGeneratedRequestId(echoed)) << echoed;
    generated.insert(echoed);
  }
  EXPECT_EQ(generated.size(), malformed.size()) << "generated ids repeat";
  // The longest well-formed id (128 characters) is kept.
  const std::string longest(128, 'c');
  auto kept = client.Get("/healthz", {{"X-Request-Id", longest}});
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->get_header_value("X-Request-Id"), longest);

  // The access log carries the generated ids, never the malformed ones.
  std::vector<LogLine> lines;
  ASSERT_TRUE(PollUntil(5s, [&] {
    lines = LogLines(bridge_->output(), "webhook");
    return lines.size() >= malformed.size();
  }));
  std::set<std::string> logged;
  for (auto& line : lines) logged.insert(line["request_id"]);
  EXPECT_EQ(logged, generated);
  EXPECT_THAT(bridge_->output(), Not(HasSubstr("has spaces in it")));
  EXPECT_THAT(bridge_->output(), Not(HasSubstr(std::string(129, 'b'))));
}

// --- HOOKBRIDGE_LOG_LEVEL ----------------------------------------------------

TEST_F(Operations, LogLevelWarnHidesTheAccessLogButKeepsErrors) {
  // The start-up line is info too: find the port another way.
  int port = 0;
  for (int attempt = 0; attempt < 20 && port == 0; ++attempt) {
    int candidate = FreePortPair();
    if (candidate > 0) port = candidate;
  }
  ASSERT_GT(port, 0);
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  WriteFile(dir / "keys", std::string(kNewKey) + "\n");
  auto env = Environment();
  env.erase("GETPROFILE_API_KEY");
  env["GETPROFILE_API_KEY_FILE"] = dir / "keys";
  env["HOOKBRIDGE_LISTEN"] = "127.0.0.1:" + std::to_string(port);
  env["HOOKBRIDGE_LOG_LEVEL"] = "warn";
  bridge_ = std::make_unique<HookbridgeProcess>(env, std::vector<std::string>{}, false);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  ASSERT_TRUE(PollUntil(15s, [&] {
    auto health = client.Get("/healthz");
    return health && health->status == 200;
  })) << bridge_->output();
  auto accepted = client.Post(kPath, {{"Authorization", std::string("Bearer ") + kNewKey}},
                              kExampleEvent, "application/json");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
  WriteFile(dir / "keys", "broken key\n");  // an error: still logged
  EXPECT_TRUE(PollUntil(
      5s,
      [&] {
        return !LogLines(bridge_->output(),
                         "API key file rejected; the previous keys stay in force")
                    .empty();
      },
      100ms));
  EXPECT_EQ(bridge_->SignalAndWait(SIGTERM, 20s), 0);
  for (const LogLine& line : LogLines(bridge_->output())) {
    EXPECT_TRUE(line.at("level") == "warn" || line.at("level") == "error") << line.at("message");
  }
  EXPECT_TRUE(LogLines(bridge_->output(), "webhook").empty());
}

}  // namespace
}  // namespace hookbridge::e2e
