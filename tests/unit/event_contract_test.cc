// The two event contracts behind one interface (sources/event_contract.h):
// GetProfile's gives, through the webhook pipeline, the very record the
// GetProfile code always gave (recorded below byte for byte), and each
// contract labels its own dead letters, naming their source.
#include "hookbridge/sources/event_contract.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "fake_publisher.h"
#include "hookbridge/core/kafka_record.h"
#include "hookbridge/core/webhook_event.h"
#include "hookbridge/sources/getprofile_contract.h"
#include "hookbridge/sources/json_contract.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {
namespace {

using ::hookbridge::test_support::FakePublisher;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;
using ::testing::Pair;

constexpr const char* kKey = "hbk_contract_test_key_0123";
constexpr const char* kEvent =
    R"({"id":"evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y","event":"profile.updated",)"
    R"("created_at":"2024-10-08T14:30:00.123Z","tenant_id":"tenant acme",)"
    R"("webhook_id":"wh_7f3a9c","data":{"profile_id":12345}})";
constexpr const char* kTraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

HeaderLookup Lookup(const std::multimap<std::string, std::string>& headers) {
  return [&headers](std::string_view name) {
    std::vector<std::string_view> values;
    for (const auto& [key, value] : headers) {
      if (key == name) values.push_back(value);
    }
    return values;
  };
}

TEST(GetProfileContractTest, BuildsTheRecordOfTheGetProfileCode) {
  ContractResult built = GetProfileContract().BuildRecord(kEvent, HeaderLookup());
  ASSERT_FALSE(built.refusal);
  EXPECT_EQ(built.event_id, "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y");
  const KafkaRecord expected = BuildKafkaRecord(ParseWebhookEvent(kEvent).event, kEvent);
  EXPECT_EQ(built.record.topic, expected.topic);
  EXPECT_EQ(built.record.key, expected.key);
  EXPECT_EQ(built.record.value, expected.value);
  EXPECT_EQ(built.record.headers, expected.headers);
}

TEST(GetProfileContractTest, ARefusalKeepsTheBodyForTheDeadLetter) {
  ContractResult built = GetProfileContract().BuildRecord("{not json", HeaderLookup());
  ASSERT_TRUE(built.refusal);
  EXPECT_EQ(built.refusal->code, ErrorCode::kInvalidJson);
  EXPECT_EQ(built.record.value, "{not json");
  built = GetProfileContract().BuildRecord(R"({"id":"e"})", HeaderLookup());
  ASSERT_TRUE(built.refusal);
  EXPECT_EQ(built.refusal->code, ErrorCode::kInvalidEvent);
}

// The record the built-in source gives through the webhook pipeline, as the
// one-source handler recorded it before the contracts (topic aside, which is
// now named): key, value and every header in order.
TEST(GetProfileContractTest, TheBuiltInSourcesRecordIsByteForByteTheRecordedOne) {
  std::string error;
  KeyStore keys(*ApiKeys::FromCommaList(kKey, &error), "");
  FakePublisher publisher;
  publisher.AnswerWith(PublishStatus::kPersisted);
  WebhookHandler handler(keys, publisher, WebhookOptions());
  const std::shared_ptr<const SourceSet> sources = BuiltInSources(Config());
  const std::shared_ptr<const Source> source = sources->ByPath("/webhooks/getprofile");
  ASSERT_NE(source, nullptr);
  const std::string bearer = std::string("Bearer ") + kKey;
  RequestHead head;
  head.authorization = {bearer};
  head.content_type = {"application/json"};
  head.request_id = "req-1";
  head.traceparent = {kTraceParent};
  head.tracestate = {"rojo=00f067aa0ba902b7"};
  ASSERT_FALSE(handler.CheckHead(*source, head));
  int status = 0;
  handler.HandleBody(*source, head, kEvent, WebhookHandler::Clock::now(),
                     [&status](WebhookResult result) { status = result.response.status; });
  EXPECT_EQ(status, 200);
  const std::vector<KafkaRecord> records = publisher.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].topic, "getprofile.events");
  EXPECT_EQ(records[0].key, "12345");
  EXPECT_EQ(records[0].value, kEvent);
  EXPECT_THAT(
      records[0].headers,
      ElementsAre(Pair("ce_specversion", "1.0"), Pair("ce_id", "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y"),
                  Pair("ce_type", "profile.updated"),
                  Pair("ce_source", "https://getprofile-ai.com/tenants/tenant%20acme"),
                  Pair("ce_time", "2024-10-08T14:30:00.123Z"), Pair("ce_subject", "12345"),
                  Pair("content-type", "application/json"), Pair("ce_tenantid", "tenant acme"),
                  Pair("ce_webhookid", "wh_7f3a9c"), Pair("hookbridge_request_id", "req-1"),
                  Pair("traceparent", kTraceParent), Pair("tracestate", "rojo=00f067aa0ba902b7")));
}

