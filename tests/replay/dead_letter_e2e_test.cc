// Dead letters end to end: the hookbridge binary with HOOKBRIDGE_DEAD_LETTER_TOPIC
// on the real broker. Each reason lands on the dead-letter topic with its
// headers, answered 200 dead_lettered, and nothing reaches the main topic;
// what must never reach Kafka keeps its 4xx; replay then moves the records
// once hookbridge takes them.
#include <gtest/gtest.h>
#include <httplib.h>

#include "replay_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;

class DeadLetterEndToEnd : public ReplayEndToEnd {
 protected:
  void StartBridgeWithDeadLetters() {
    std::map<std::string, std::string> env = Environment();
    env["HOOKBRIDGE_DEAD_LETTER_TOPIC"] = dead_topic_;
    StartBridge(env);
  }

  httplib::Result PostAs(const std::string& body, const std::string& content_type,
                         httplib::Headers headers = {}) {
    httplib::Client client("127.0.0.1", bridge_->port());
    client.set_read_timeout(10, 0);
    headers.emplace("Authorization", std::string("Bearer ") + kNewKey);
    return client.Post(kPath, headers, body, content_type.c_str());
  }
};

TEST_F(DeadLetterEndToEnd, EachReasonLandsWithItsHeadersAndNothingOnTheMainTopic) {
  StartBridgeWithDeadLetters();
  const std::string bad_json = R"({"id":"evt_j",)";
  const std::string bad_event =
      R"({"id":"evt_s","event":"profile.updated","tenant_id":"t1","data":{}})";
  const std::string text_event = ProfileEvent("evt_c", "p1");
  auto json = PostAs(bad_json, "application/json",
                     {{"X-Request-Id", "req-json-1"},
                      {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                      {"tracestate", "rojo=00f067aa0ba902b7"}});
  auto schema = PostAs(bad_event, "application/json");
  auto content_type = PostAs(text_event, "text/plain");
  for (auto* result : {&json, &schema, &content_type}) {
    ASSERT_TRUE(*result);
    EXPECT_EQ((*result)->status, 200) << (*result)->body;
    EXPECT_NE((*result)->body.find(R"("status":"dead_lettered")"), std::string::npos)
        << (*result)->body;
  }

  std::vector<ConsumedRecord> records = ConsumeFromBeginning(brokers_, dead_topic_, 3, 30s);
  ASSERT_EQ(records.size(), 3u);
  std::map<std::string, ConsumedRecord> by_reason;
  for (const ConsumedRecord& record : records)
    by_reason[record.headers.at("hookbridge_dead_letter_reason")] = record;
  ASSERT_EQ(by_reason.size(), 3u);
  const ConsumedRecord& j = by_reason.at("json");
  EXPECT_EQ(j.value, bad_json);
  EXPECT_EQ(j.key, "req-json-1");
  EXPECT_EQ(j.headers.at("hookbridge_request_id"), "req-json-1");
  EXPECT_EQ(j.headers.at("traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(j.headers.at("tracestate"), "rojo=00f067aa0ba902b7");
  EXPECT_EQ(j.headers.at("content-type"), "application/json");
  EXPECT_FALSE(j.headers.at("hookbridge_dead_letter_message").empty());
  EXPECT_EQ(j.headers.at("hookbridge_received_at").size(), 24u);
  const ConsumedRecord& s = by_reason.at("schema");
  EXPECT_EQ(s.value, bad_event);
  EXPECT_EQ(s.key, "evt_s");
  EXPECT_EQ(s.headers.at("ce_id"), "evt_s");
  EXPECT_EQ(s.headers.at("ce_tenantid"), "t1");
  const ConsumedRecord& c = by_reason.at("content_type");
  EXPECT_EQ(c.value, text_event);
  EXPECT_EQ(c.key, "evt_c");
  EXPECT_EQ(c.headers.at("content-type"), "text/plain");
  EXPECT_EQ(c.headers.at("ce_specversion"), "1.0");

  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 0);
  auto metrics = Get("/metrics");
  ASSERT_TRUE(metrics);
  for (const char* reason : {"json", "schema", "content_type"}) {
    EXPECT_NE(metrics->body.find(std::string("hookbridge_webhook_dead_letters_total{reason=\"") +
                                 reason + "\"} 1"),
              std::string::npos)
        << reason;
  }
}

TEST_F(DeadLetterEndToEnd, WhatMustNeverReachKafkaKeepsIts4xx) {
  StartBridgeWithDeadLetters();
  auto unauthenticated = Post(R"({"id":)", "wrong-key");
  ASSERT_TRUE(unauthenticated);
  EXPECT_EQ(unauthenticated->status, 401);
  auto oversized = Post(std::string(kMaxBody + 1, 'x'));
  ASSERT_TRUE(oversized);
  EXPECT_EQ(oversized->status, 413);
  EXPECT_EQ(CountRecords(brokers_, dead_topic_, kDeadLetterPartitions), 0);
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 0);
}

TEST_F(DeadLetterEndToEnd, EventRecordsCarryTheRequestIdAndTraceContext) {
  StartBridgeWithDeadLetters();
  auto accepted =
      PostAs(ProfileEvent("evt_ok", "p9"), "application/json",
             {{"X-Request-Id", "req-ok-1"},
              {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}});
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200) << accepted->body;
  std::vector<ConsumedRecord> records = ConsumeFromBeginning(brokers_, topic_, 1, 30s);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].headers.at("hookbridge_request_id"), "req-ok-1");
  EXPECT_EQ(records[0].headers.at("traceparent"),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
}

TEST_F(DeadLetterEndToEnd, ReplayAfterTheFixMovesTheContentTypeDeadLettersToTheMainTopic) {
  StartBridgeWithDeadLetters();
  for (int i = 0; i < 4; ++i) {
    auto result = PostAs(ProfileEvent("evt_" + std::to_string(i), "p1", i), "text/plain");
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200);
  }
  ASSERT_EQ(CountRecords(brokers_, dead_topic_, kDeadLetterPartitions), 4);
  // Replay sends application/json: the same bodies are events now.
  ReplayOutcome replay = Replay();
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_EQ(MainTopicIds(4),
            (std::map<std::string, int>{{"evt_0", 1}, {"evt_1", 1}, {"evt_2", 1}, {"evt_3", 1}}));
  EXPECT_TRUE(EverythingCommitted());
  ReplayOutcome again = Replay();
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 4);
}

}  // namespace
}  // namespace hookbridge::e2e
