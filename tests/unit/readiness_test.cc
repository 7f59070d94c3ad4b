// Readiness and ReadinessResponse: 200 only when every condition holds, else
// 503 naming each failing condition.
#include "hookbridge/core/readiness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace hookbridge {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

Readiness AllGood() {
  Readiness readiness;
  readiness.producer.broker_connected = true;
  readiness.producer.topic_metadata = true;
  readiness.producer.queue_below_high_water = true;
  readiness.producer.fatal_error = false;
  readiness.draining = false;
  return readiness;
}

struct Parsed {
  std::string status;
  bool has_failing = false;
  std::vector<std::string> failing;
  size_t members = 0;
};

Parsed Parse(const HttpResponse& response) {
  Parsed parsed;
  rapidjson::Document document;
  document.Parse(response.body.c_str());
  EXPECT_FALSE(document.HasParseError()) << response.body;
  if (document.HasParseError() || !document.IsObject()) {
    ADD_FAILURE() << "not a JSON object: " << response.body;
    return parsed;
  }
  parsed.members = document.MemberCount();
  if (document.HasMember("status") && document["status"].IsString()) {
    parsed.status = document["status"].GetString();
  }
  if (document.HasMember("failing")) {
    parsed.has_failing = true;
    EXPECT_TRUE(document["failing"].IsArray()) << response.body;
    if (document["failing"].IsArray()) {
      for (const auto& entry : document["failing"].GetArray()) {
        EXPECT_TRUE(entry.IsString()) << response.body;
        if (entry.IsString()) parsed.failing.emplace_back(entry.GetString());
      }
    }
  }
  return parsed;
}

TEST(ReadinessTest, AllConditionsGoodIs200Ready) {
  Readiness readiness = AllGood();
  EXPECT_TRUE(readiness.ready());
  HttpResponse response = ReadinessResponse(readiness);
  EXPECT_EQ(response.status, 200);
  Parsed parsed = Parse(response);
  EXPECT_EQ(parsed.status, "ready");
  EXPECT_FALSE(parsed.has_failing) << response.body;
  EXPECT_EQ(parsed.members, 1u) << response.body;
  EXPECT_FALSE(response.error.has_value());
}

struct OneFailure {
  const char* name;
  void (*spoil)(Readiness&);
};

class ReadinessFailureTest : public ::testing::TestWithParam<OneFailure> {};

TEST_P(ReadinessFailureTest, EachFailingConditionAloneIs503NamingIt) {
  Readiness readiness = AllGood();
  GetParam().spoil(readiness);
  EXPECT_FALSE(readiness.ready());
  HttpResponse response = ReadinessResponse(readiness);
  EXPECT_EQ(response.status, 503);
  Parsed parsed = Parse(response);
  EXPECT_EQ(parsed.status, "not_ready");
  EXPECT_EQ(parsed.members, 2u) << response.body;
  EXPECT_THAT(parsed.failing, ElementsAre(GetParam().name)) << response.body;
}

INSTANTIATE_TEST_SUITE_P(
    Conditions, ReadinessFailureTest,
    ::testing::Values(
        OneFailure{"kafka_connection", [](Readiness& r) { r.producer.broker_connected = false; }},
        OneFailure{"topic_metadata", [](Readiness& r) { r.producer.topic_metadata = false; }},
        OneFailure{"producer_queue",
                   [](Readiness& r) { r.producer.queue_below_high_water = false; }},
        OneFailure{"producer_fatal_error", [](Readiness& r) { r.producer.fatal_error = true; }},
        OneFailure{"draining", [](Readiness& r) { r.draining = true; }}),
    [](const ::testing::TestParamInfo<OneFailure>& param) {
      return std::string(param.param.name);
    });

TEST(ReadinessTest, EveryFailingConditionIsNamedInAFixedOrder) {
  Readiness readiness;  // defaults: nothing known yet
  readiness.producer.fatal_error = true;
  readiness.draining = true;
  HttpResponse response = ReadinessResponse(readiness);
  EXPECT_EQ(response.status, 503);
  Parsed parsed = Parse(response);
  EXPECT_EQ(parsed.status, "not_ready");
  EXPECT_THAT(parsed.failing,
              ElementsAreArray({"kafka_connection", "topic_metadata", "producer_queue",
                                "producer_fatal_error", "draining"}));
}

TEST(ReadinessTest, DefaultReadinessBeforeAnyStatisticsIsNotReady) {
  // Until librdkafka's first statistics arrive, nothing is known: not ready.
  Readiness readiness;
  EXPECT_FALSE(readiness.ready());
  HttpResponse response = ReadinessResponse(readiness);
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(Parse(response).failing,
              ElementsAreArray({"kafka_connection", "topic_metadata", "producer_queue"}));
}

TEST(ReadinessTest, TwoFailuresAreBothNamed) {
  Readiness readiness = AllGood();
  readiness.producer.broker_connected = false;
  readiness.draining = true;
  Parsed parsed = Parse(ReadinessResponse(readiness));
  EXPECT_THAT(parsed.failing, ElementsAre("kafka_connection", "draining"));
}

TEST(ReadinessTest, SecurityFailureIsNamedBesideTheConditionItBreaks) {
  Readiness readiness = AllGood();
  readiness.producer.broker_connected = false;
  readiness.producer.topic_metadata = false;
  readiness.producer.security_failure = "authentication";
  HttpResponse response = ReadinessResponse(readiness);
  EXPECT_EQ(response.status, 503);
  EXPECT_THAT(Parse(response).failing,
              ElementsAre("kafka_connection", "kafka_authentication", "topic_metadata"));
}

}  // namespace
}  // namespace hookbridge
