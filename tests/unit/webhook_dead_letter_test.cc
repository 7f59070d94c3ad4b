// The webhook handler with a dead-letter topic (a fake publisher): which
// refusals become dead letters on that topic and are answered 200 only once
// PERSISTED, which keep their 4xx, and the request id and trace context on
// normal records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "fake_publisher.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {
namespace {

using ::hookbridge::test_support::FakePublisher;
using ::testing::Contains;
using ::testing::Not;
using ::testing::Pair;

constexpr const char* kKey = "hbk_live_dead_letter_key_1";
constexpr const char* kEvent =
    R"({"id":"evt_1","event":"profile.updated","data":{"profile_id":"p1"}})";
constexpr const char* kTraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

class WebhookDeadLetterTest : public ::testing::Test {
 protected:
  WebhookDeadLetterTest()
      : keys_(*ApiKeys::FromCommaList(kKey, &error_), ""),
        handler_(keys_, publisher_, WebhookOptions()),
        dead_letters_(BuiltIn("getprofile.dead")),
        plain_(BuiltIn("")) {}

  // The built-in source with this HOOKBRIDGE_DEAD_LETTER_TOPIC.
  static std::shared_ptr<const Source> BuiltIn(const std::string& dead_letter_topic) {
    Config config;
    config.dead_letter_topic = dead_letter_topic;
    return BuiltInSources(config)->sources.front();
  }

  RequestHead Head(std::string_view content_type = "application/json") {
    RequestHead head;
    head.authorization = {bearer_};
    if (!content_type.empty()) head.content_type = {content_type};
    head.request_id = "req-7";
    head.traceparent = {kTraceParent};
    return head;
  }

  WebhookResult Handle(const std::shared_ptr<const Source>& source, const RequestHead& head,
                       const std::string& body) {
    WebhookResult outcome;
    int calls = 0;
    handler_.HandleBody(*source, head, body, WebhookHandler::Clock::now(),
                        [&](WebhookResult result) {
                          outcome = std::move(result);
                          ++calls;
                        });
    EXPECT_EQ(calls, 1);  // the fake publisher answers at once
    return outcome;
  }

  std::string error_;
  std::string bearer_ = std::string("Bearer ") + kKey;
  KeyStore keys_;
  FakePublisher publisher_;
  WebhookHandler handler_;
  std::shared_ptr<const Source> dead_letters_;  // with a dead-letter topic
  std::shared_ptr<const Source> plain_;         // without
};

TEST_F(WebhookDeadLetterTest, InvalidEventIsDeadLetteredAndAnswered200WhenPersisted) {
  const std::string body = R"({"id":"evt_2","event":"profile.updated","data":{}})";
  WebhookResult result = Handle(dead_letters_, Head(), body);
  EXPECT_EQ(result.response.status, 200);
  EXPECT_THAT(result.response.body,
              ::testing::HasSubstr(R"("status":"dead_lettered","reason":"schema")"));
  std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  const KafkaRecord& record = records[0];
  EXPECT_EQ(record.topic, "getprofile.dead");
  EXPECT_EQ(record.value, body);
  EXPECT_EQ(record.key, "evt_2");
  EXPECT_THAT(record.headers, Contains(Pair("hookbridge_dead_letter_reason", "schema")));
  EXPECT_THAT(record.headers, Contains(Pair("hookbridge_request_id", "req-7")));
  EXPECT_THAT(record.headers, Contains(Pair("traceparent", kTraceParent)));
  // What the HTTP adapter counts it under (the access log).
  EXPECT_EQ(result.dead_lettered, ErrorCode::kInvalidEvent);
}

TEST_F(WebhookDeadLetterTest, EachReasonIsDeadLettered) {
  EXPECT_EQ(Handle(dead_letters_, Head(), "{not json").response.status, 200);
  EXPECT_EQ(Handle(dead_letters_, Head("text/plain"), kEvent).response.status, 200);
  EXPECT_EQ(Handle(dead_letters_, Head("application/json; charset=latin1"), kEvent).response.status,
            200);
  RequestHead gzip = Head();
  gzip.content_encoding = {"gzip"};
  EXPECT_EQ(Handle(dead_letters_, gzip, "\x1f\x8b...").response.status, 200);
  std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 4u);
  const char* reasons[] = {"json", "content_type", "content_type", "content_type"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_THAT(records[i].headers, Contains(Pair("hookbridge_dead_letter_reason", reasons[i])));
    EXPECT_EQ(records[i].topic, "getprofile.dead");
  }
}

