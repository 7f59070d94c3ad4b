// A kJson source's record from its body and headers: the key by an ordered
// list of JSON Pointers (first present wins; integers as decimal text),
// required fields with their types, and CloudEvents attributes from a
// pointer, a header or a value.
#include "hookbridge/sources/event_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace hookbridge {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

JsonPointer P(const char* text) {
  JsonPointer pointer;
  EXPECT_TRUE(ParseJsonPointer(text, &pointer)) << text;
  return pointer;
}

AttributeSource FromPointer(const char* text) {
  AttributeSource from;
  from.kind = AttributeSource::Kind::kPointer;
  from.pointer = P(text);
  return from;
}

AttributeSource FromHeader(const char* name) {
  AttributeSource from;
  from.kind = AttributeSource::Kind::kHeader;
  from.header = name;
  return from;
}

AttributeSource FromValue(const char* value) {
  AttributeSource from;
  from.kind = AttributeSource::Kind::kValue;
  from.value = value;
  return from;
}

class EventFieldsTest : public ::testing::Test {
 protected:
  EventFieldsTest() {
    source_.key = {P("/order/customer"), P("/order/id"), P("/id")};
    source_.ce_id = FromPointer("/id");
    source_.ce_type = FromHeader("X-Event");
    source_.ce_source = FromValue("https://shop.example");
    source_.ce_time = FromPointer("/created");
  }

  DeriveResult Derive(const std::string& body) {
    HeaderLookup lookup = [this](std::string_view name) {
      std::vector<std::string_view> values;
      for (const auto& [key, value] : headers_) {
        if (key == name) values.push_back(value);
      }
      return values;
    };
    return DeriveEvent(source_, body, lookup);
  }

  EventFields source_;
  std::multimap<std::string, std::string> headers_{{"X-Event", "order.paid"}};
};

