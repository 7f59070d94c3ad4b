// RecordKey and BuildKafkaRecord: the key rules, the CloudEvents headers
// (binary content mode) and the value bytes of the record sent to Kafka.
#include "hookbridge/core/kafka_record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "hookbridge/core/webhook_event.h"

namespace hookbridge {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

constexpr const char* kExampleEvent = R"({
  "id": "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y",
  "event": "profile.updated",
  "created_at": "2024-10-08T14:30:00.123Z",
  "tenant_id": "tenant_acme",
  "webhook_id": "wh_7f3a9c",
  "data": {"profile_id": "prof_12345", "changes": {"email": "b@example.com"}}
})";

WebhookEvent Parsed(const std::string& body) {
  ParseResult result = ParseWebhookEvent(body);
  EXPECT_EQ(result.error, ParseError::kNone) << result.message;
  return result.event;
}

WebhookEvent MinimalEvent() {
  WebhookEvent event;
  event.id = "evt_min";
  event.event = "tenant.created";
  return event;
}

std::string HeaderValue(const KafkaRecord& record, const std::string& name) {
  for (const auto& [key, value] : record.headers) {
    if (key == name) return value;
  }
  ADD_FAILURE() << "no header " << name;
  return "";
}

// --- RecordKey --------------------------------------------------------------

TEST(RecordKeyTest, IsProfileIdWhenPresentEvenWithTenant) {
  WebhookEvent event = MinimalEvent();
  event.profile_id = "prof_1";
  event.tenant_id = "tenant_1";
  EXPECT_EQ(RecordKey(event), "prof_1");
}

TEST(RecordKeyTest, IsTenantIdWithoutProfileId) {
  WebhookEvent event = MinimalEvent();
  event.tenant_id = "tenant_1";
  EXPECT_EQ(RecordKey(event), "tenant_1");
}

TEST(RecordKeyTest, IsEventIdWithoutProfileIdOrTenantId) {
  EXPECT_EQ(RecordKey(MinimalEvent()), "evt_min");
}

TEST(RecordKeyTest, IntegerProfileIdFromJsonIsItsDecimalText) {
  WebhookEvent event =
      Parsed(R"({"id":"a","event":"profile.updated","tenant_id":"t","data":{"profile_id":1234}})");
  EXPECT_EQ(RecordKey(event), "1234");
}

TEST(RecordKeyTest, EmptyOrNullFieldsFromJsonFallThrough) {
  EXPECT_EQ(
      RecordKey(Parsed(R"({"id":"a","event":"x","tenant_id":"","data":{"profile_id":null}})")),
      "a");
  EXPECT_EQ(RecordKey(Parsed(R"({"id":"a","event":"x","tenant_id":"t","data":{"profile_id":""}})")),
            "t");
}

// --- BuildKafkaRecord -------------------------------------------------------

TEST(BuildKafkaRecordTest, ExampleEventGetsEveryHeaderInOrder) {
  KafkaRecord record = BuildKafkaRecord(Parsed(kExampleEvent), kExampleEvent);
  EXPECT_EQ(record.key, "prof_12345");
  EXPECT_THAT(
      record.headers,
      ElementsAre(Pair("ce_specversion", "1.0"), Pair("ce_id", "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y"),
                  Pair("ce_type", "profile.updated"),
                  Pair("ce_source", "https://getprofile-ai.com/tenants/tenant_acme"),
                  Pair("ce_time", "2024-10-08T14:30:00.123Z"), Pair("ce_subject", "prof_12345"),
                  Pair("content-type", "application/json"), Pair("ce_tenantid", "tenant_acme"),
                  Pair("ce_webhookid", "wh_7f3a9c")));
}

TEST(BuildKafkaRecordTest, MinimalEventHasOnlyTheRequiredHeaders) {
  const std::string body = R"({"id":"evt_min","event":"tenant.created","data":{}})";
  KafkaRecord record = BuildKafkaRecord(Parsed(body), body);
  EXPECT_EQ(record.key, "evt_min");
  EXPECT_THAT(record.headers, ElementsAre(Pair("ce_specversion", "1.0"), Pair("ce_id", "evt_min"),
                                          Pair("ce_type", "tenant.created"),
                                          Pair("ce_source", "https://getprofile-ai.com"),
                                          Pair("content-type", "application/json")));
}

TEST(BuildKafkaRecordTest, OnlyThePresentOptionalHeadersAreAdded) {
  WebhookEvent event = MinimalEvent();
  event.created_at = "2024-01-01T00:00:00Z";
  event.webhook_id = "wh_1";
  KafkaRecord record = BuildKafkaRecord(event, "{}");
  EXPECT_THAT(
      record.headers,
      ElementsAre(Pair("ce_specversion", "1.0"), Pair("ce_id", "evt_min"),
                  Pair("ce_type", "tenant.created"), Pair("ce_source", "https://getprofile-ai.com"),
                  Pair("ce_time", "2024-01-01T00:00:00Z"), Pair("content-type", "application/json"),
                  Pair("ce_webhookid", "wh_1")));
}