TEST_F(WebhookDeadLetterTest, TheContentTypeIsJudgedWithTheBodyOnlyWithADeadLetterTopic) {
  EXPECT_FALSE(handler_.CheckHead(*dead_letters_, Head("text/plain")));
  ASSERT_TRUE(handler_.CheckHead(*plain_, Head("text/plain")));
  EXPECT_EQ(handler_.CheckHead(*plain_, Head("text/plain"))->status, 415);
}

TEST_F(WebhookDeadLetterTest, UnauthenticatedRequestsAreRefusedOnTheHeadEvenWithADeadLetterTopic) {
  RequestHead head = Head("text/plain");
  head.authorization = {"Bearer wrong-key"};
  ASSERT_TRUE(handler_.CheckHead(*dead_letters_, head));
  EXPECT_EQ(handler_.CheckHead(*dead_letters_, head)->status, 401);
}

TEST_F(WebhookDeadLetterTest, ADeadLetterNotPersistedIs503WithRetryAfter) {
  publisher_.AnswerWith(PublishStatus::kFailed, "_MSG_TIMED_OUT");
  WebhookResult result = Handle(dead_letters_, Head(), "{not json");
  EXPECT_EQ(result.response.status, 503);
  EXPECT_THAT(result.response.headers, Contains(Pair("Retry-After", "1")));
  EXPECT_FALSE(result.dead_lettered);
}

TEST_F(WebhookDeadLetterTest, WithoutADeadLetterTopicRefusalsKeepTheir4xxAndReachNoTopic) {
  EXPECT_EQ(Handle(plain_, Head(), "{not json").response.status, 400);
  EXPECT_EQ(Handle(plain_, Head(), R"({"id":"e","event":"x"})").response.status, 422);
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WebhookDeadLetterTest, NormalRecordsCarryTheRequestIdAndTheValidTraceContext) {
  RequestHead head = Head();
  head.tracestate = {"rojo=00f067aa0ba902b7", "congo=t61rcWkgMzE"};
  EXPECT_EQ(Handle(dead_letters_, head, kEvent).response.status, 200);
  head.traceparent = {
      "00-00000000000000000000000000000000-b7ad6b7169203331-01"};  // invalid: dropped
  // Another event: a copy of the first would be a duplicate, with no record.
  const std::string other =
      R"({"id":"evt_2","event":"profile.updated","data":{"profile_id":"p1"}})";
  EXPECT_EQ(Handle(dead_letters_, head, other).response.status, 200);
  std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 2u);
  const KafkaRecord& traced = records[0];
  EXPECT_EQ(traced.topic, "getprofile.events");  // every record names its topic
  EXPECT_THAT(traced.headers, Contains(Pair("hookbridge_request_id", "req-7")));
  EXPECT_THAT(traced.headers, Contains(Pair("traceparent", kTraceParent)));
  EXPECT_THAT(traced.headers,
              Contains(Pair("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")));
  const KafkaRecord& untraced = records[1];
  EXPECT_THAT(untraced.headers, Contains(Pair("hookbridge_request_id", "req-7")));
  EXPECT_THAT(untraced.headers, Not(Contains(Pair("traceparent", ::testing::_))));
  EXPECT_THAT(untraced.headers, Not(Contains(Pair("tracestate", ::testing::_))));
}

}  // namespace
}  // namespace hookbridge
