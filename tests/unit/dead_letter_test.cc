// Dead letters: which refusals become one (IsDeadLetterRefusal), the 200 that
// answers one, and the record one of the GetProfile contract is
// (BuildDeadLetterRecord under GetProfileContract::BuildDeadLetter): value,
// key and headers, for each reason.
#include "hookbridge/core/dead_letter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/webhook_event.h"
#include "hookbridge/sources/getprofile_contract.h"

namespace hookbridge {
namespace {

using ::testing::Pair;

// 2026-12-02T09:30:00.250Z
const std::chrono::system_clock::time_point kReceived =
    std::chrono::system_clock::time_point(std::chrono::milliseconds(1796203800250));

constexpr const char* kValidEvent =
    R"({"id":"evt_1","event":"profile.updated","tenant_id":"abc","data":{"profile_id":"p1"},)"
    R"("created_at":"2023-10-01T12:00:00Z","webhook_id":"wh_1"})";

// The headers every dead letter of Source() starts with, then `rest`.
RecordHeaders Expected(const char* reason, const RecordHeaders& rest) {
  RecordHeaders headers = {{"hookbridge_dead_letter_reason", reason},
                           {"hookbridge_dead_letter_message", "why it was refused"},
                           {"hookbridge_source", "getprofile"},
                           {"hookbridge_request_id", "req-42"},
                           {"hookbridge_received_at", "2026-12-02T09:30:00.250Z"}};
  headers.insert(headers.end(), rest.begin(), rest.end());
  return headers;
}

DeadLetterSource Source(ErrorCode refusal, std::string body) {
  DeadLetterSource source;
  source.refusal = refusal;
  source.message = "why it was refused";
  source.source_name = "getprofile";
  source.request_id = "req-42";
  source.received = kReceived;
  source.content_type = "application/json";
  source.body = std::move(body);
  return source;
}

// The dead letter of the GetProfile contract (it reads no request header).
KafkaRecord BuildDeadLetterRecord(DeadLetterSource source) {
  return GetProfileContract().BuildDeadLetter(std::move(source), HeaderLookup());
}

// --- which refusals ---------------------------------------------------------

struct Decision {
  ErrorCode refusal;
  bool dead_letter;
};

class DeadLetterDecisionTest : public ::testing::TestWithParam<Decision> {};

TEST_P(DeadLetterDecisionTest, IsDecidedByTheRefusalAlone) {
  EXPECT_EQ(IsDeadLetterRefusal(GetParam().refusal), GetParam().dead_letter)
      << RejectionReason(GetParam().refusal);
}

// Every ErrorCode: an authenticated body read whole that is not an event
// becomes a dead letter; what must never reach Kafka, and what the sender
// should retry, do not.
INSTANTIATE_TEST_SUITE_P(
    EveryRefusal, DeadLetterDecisionTest,
    ::testing::Values(
        Decision{ErrorCode::kInvalidJson, true}, Decision{ErrorCode::kInvalidEvent, true},
        Decision{ErrorCode::kUnsupportedMediaType, true}, Decision{ErrorCode::kUnauthorized, false},
        Decision{ErrorCode::kInvalidKey, false}, Decision{ErrorCode::kPayloadTooLarge, false},
        Decision{ErrorCode::kBadRequest, false}, Decision{ErrorCode::kRequestTimeout, false},
        Decision{ErrorCode::kLengthRequired, false}, Decision{ErrorCode::kUriTooLong, false},
        Decision{ErrorCode::kHeadersTooLarge, false}, Decision{ErrorCode::kNotImplemented, false},
        Decision{ErrorCode::kVersionNotSupported, false}, Decision{ErrorCode::kNotFound, false},
        Decision{ErrorCode::kMethodNotAllowed, false}, Decision{ErrorCode::kInternalError, false},
        Decision{ErrorCode::kUnavailable, false}, Decision{ErrorCode::kOverloaded, false}));

TEST(DeadLetterDecisionTest, ReasonsAreTheRejectionMetricsNames) {
  EXPECT_STREQ(RejectionReason(ErrorCode::kInvalidJson), "json");
  EXPECT_STREQ(RejectionReason(ErrorCode::kInvalidEvent), "schema");
  EXPECT_STREQ(RejectionReason(ErrorCode::kUnsupportedMediaType), "content_type");
}

// --- the answer -------------------------------------------------------------

TEST(DeadLetteredResponseTest, Is200SayingDeadLetteredAndWhy) {
  HttpResponse response =
      DeadLetteredResponse(ErrorCode::kInvalidEvent, "data.profile_id is \"required\"");
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.error);
  EXPECT_EQ(
      response.body,
      R"({"status":"dead_lettered","reason":"schema","message":"data.profile_id is \"required\""})");
}