TEST(BuildKafkaRecordTest, ValueIsTheBodyByteForByte) {
  // Whitespace, key order, escapes and numbers exactly as sent: never re-serialised.
  const std::string body =
      "{ \"data\" : {\"profile_id\":7e0, \"n\":1.50, \"s\":\"\\u00e9\\/\"},\r\n"
      "\t\"event\":\"profile.updated\", \"id\":\"e\", \"data2\":\"\xC3\xA9\" }  \n";
  ParseResult parsed = ParseWebhookEvent(R"({"id":"e","event":"x","data":{}})");
  ASSERT_EQ(parsed.error, ParseError::kNone);
  KafkaRecord record = BuildKafkaRecord(parsed.event, body);
  EXPECT_EQ(record.value, body);
  EXPECT_EQ(record.value.size(), body.size());
}

TEST(BuildKafkaRecordTest, ValueKeepsEmbeddedNulBytes) {
  std::string body = "ab";
  body.push_back('\0');
  body += "cd";
  KafkaRecord record = BuildKafkaRecord(MinimalEvent(), body);
  EXPECT_EQ(record.value, body);
  EXPECT_EQ(record.value.size(), 5u);
}

TEST(BuildKafkaRecordTest, SourcePercentEncodesSlashSpaceAndNonAsciiInTenant) {
  WebhookEvent event = MinimalEvent();
  event.tenant_id = "acme/eu west \xC3\xA9";  // "acme/eu west é"
  KafkaRecord record = BuildKafkaRecord(event, "{}");
  EXPECT_EQ(HeaderValue(record, "ce_source"),
            "https://getprofile-ai.com/tenants/acme%2Feu%20west%20%C3%A9");
  // The extension attribute carries the tenant verbatim.
  EXPECT_EQ(HeaderValue(record, "ce_tenantid"), "acme/eu west \xC3\xA9");
}

TEST(BuildKafkaRecordTest, SourcePercentEncodesReservedCharactersButNotUnreserved) {
  WebhookEvent event = MinimalEvent();
  event.tenant_id = "Az09-._~?#%../";
  KafkaRecord record = BuildKafkaRecord(event, "{}");
  EXPECT_EQ(HeaderValue(record, "ce_source"),
            "https://getprofile-ai.com/tenants/Az09-._~%3F%23%25..%2F");
}

TEST(BuildKafkaRecordTest, SourceUsesTheDocumentedBase) {
  WebhookEvent event = MinimalEvent();
  event.tenant_id = "t1";
  KafkaRecord record = BuildKafkaRecord(event, "{}");
  EXPECT_EQ(HeaderValue(record, "ce_source"), std::string(kCloudEventSource) + "/tenants/t1");
}

TEST(BuildKafkaRecordTest, SubjectIsTheIntegerProfileIdAsText) {
  const std::string body =
      R"({"id":"a","event":"profile.updated","data":{"profile_id":-123456789012345678901234567890}})";
  KafkaRecord record = BuildKafkaRecord(Parsed(body), body);
  EXPECT_EQ(record.key, "-123456789012345678901234567890");
  EXPECT_EQ(HeaderValue(record, "ce_subject"), "-123456789012345678901234567890");
}

TEST(BuildKafkaRecordTest, KeyFallsBackToTenantAndHasNoSubject) {
  const std::string body = R"({"id":"a","event":"tenant.updated","tenant_id":"t9","data":{}})";
  KafkaRecord record = BuildKafkaRecord(Parsed(body), body);
  EXPECT_EQ(record.key, "t9");
  for (const auto& header : record.headers) EXPECT_NE(header.first, "ce_subject");
}

// created_at becomes ce_time only as an RFC 3339 time (the full table is in
// cloudevent_attributes_test.cc); the body keeps it as sent either way.
TEST(BuildKafkaRecordTest, CreatedAtThatIsNoRfc3339TimeGivesNoCeTime) {
  for (const char* created_at :
       {"yesterday", "2023-10-01 12:00:00", "1696161600", "2023-13-01T00:00:00Z",
        "2023-02-30T00:00:00Z", "2023-10-01T12:00:00\x01Z"}) {
    WebhookEvent event = MinimalEvent();
    event.created_at = created_at;
    KafkaRecord record = BuildKafkaRecord(event, "{}");
    for (const auto& header : record.headers) EXPECT_NE(header.first, "ce_time") << created_at;
    EXPECT_EQ(HeaderValue(record, "ce_specversion"), "1.0");
  }
}

TEST(BuildKafkaRecordTest, CreatedAtInLowerCaseOrWithASpaceIsNormalised) {
  WebhookEvent event = MinimalEvent();
  event.created_at = "2023-10-01 12:00:00z";
  EXPECT_EQ(HeaderValue(BuildKafkaRecord(event, "{}"), "ce_time"), "2023-10-01T12:00:00Z");
}

TEST(BuildKafkaRecordTest, OptionalStringsWithControlCharactersAreLeftOut) {
  WebhookEvent event = MinimalEvent();
  event.profile_id = "p\x01";
  event.tenant_id = "t\n";
  event.webhook_id = std::string("w\0", 2);
  KafkaRecord record = BuildKafkaRecord(event, "{}");
  EXPECT_THAT(record.headers,
              ElementsAre(Pair("ce_specversion", "1.0"), Pair("ce_id", "evt_min"),
                          Pair("ce_type", "tenant.created"),
                          Pair("ce_source", "https://getprofile-ai.com/tenants/t%0A"),
                          Pair("content-type", "application/json")));
  EXPECT_EQ(record.key, "p\x01");  // the key is bytes, kept
}

}  // namespace
}  // namespace hookbridge