TEST_F(EventFieldsTest, TheFirstKeyPointerPresentWins) {
  DeriveResult result = Derive(R"({"id":"e1","order":{"customer":"c-7","id":"o-1"}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.key, "c-7");
  EXPECT_EQ(result.event.id, "e1");
  EXPECT_EQ(result.event.type, "order.paid");
  EXPECT_EQ(result.event.source, "https://shop.example");
  EXPECT_EQ(result.event.time, "");
}

TEST_F(EventFieldsTest, AnIntegerKeyIsItsDecimalTextAsWritten) {
  DeriveResult result =
      Derive(R"({"id":"e1","order":{"customer":null,"id":12345678901234567890}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.key, "12345678901234567890");  // never converted: no precision lost
}

TEST_F(EventFieldsTest, OtherTypesAndEmptyStringsAreNotPresent) {
  for (const char* customer : {"\"\"", "true", "1.5", "1e3", "{}", "[1]", "null"}) {
    DeriveResult result =
        Derive(std::string(R"({"id":"e1","order":{"customer":)") + customer + "}}");
    ASSERT_EQ(result.error, ParseError::kNone) << customer << ": " << result.message;
    EXPECT_EQ(result.event.key, "e1") << customer;
  }
}

TEST_F(EventFieldsTest, NoKeyPresentIsRefused) {
  source_.key = {P("/order/customer"), P("/customer")};
  DeriveResult result = Derive(R"({"id":"e1"})");
  EXPECT_EQ(result.error, ParseError::kInvalidSchema);
  EXPECT_EQ(
      result.message,
      R"(no record key: none of "/order/customer", "/customer" is a non-empty string or an integer)");
}

TEST_F(EventFieldsTest, WithoutKeyPointersTheKeyIsTheEventId) {
  source_.key.clear();
  DeriveResult result = Derive(R"({"id":"e1"})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.key, "e1");
}

TEST_F(EventFieldsTest, PointersReachIntoArraysAndEscapedNames) {
  source_.key = {P("/items/1/sku"), P("/a~1b~0c")};
  DeriveResult result = Derive(R"({"id":"e1","items":[{"sku":"first"},{"sku":"second"}]})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.key, "second");
  result = Derive(R"({"id":"e1","a/b~c":"escaped"})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.key, "escaped");
}

TEST_F(EventFieldsTest, RequiredFieldsNeedTheirType) {
  source_.required = {
      {P("/order"), JsonType::kObject},        {P("/order/total"), JsonType::kNumber},
      {P("/order/count"), JsonType::kInteger}, {P("/order/paid"), JsonType::kBoolean},
      {P("/order/lines"), JsonType::kArray},   {P("/id"), JsonType::kString}};
  const std::string good = R"({"id":"e1","order":{"total":12.5,"count":3,"paid":true,"lines":[]}})";
  EXPECT_EQ(Derive(good).error, ParseError::kNone) << Derive(good).message;
  // An integer is a number too.
  EXPECT_EQ(Derive(R"({"id":"e1","order":{"total":12,"count":3,"paid":false,"lines":[1]}})").error,
            ParseError::kNone);

  DeriveResult result =
      Derive(R"({"id":"e1","order":{"total":12.5,"count":3.0,"paid":true,"lines":[]}})");
  EXPECT_EQ(result.error, ParseError::kInvalidSchema);
  EXPECT_EQ(result.message, R"(member "/order/count" is required and must be an integer)");
  result = Derive(R"({"id":"e1","order":{"total":12.5,"count":3,"lines":[]}})");
  EXPECT_EQ(result.message, R"(member "/order/paid" is required and must be a boolean)");
  result = Derive(R"({"id":"e1","order":{"total":"12.5","count":3,"paid":true,"lines":[]}})");
  EXPECT_EQ(result.message, R"(member "/order/total" is required and must be a number)");
}

TEST_F(EventFieldsTest, CloudEventsAttributesFromPointerHeaderAndValue) {
  source_.ce_time = FromHeader("X-Time");
  headers_.emplace("X-Time", "2024-10-08T14:30:00Z");
  DeriveResult result = Derive(R"({"id":"e1"})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.time, "2024-10-08T14:30:00Z");
}

TEST_F(EventFieldsTest, AnIntegerTimeIsEpochSecondsInRfc3339) {
  DeriveResult result = Derive(R"({"id":"e1","created":1696161600})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.time, "2023-10-01T12:00:00Z");
  result = Derive(R"({"id":"e1","created":"2023-10-01T12:00:00.5+02:00"})");
  EXPECT_EQ(result.event.time, "2023-10-01T12:00:00.5+02:00");
}

TEST_F(EventFieldsTest, AnIntegerIdIsItsDecimalText) {
  DeriveResult result = Derive(R"({"id":42})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.id, "42");
}

TEST_F(EventFieldsTest, AMissingIdOrTypeIsRefusedNamingWhere) {
  DeriveResult result = Derive(R"({"id":""})");
  EXPECT_EQ(result.error, ParseError::kInvalidSchema);
  EXPECT_EQ(result.message,
            R"(the CloudEvents id (member "/id") is missing or not a non-empty string)");
  headers_.clear();
  result = Derive(R"({"id":"e1"})");
  EXPECT_EQ(result.message,
            "the CloudEvents type (header X-Event) is missing or not a non-empty string");
}

TEST_F(EventFieldsTest, AnAttributeHeaderMustBeSentOnceAndPrintable) {
  headers_.emplace("X-Event", "again");
  EXPECT_EQ(Derive(R"({"id":"e1"})").message, "header X-Event must be sent once");
  headers_ = {{"X-Event", "bad\x01value"}};
  EXPECT_EQ(Derive(R"({"id":"e1"})").message,
            "header X-Event must be printable ASCII of at most 256 bytes");
  headers_ = {{"X-Event", std::string(257, 'a')}};
  EXPECT_EQ(Derive(R"({"id":"e1"})").error, ParseError::kInvalidSchema);
}

TEST_F(EventFieldsTest, HostileBodiesAreRefusedAsJson) {
  EXPECT_EQ(Derive(std::string("{\"id\":\"e1\"}\0", 12)).error, ParseError::kInvalidJson);
  EXPECT_EQ(Derive(R"({"id":"e1")").error, ParseError::kInvalidJson);
  EXPECT_EQ(Derive("{\"id\":\"\xff\"}").error, ParseError::kInvalidJson);
  EXPECT_EQ(Derive(R"({"id":"\udc00"})").error, ParseError::kInvalidJson);
  EXPECT_EQ(Derive(std::string(100, '[') + std::string(100, ']')).error, ParseError::kInvalidJson);
  EXPECT_EQ(Derive(R"({"id":[0.0000000001e-2147483639]})").error, ParseError::kInvalidSchema);
  EXPECT_EQ(Derive(R"(["id"])").message, "the body must be a JSON object");
}

// One reading of JSON for both contracts (core/strict_json.h): a source's
// body is refused for what a GetProfile event is refused for, in the same
// words, and nesting exactly to the limit is taken by both.
TEST_F(EventFieldsTest, BadJsonIsRefusedInTheWordsOfAGetProfileEvent) {
  headers_ = {{"X-Event", "order.paid"}};
  for (const std::string& body :
       {std::string("{\"id\":\"e1\"}\0", 12), std::string(R"({"id":"e1")"),
        std::string("{\"id\":\"\xff\"}"), std::string(R"({"id":"\udc00"})"),
        std::string(kMaxJsonDepth + 1, '[') + std::string(kMaxJsonDepth + 1, ']')}) {
    const DeriveResult derived = Derive(body);
    const ParseResult parsed = ParseWebhookEvent(body);
    EXPECT_EQ(derived.error, ParseError::kInvalidJson) << derived.message;
    EXPECT_EQ(parsed.error, ParseError::kInvalidJson) << parsed.message;
    EXPECT_EQ(derived.message, parsed.message);
  }
  const std::string deepest = R"({"id":"e1","x":)" + std::string(kMaxJsonDepth - 1, '[') +
                              std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_EQ(Derive(deepest).error, ParseError::kNone) << Derive(deepest).message;
  EXPECT_EQ(Derive("{\"id\":\"e1\",\"x\":" + deepest + "}").error, ParseError::kInvalidJson);
}

TEST_F(EventFieldsTest, AMemberPointedAtTwiceIsRefused) {
  DeriveResult result = Derive(R"({"id":"e1","id":"e2"})");
  EXPECT_EQ(result.error, ParseError::kInvalidSchema);
  EXPECT_EQ(result.message, R"(member "/id" is given twice)");
}

TEST_F(EventFieldsTest, TheRecordCarriesKeyBodyAndCloudEventsHeaders) {
  const std::string body = R"({"id":"e1","created":1696161600,"order":{"id":7}})";
  DeriveResult result = Derive(body);
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  KafkaRecord record = BuildSourceRecord(result.event, body);
  EXPECT_EQ(record.key, "7");
  EXPECT_EQ(record.value, body);
  EXPECT_THAT(record.headers,
              ElementsAre(Pair("ce_specversion", "1.0"), Pair("ce_id", "e1"),
                          Pair("ce_type", "order.paid"), Pair("ce_source", "https://shop.example"),
                          Pair("ce_time", "2023-10-01T12:00:00Z"),
                          Pair("content-type", "application/json")));
}

TEST_F(EventFieldsTest, ATimeThatIsNoRfc3339TimeIsLeftOutNeverRefused) {
  for (const char* created :
       {R"("yesterday")", R"("2023-10-01 12:00:00")", R"("1696161600")",
        R"("2023-13-01T00:00:00Z")", R"("")", "1696161600.5", "-5", "1696161600000",
        R"("2023-10-01T12:00:00Z\u0001")", "true", "null", "{}"}) {
    DeriveResult result = Derive(std::string(R"({"id":"e1","created":)") + created + "}");
    ASSERT_EQ(result.error, ParseError::kNone) << created << ": " << result.message;
    EXPECT_EQ(result.event.time, "") << created;
  }
  DeriveResult result = Derive(R"({"id":"e1","created":"2023-10-01t12:00:00z"})");
  EXPECT_EQ(result.event.time, "2023-10-01T12:00:00Z");
  source_.ce_time = FromHeader("X-Time");
  headers_.emplace("X-Time", "1696161600");  // a header is text: no unit to guess
  EXPECT_EQ(Derive(R"({"id":"e1"})").event.time, "");
}

TEST_F(EventFieldsTest, AnIdOrTypeWithControlCharactersIsRefused) {
  DeriveResult result = Derive(R"({"id":"e\u0001"})");
  EXPECT_EQ(result.error, ParseError::kInvalidSchema);
  EXPECT_EQ(
      result.message,
      R"(the CloudEvents id (member "/id") must not contain control characters or Unicode noncharacters)");
  source_.ce_type = FromPointer("/type");
  result = Derive(R"({"id":"e1","type":"a\u007fb"})");
  EXPECT_EQ(
      result.message,
      R"(the CloudEvents type (member "/type") must not contain control characters or Unicode noncharacters)");
}

TEST_F(EventFieldsTest, ASourceThatIsNoUriReferenceIsRefused) {
  source_.ce_source = FromPointer("/origin");
  for (const char* origin :
       {R"("a b")", R"("https://")", R"("caf\u00e9")", R"("%zz")", R"("1a:b")"}) {
    DeriveResult result = Derive(std::string(R"({"id":"e1","origin":)") + origin + "}");
    EXPECT_EQ(result.error, ParseError::kInvalidSchema) << origin;
    EXPECT_EQ(result.message,
              R"(the CloudEvents source (member "/origin") is not a URI-reference (RFC 3986))");
  }
  DeriveResult result = Derive(R"({"id":"e1","origin":"https://shop.example/eu"})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.source, "https://shop.example/eu");
}

}  // namespace
}  // namespace hookbridge