DeadLetterSource Letter(std::string body) {
  DeadLetterSource letter;
  letter.refusal = ErrorCode::kInvalidJson;
  letter.message = "why";
  letter.source_name = "shop";
  letter.request_id = "req-9";
  letter.content_type = "application/json";
  letter.body = std::move(body);
  return letter;
}

EventFields ShopFields() {
  EventFields fields;
  JsonPointer id;
  ParseJsonPointer("/order/id", &id);
  fields.key = {id};
  fields.ce_id.kind = AttributeSource::Kind::kHeader;
  fields.ce_id.header = "X-Delivery";
  fields.ce_type.kind = AttributeSource::Kind::kPointer;
  ParseJsonPointer("/type", &fields.ce_type.pointer);
  fields.ce_source.kind = AttributeSource::Kind::kValue;
  fields.ce_source.value = "https://shop.example";
  return fields;
}

TEST(JsonContractTest, ADeadLetterTakesWhatTheBodyAndHeadersStillGive) {
  const std::multimap<std::string, std::string> headers = {{"X-Delivery", "d-1"}};
  // JSON, but no required member: schema.
  DeadLetterSource letter = Letter(R"({"type":"order.paid","order":{"id":77}})");
  letter.refusal = ErrorCode::kInvalidEvent;
  KafkaRecord record =
      JsonContract(ShopFields()).BuildDeadLetter(std::move(letter), Lookup(headers));
  EXPECT_EQ(record.key, "77");
  EXPECT_EQ(record.headers, (RecordHeaders{{"hookbridge_dead_letter_reason", "schema"},
                                           {"hookbridge_dead_letter_message", "why"},
                                           {"hookbridge_source", "shop"},
                                           {"hookbridge_request_id", "req-9"},
                                           {"hookbridge_received_at", "1970-01-01T00:00:00.000Z"},
                                           {"ce_specversion", "1.0"},
                                           {"ce_id", "d-1"},
                                           {"ce_type", "order.paid"},
                                           {"ce_source", "https://shop.example"},
                                           {"content-type", "application/json"}}));
}

TEST(JsonContractTest, ABodyThatIsNoJsonFallsBackAsAGetProfileDeadLetterDoes) {
  EventFields fields = ShopFields();
  fields.ce_source.kind = AttributeSource::Kind::kPointer;  // a member the body cannot give
  ParseJsonPointer("/origin", &fields.ce_source.pointer);
  const std::multimap<std::string, std::string> no_headers;
  KafkaRecord record =
      JsonContract(fields).BuildDeadLetter(Letter(R"({"type":"order.paid")"), Lookup(no_headers));
  EXPECT_EQ(record.key, "req-9");
  EXPECT_THAT(record.headers, Contains(Pair("ce_id", "req-9")));
  EXPECT_THAT(record.headers, Contains(Pair("ce_type", "hookbridge.dead_letter")));
  EXPECT_THAT(record.headers, Contains(Pair("ce_source", "urn:hookbridge:shop")));
  EXPECT_THAT(record.headers, Contains(Pair("hookbridge_source", "shop")));
  EXPECT_THAT(record.headers, Not(Contains(Pair("ce_source", "https://getprofile-ai.com"))));
}

TEST(JsonContractTest, AnAttributeThatIsNoValidValueIsReplacedNotWritten) {
  const std::multimap<std::string, std::string> headers = {{"X-Delivery", "bad\x01id"}};
  KafkaRecord record =
      JsonContract(ShopFields()).BuildDeadLetter(Letter(R"({"type":"a\u0001b"})"), Lookup(headers));
  EXPECT_THAT(record.headers, Contains(Pair("ce_id", "req-9")));
  EXPECT_THAT(record.headers, Contains(Pair("ce_type", "hookbridge.dead_letter")));
}

}  // namespace
}  // namespace hookbridge