// --- the record -------------------------------------------------------------

TEST(BuildDeadLetterRecordTest, InvalidEventKeepsBodyIsKeyedByItsIdWithEveryHeaderInOrder) {
  const std::string body = R"({"id":"evt_9","event":"profile.updated","tenant_id":"t 1",)"
                           R"("data":{"profile_id":{"v":2}},"webhook_id":"wh_9"})";
  DeadLetterSource source = Source(ErrorCode::kInvalidEvent, body);
  source.content_type = "application/json; charset=UTF-8";
  source.trace_headers = {
      {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}};
  KafkaRecord record = BuildDeadLetterRecord(std::move(source));
  EXPECT_EQ(record.value, body);
  EXPECT_EQ(record.key, "evt_9");
  EXPECT_EQ(record.headers,
            Expected("schema",
                     {{"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                      {"ce_specversion", "1.0"},
                      {"ce_id", "evt_9"},
                      {"ce_type", "profile.updated"},
                      {"ce_source", "https://getprofile-ai.com/tenants/t%201"},
                      {"content-type", "application/json; charset=UTF-8"},
                      {"ce_tenantid", "t 1"},
                      {"ce_webhookid", "wh_9"}}));
}

TEST(BuildDeadLetterRecordTest, InvalidJsonIsKeyedByTheRequestIdAndDerivesNothing) {
  // The id is readable before the JSON breaks, but nothing of a broken text is trusted.
  const std::string body = R"({"id":"evt_1","event":"profile.updated",)";
  KafkaRecord record = BuildDeadLetterRecord(Source(ErrorCode::kInvalidJson, body));
  EXPECT_EQ(record.value, body);
  EXPECT_EQ(record.key, "req-42");
  // Still a CloudEvent, so that an SDK consumer of the dead-letter topic reads it:
  // the request id and kDeadLetterEventType stand in for what the body cannot give.
  EXPECT_EQ(record.headers, Expected("json", {{"ce_specversion", "1.0"},
                                              {"ce_id", "req-42"},
                                              {"ce_type", "hookbridge.dead_letter"},
                                              {"ce_source", "https://getprofile-ai.com"},
                                              {"content-type", "application/json"}}));
}

TEST(BuildDeadLetterRecordTest, ValueKeepsEveryByteEvenNulAndInvalidUtf8) {
  std::string body = "not json \xC3\x28 ";
  body.push_back('\0');
  body += "tail";
  KafkaRecord record = BuildDeadLetterRecord(Source(ErrorCode::kInvalidJson, body));
  EXPECT_EQ(record.value, body);
  EXPECT_EQ(record.value.size(), body.size());
}

TEST(BuildDeadLetterRecordTest, RefusedContentTypeOfAValidEventGetsItsFullCloudEventHeaders) {
  DeadLetterSource source = Source(ErrorCode::kUnsupportedMediaType, kValidEvent);
  source.content_type = "text/plain";
  KafkaRecord record = BuildDeadLetterRecord(std::move(source));
  EXPECT_EQ(record.key, "evt_1");  // the event id, not the profile id: this is no event record
  EXPECT_EQ(record.headers,
            Expected("content_type", {{"ce_specversion", "1.0"},
                                      {"ce_id", "evt_1"},
                                      {"ce_type", "profile.updated"},
                                      {"ce_source", "https://getprofile-ai.com/tenants/abc"},
                                      {"ce_time", "2023-10-01T12:00:00Z"},
                                      {"ce_subject", "p1"},
                                      {"content-type", "text/plain"},
                                      {"ce_tenantid", "abc"},
                                      {"ce_webhookid", "wh_1"}}));
}

TEST(BuildDeadLetterRecordTest, NoContentTypeSentNoContentTypeHeaderAndEncodingKept) {
  DeadLetterSource source = Source(ErrorCode::kUnsupportedMediaType, "\x1f\x8b compressed");
  source.content_type.reset();
  source.content_encoding = "gzip";
  KafkaRecord record = BuildDeadLetterRecord(std::move(source));
  EXPECT_EQ(record.headers, Expected("content_type", {{"hookbridge_content_encoding", "gzip"},
                                                      {"ce_specversion", "1.0"},
                                                      {"ce_id", "req-42"},
                                                      {"ce_type", "hookbridge.dead_letter"},
                                                      {"ce_source", "https://getprofile-ai.com"}}));
}

TEST(BuildDeadLetterRecordTest, AnEventWithoutAnIdIsKeyedAndIdentifiedByTheRequestId) {
  KafkaRecord record = BuildDeadLetterRecord(
      Source(ErrorCode::kInvalidEvent, R"({"id":7,"event":"profile.updated","data":{}})"));
  EXPECT_EQ(record.key, "req-42");
  EXPECT_THAT(record.headers, ::testing::Contains(Pair("ce_type", "profile.updated")));
  EXPECT_THAT(record.headers, ::testing::Contains(Pair("ce_id", "req-42")));
  EXPECT_THAT(record.headers, ::testing::Contains(Pair("ce_specversion", "1.0")));
}

TEST(BuildDeadLetterRecordTest, HostileFieldsAreLeftOutOrReplacedNeverWrittenInvalid) {
  // Every value here would make a CloudEvents SDK refuse the record.
  const std::string body =
      "{\"id\":\"evt\\u0001\",\"event\":\"\\u007f\",\"created_at\":\"yesterday\","
      "\"tenant_id\":\"t\\n\",\"webhook_id\":\"\\u0000\",\"data\":{\"profile_id\":\"p\\u0085\"}}";
  DeadLetterSource source = Source(ErrorCode::kInvalidEvent, body);
  source.content_type = "application/cloudevents+json";
  source.content_encoding = "g\xFFzip";
  KafkaRecord record = BuildDeadLetterRecord(std::move(source));
  EXPECT_EQ(record.key, "evt\x01");  // the key is bytes: kept as today
  EXPECT_EQ(record.headers,
            Expected("schema", {{"ce_specversion", "1.0"},
                                {"ce_id", "req-42"},
                                {"ce_type", "hookbridge.dead_letter"},
                                {"ce_source", "https://getprofile-ai.com/tenants/t%0A"}}));
}

TEST(BuildDeadLetterRecordTest, AContentTypeThatIsNoMediaTypeIsLeftOut) {
  for (const char* sent : {"application/json, text/plain", "text/pl\xC3\xA9in", "json"}) {
    DeadLetterSource source = Source(ErrorCode::kUnsupportedMediaType, kValidEvent);
    source.content_type = sent;
    KafkaRecord record = BuildDeadLetterRecord(std::move(source));
    for (const auto& header : record.headers) EXPECT_NE(header.first, "content-type") << sent;
  }
}

// --- what an invalid event still gives ---------------------------------------

TEST(PartialEventTest, AnInvalidEventKeepsTheFieldsReadAsStrings) {
  ParseResult parsed = ParseWebhookEvent(
      R"({"id":"evt_5","event":"profile.updated","tenant_id":"","created_at":"c","data":{}})");
  ASSERT_EQ(parsed.error, ParseError::kInvalidSchema);
  EXPECT_EQ(parsed.event.id, "evt_5");
  EXPECT_EQ(parsed.event.event, "profile.updated");
  EXPECT_FALSE(parsed.event.tenant_id);  // empty counts as absent, as for a valid event
  EXPECT_EQ(parsed.event.created_at, "c");
}

TEST(PartialEventTest, InvalidJsonKeepsNothing) {
  ParseResult parsed = ParseWebhookEvent(R"({"id":"evt_5","event":)");
  ASSERT_EQ(parsed.error, ParseError::kInvalidJson);
  EXPECT_EQ(parsed.event.id, "");
  EXPECT_EQ(parsed.event.event, "");
}

}  // namespace
}  // namespace hookbridge
