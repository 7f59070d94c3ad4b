// ParseWebhookEvent: what a GetProfile webhook body must look like, and how
// hostile or malformed input is refused (400 invalid JSON vs 422 schema).
#include "hookbridge/core/webhook_event.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace hookbridge {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A GetProfile "profile.updated" webhook with every field hookbridge reads,
// plus fields it passes through unread.
constexpr const char* kExampleEvent = R"({
  "id": "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y",
  "event": "profile.updated",
  "created_at": "2024-10-08T14:30:00.123Z",
  "tenant_id": "tenant_acme",
  "webhook_id": "wh_7f3a9c",
  "data": {
    "profile_id": "prof_12345",
    "changes": {"email": {"old": "a@example.com", "new": "b@example.com"}},
    "traits": ["vip", 1, 2.5, true, null, {"nested": [1, [2, [3]]]}]
  }
})";

// {"id":"evt_1","event":<event>,"data":<data>} with `extra` members appended.
std::string Event(const std::string& event, const std::string& data,
                  const std::string& extra = "") {
  return R"({"id":"evt_1","event":)" + event + R"(,"data":)" + data + extra + "}";
}

std::string ProfileUpdated(const std::string& profile_id_json) {
  return Event(R"("profile.updated")", R"({"profile_id":)" + profile_id_json + "}");
}

std::string Repeat(const std::string& text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// A valid event whose nesting reaches exactly `depth` levels (the root object
// counts as level 1, data as level 2, then arrays).
std::string EventNestedTo(int depth) {
  return R"({"id":"a","event":"b","data":{"x":)" + Repeat("[", depth - 2) + Repeat("]", depth - 2) +
         "}}";
}

TEST(ParseWebhookEventTest, ExampleEventParsesWithEveryField) {
  ParseResult result = ParseWebhookEvent(kExampleEvent);
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.id, "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y");
  EXPECT_EQ(result.event.event, "profile.updated");
  EXPECT_EQ(result.event.profile_id, "prof_12345");
  EXPECT_EQ(result.event.tenant_id, "tenant_acme");
  EXPECT_EQ(result.event.created_at, "2024-10-08T14:30:00.123Z");
  EXPECT_EQ(result.event.webhook_id, "wh_7f3a9c");
}

TEST(ParseWebhookEventTest, IntegerProfileIdBecomesItsDecimalText) {
  ParseResult result = ParseWebhookEvent(ProfileUpdated("42"));
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.profile_id, "42");
}

TEST(ParseWebhookEventTest, IntegerProfileIdZeroIsKept) {
  ParseResult result = ParseWebhookEvent(ProfileUpdated("0"));
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.profile_id, "0");
}

TEST(ParseWebhookEventTest, IntegerProfileIdBeyond64BitsKeepsEveryDigit) {
  ParseResult result = ParseWebhookEvent(ProfileUpdated("123456789012345678901234567890"));
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.profile_id, "123456789012345678901234567890");
}

TEST(ParseWebhookEventTest, NegativeIntegerProfileIdKeepsItsSign) {
  ParseResult result = ParseWebhookEvent(ProfileUpdated("-9223372036854775809"));
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.profile_id, "-9223372036854775809");
}

TEST(ParseWebhookEventTest, StringProfileIdOfDigitsIsKeptAsIs) {
  ParseResult result = ParseWebhookEvent(ProfileUpdated(R"("007")"));
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.profile_id, "007");
}

class NonIntegerProfileIdTest : public ::testing::TestWithParam<const char*> {};

TEST_P(NonIntegerProfileIdTest, IsSchemaError) {
  ParseResult result = ParseWebhookEvent(ProfileUpdated(GetParam()));
  EXPECT_EQ(result.error, ParseError::kInvalidSchema) << GetParam();
  EXPECT_THAT(result.message, HasSubstr("profile_id"));
}

INSTANTIATE_TEST_SUITE_P(FloatsExponentsAndOtherTypes, NonIntegerProfileIdTest,
                         ::testing::Values("1.5", "1.0", "-0.0", "1e3", "1E3", "1e+3", "12e-1",
                                           "true", "false", "{}", R"({"id":"x"})", "[]", "[1]"));

// --- required fields --------------------------------------------------------

struct SchemaCase {
  const char* name;
  std::string body;
};

void PrintTo(const SchemaCase& c, std::ostream* os) { *os << c.name; }

class SchemaErrorTest : public ::testing::TestWithParam<SchemaCase> {};

TEST_P(SchemaErrorTest, IsInvalidSchema) {
  ParseResult result = ParseWebhookEvent(GetParam().body);
  EXPECT_EQ(result.error, ParseError::kInvalidSchema)
      << GetParam().body << " -> " << result.message;
  EXPECT_FALSE(result.message.empty());
}

std::string SchemaCaseName(const ::testing::TestParamInfo<SchemaCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(
    RequiredFields, SchemaErrorTest,
    ::testing::Values(SchemaCase{"IdMissing", R"({"event":"e","data":{}})"},
                      SchemaCase{"IdEmpty", R"({"id":"","event":"e","data":{}})"},
                      SchemaCase{"IdNumber", R"({"id":1,"event":"e","data":{}})"},
                      SchemaCase{"IdNull", R"({"id":null,"event":"e","data":{}})"},
                      SchemaCase{"IdBool", R"({"id":true,"event":"e","data":{}})"},
                      SchemaCase{"IdObject", R"({"id":{},"event":"e","data":{}})"},
                      SchemaCase{"IdArray", R"({"id":["a"],"event":"e","data":{}})"},
                      SchemaCase{"EventMissing", R"({"id":"a","data":{}})"},
                      SchemaCase{"EventEmpty", R"({"id":"a","event":"","data":{}})"},
                      SchemaCase{"EventNumber", R"({"id":"a","event":7,"data":{}})"},
                      SchemaCase{"EventNull", R"({"id":"a","event":null,"data":{}})"},
                      SchemaCase{"EventObject", R"({"id":"a","event":{"x":1},"data":{}})"},
                      SchemaCase{"EventArray", R"({"id":"a","event":[],"data":{}})"},
                      SchemaCase{"DataMissing", R"({"id":"a","event":"e"})"},
                      SchemaCase{"DataArray", R"({"id":"a","event":"e","data":[]})"},
                      SchemaCase{"DataArrayOfObject",
                                 R"({"id":"a","event":"e","data":[{"profile_id":"p"}]})"},
                      SchemaCase{"DataString", R"({"id":"a","event":"e","data":"{}"})"},
                      SchemaCase{"DataNull", R"({"id":"a","event":"e","data":null})"},
                      SchemaCase{"DataNumber", R"({"id":"a","event":"e","data":1})"},
                      SchemaCase{"DataBool", R"({"id":"a","event":"e","data":false})"},
                      SchemaCase{"EmptyObject", "{}"}),
    SchemaCaseName);

INSTANTIATE_TEST_SUITE_P(
    ProfileUpdatedNeedsProfileId, SchemaErrorTest,
    ::testing::Values(
        SchemaCase{"NoProfileId", R"({"id":"a","event":"profile.updated","data":{}})"},
        SchemaCase{"EmptyProfileId",
                   R"({"id":"a","event":"profile.updated","data":{"profile_id":""}})"},
        SchemaCase{"NullProfileId",
                   R"({"id":"a","event":"profile.updated","data":{"profile_id":null}})"},
        SchemaCase{"ProfileIdOnlyAtTopLevel",
                   R"({"id":"a","event":"profile.updated","profile_id":"p","data":{}})"},
        SchemaCase{"ProfileIdOnlyNestedDeeper",
                   R"({"id":"a","event":"profile.updated","data":{"x":{"profile_id":"p"}}})"},
        SchemaCase{"ProfileIdOnlyInArray",
                   R"({"id":"a","event":"profile.updated","data":{"x":[{"profile_id":"p"}]}})"}),
    SchemaCaseName);

INSTANTIATE_TEST_SUITE_P(
    OptionalFieldsIllTyped, SchemaErrorTest,
    ::testing::Values(
        SchemaCase{"TenantIdNumber", Event(R"("e")", "{}", R"(,"tenant_id":12)")},
        SchemaCase{"CreatedAtNumber", Event(R"("e")", "{}", R"(,"created_at":1700000000)")},
        SchemaCase{"WebhookIdNumber", Event(R"("e")", "{}", R"(,"webhook_id":3.5)")},
        SchemaCase{"TenantIdBool", Event(R"("e")", "{}", R"(,"tenant_id":true)")},
        SchemaCase{"TenantIdObject", Event(R"("e")", "{}", R"(,"tenant_id":{"id":"t"})")},
        SchemaCase{"WebhookIdArray", Event(R"("e")", "{}", R"(,"webhook_id":["w"])")}),
    SchemaCaseName);

INSTANTIATE_TEST_SUITE_P(
    DuplicateKnownKeys, SchemaErrorTest,
    ::testing::Values(
        SchemaCase{"TwoIds", R"({"id":"a","id":"b","event":"e","data":{}})"},
        SchemaCase{"TwoIdsSameValue", R"({"id":"a","event":"e","data":{},"id":"a"})"},
        SchemaCase{"TwoEvents", R"({"id":"a","event":"e","event":"f","data":{}})"},
        SchemaCase{"TwoDatas", R"({"id":"a","event":"e","data":{},"data":{}})"},
        SchemaCase{"TwoTenantIds", Event(R"("e")", "{}", R"(,"tenant_id":"t","tenant_id":"u")")},
        SchemaCase{"TwoCreatedAts", Event(R"("e")", "{}", R"(,"created_at":"x","created_at":"y")")},
        SchemaCase{"TwoWebhookIds", Event(R"("e")", "{}", R"(,"webhook_id":"x","webhook_id":"y")")},
        SchemaCase{"TwoProfileIds", ProfileUpdated(R"("p","profile_id":"q")")}),
    SchemaCaseName);

INSTANTIATE_TEST_SUITE_P(
    RootNotAnObject, SchemaErrorTest,
    ::testing::Values(SchemaCase{"Array", "[]"},
                      SchemaCase{"ArrayOfEvent", R"([{"id":"a","event":"e","data":{}}])"},
                      SchemaCase{"Number", "42"}, SchemaCase{"String", R"("hello")"},
                      SchemaCase{"True", "true"}, SchemaCase{"Null", "null"}),
    SchemaCaseName);

TEST(ParseWebhookEventTest, DuplicateIdIsReportedAsDuplicate) {
  ParseResult result = ParseWebhookEvent(R"({"id":"a","id":"b","event":"e","data":{}})");
  EXPECT_EQ(result.error, ParseError::kInvalidSchema);
  EXPECT_THAT(result.message, HasSubstr("duplicate"));
}

TEST(ParseWebhookEventTest, SchemaErrorMessageDoesNotEchoTheValue) {
  ParseResult result =
      ParseWebhookEvent(R"({"id":"a","event":"e","data":{},"tenant_id":31337421})");
  ASSERT_EQ(result.error, ParseError::kInvalidSchema);
  EXPECT_THAT(result.message, HasSubstr("tenant_id"));
  EXPECT_THAT(result.message, Not(HasSubstr("31337421")));
}

// --- accepted shapes --------------------------------------------------------

TEST(ParseWebhookEventTest, OtherEventTypeWithoutProfileIdIsAccepted) {
  ParseResult result = ParseWebhookEvent(R"({"id":"evt_9","event":"tenant.created","data":{}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.id, "evt_9");
  EXPECT_EQ(result.event.event, "tenant.created");
  EXPECT_FALSE(result.event.profile_id);
}

TEST(ParseWebhookEventTest, OtherEventTypeKeepsProfileIdWhenPresent) {
  ParseResult result =
      ParseWebhookEvent(R"({"id":"a","event":"profile.deleted","data":{"profile_id":7}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.profile_id, "7");
}

TEST(ParseWebhookEventTest, OptionalFieldsThatAreNullAreAbsent) {
  ParseResult result =
      ParseWebhookEvent(Event(R"("e")", R"({"profile_id":null})",
                              R"(,"tenant_id":null,"created_at":null,"webhook_id":null)"));
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_FALSE(result.event.profile_id);
  EXPECT_FALSE(result.event.tenant_id);
  EXPECT_FALSE(result.event.created_at);
  EXPECT_FALSE(result.event.webhook_id);
}

TEST(ParseWebhookEventTest, OptionalFieldsThatAreEmptyAreAbsent) {
  ParseResult result = ParseWebhookEvent(Event(
      R"("e")", R"({"profile_id":""})", R"(,"tenant_id":"","created_at":"","webhook_id":"")"));
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_FALSE(result.event.profile_id);
  EXPECT_FALSE(result.event.tenant_id);
  EXPECT_FALSE(result.event.created_at);
  EXPECT_FALSE(result.event.webhook_id);
}

TEST(ParseWebhookEventTest, UnknownFieldsAndNestedObjectsPassThrough) {
  ParseResult result = ParseWebhookEvent(
      R"({"version":2,"meta":{"id":9,"event":[1,2],"data":null,"tenant_id":{}},"list":[{"a":[{}]}],)"
      R"("id":"evt_x","event":"profile.updated","flag":true,"nothing":null,"num":-1.5e-3,)"
      R"("data":{"profile_id":"p1","id":5,"data":"x","deep":{"profile_id":{"a":[1]}},"arr":[[],{}]}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.id, "evt_x");
  EXPECT_EQ(result.event.profile_id, "p1");
  EXPECT_FALSE(result.event.tenant_id);
}

TEST(ParseWebhookEventTest, ProfileIdNestedDeeperDoesNotCountForOtherEvents) {
  ParseResult result =
      ParseWebhookEvent(R"({"id":"a","event":"x","data":{"x":{"profile_id":"p"}}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_FALSE(result.event.profile_id);
}

TEST(ParseWebhookEventTest, ProfileIdAfterNestedObjectInDataStillCounts) {
  ParseResult result = ParseWebhookEvent(
      R"({"id":"a","event":"profile.updated","data":{"x":{"y":{}},"profile_id":"p"}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.profile_id, "p");
}

TEST(ParseWebhookEventTest, KnownKeysInsideOtherObjectsAreNotDuplicates) {
  ParseResult result = ParseWebhookEvent(
      R"({"id":"a","event":"e","x":{"id":"b","event":"f"},"data":{"id":"c","event":"g"}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.id, "a");
  EXPECT_EQ(result.event.event, "e");
}

TEST(ParseWebhookEventTest, EscapesInStringsAreDecoded) {
  ParseResult result = ParseWebhookEvent(
      R"({"id":"a\"b\\c\u00e9\ud83d\ude00","event":"e","data":{},"tenant_id":"t\/1"})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.id, "a\"b\\c\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(result.event.tenant_id, "t/1");
}

TEST(ParseWebhookEventTest, RawUtf8InStringsIsAccepted) {
  ParseResult result =
      ParseWebhookEvent("{\"id\":\"\xC3\xA9t\xE2\x82\xAC\",\"event\":\"e\",\"data\":{}}");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.id, "\xC3\xA9t\xE2\x82\xAC");
}

TEST(ParseWebhookEventTest, SurroundingWhitespaceIsAllowed) {
  ParseResult result = ParseWebhookEvent(" \r\n\t{\"id\":\"a\",\"event\":\"e\",\"data\":{}}\r\n ");
  EXPECT_EQ(result.error, ParseError::kNone) << result.message;
}

// --- malformed JSON ---------------------------------------------------------

class InvalidJsonTest : public ::testing::TestWithParam<SchemaCase> {};

TEST_P(InvalidJsonTest, IsInvalidJson) {
  ParseResult result = ParseWebhookEvent(GetParam().body);
  EXPECT_EQ(result.error, ParseError::kInvalidJson) << result.message;
  EXPECT_FALSE(result.message.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, InvalidJsonTest,
    ::testing::Values(
        SchemaCase{"Empty", ""}, SchemaCase{"OnlyWhitespace", "  \n "},
        SchemaCase{"Truncated", R"({"id":"a","event":"e","data":{})"},
        SchemaCase{"TruncatedString", R"({"id":"a)"},
        SchemaCase{"SingleQuotes", R"({'id':'a','event':'e','data':{}})"},
        SchemaCase{"TrailingComma", R"({"id":"a","event":"e","data":{},})"},
        SchemaCase{"UnquotedKey", R"({id:"a","event":"e","data":{}})"},
        SchemaCase{"Comment", R"({"id":"a","event":"e","data":{}/*x*/})"},
        SchemaCase{"NaN", R"({"id":"a","event":"e","data":{"x":NaN}})"},
        SchemaCase{"LeadingZero", R"({"id":"a","event":"e","data":{"x":01}})"},
        SchemaCase{"BadEscape", R"({"id":"a\q","event":"e","data":{}})"},
        SchemaCase{"RawControlCharInString", "{\"id\":\"a\nb\",\"event\":\"e\",\"data\":{}}"},
        SchemaCase{"TrailingGarbage", R"({"id":"a","event":"e","data":{}}x)"},
        SchemaCase{"TwoDocuments", R"({"id":"a","event":"e","data":{}}{"id":"b"})"},
        SchemaCase{"TrailingClosingBrace", R"({"id":"a","event":"e","data":{}}})"},
        SchemaCase{"InvalidUtf8InValue", "{\"id\":\"\xC3\x28\",\"event\":\"e\",\"data\":{}}"},
        SchemaCase{"InvalidUtf8InUnknownValue",
                   "{\"id\":\"a\",\"event\":\"e\",\"data\":{\"note\":\"x\xC3\x28y\"}}"},
        SchemaCase{"InvalidUtf8InKey", "{\"id\":\"a\",\"event\":\"e\",\"data\":{\"\xFF\":1}}"},
        SchemaCase{"Utf8OverlongSlash", "{\"id\":\"\xC0\xAF\",\"event\":\"e\",\"data\":{}}"},
        SchemaCase{"Utf8EncodedSurrogate", "{\"id\":\"\xED\xA0\x80\",\"event\":\"e\",\"data\":{}}"},
        SchemaCase{"Utf8Truncated", "{\"id\":\"\xE2\x82\",\"event\":\"e\",\"data\":{}}"},
        SchemaCase{"LoneHighSurrogate", R"({"id":"\ud800","event":"e","data":{}})"},
        SchemaCase{"LoneHighSurrogateThenText", R"({"id":"\ud800x","event":"e","data":{}})"},
        SchemaCase{"LoneLowSurrogate", R"({"id":"\udc00","event":"e","data":{}})"},
        SchemaCase{"LoneLowSurrogateInUnknownField",
                   R"({"id":"a","event":"e","data":{"note":"x\uDFFFy"}})"},
        SchemaCase{"LoneLowSurrogateInKey", R"({"id":"a","event":"e","data":{"\udc00":1}})"},
        SchemaCase{"SurrogatePairReversed", R"({"id":"\ude00\ud83d","event":"e","data":{}})"},
        SchemaCase{"HighSurrogateThenNonSurrogate",
                   R"({"id":"\ud83d\u0041","event":"e","data":{}})"}),
    SchemaCaseName);

TEST(ParseWebhookEventTest, RawNulByteInsideStringIsInvalidJson) {
  std::string body = R"({"id":"a)";
  body.push_back('\0');
  body += R"(b","event":"e","data":{}})";
  ParseResult result = ParseWebhookEvent(body);
  EXPECT_EQ(result.error, ParseError::kInvalidJson) << result.message;
}

TEST(ParseWebhookEventTest, RawNulByteAfterTheObjectIsInvalidJson) {
  std::string body = R"({"id":"a","event":"e","data":{}})";
  body.push_back('\0');
  body += "garbage";
  ParseResult result = ParseWebhookEvent(body);
  EXPECT_EQ(result.error, ParseError::kInvalidJson) << result.message;
}

TEST(ParseWebhookEventTest, EscapedNulInsideStringIsValidJson) {
  ParseResult result = ParseWebhookEvent(R"({"id":"a","event":"e","data":{"note":"x\u0000y"}})");
  EXPECT_EQ(result.error, ParseError::kNone) << result.message;
}

TEST(ParseWebhookEventTest, MalformedJsonWinsOverSchemaErrorSeenFirst) {
  // id is ill-typed (422) but the document is also truncated (400): 400 wins.
  ParseResult result = ParseWebhookEvent(R"({"id":1,"event":"e","data":{)");
  EXPECT_EQ(result.error, ParseError::kInvalidJson);
}

TEST(ParseWebhookEventTest, InvalidJsonMessageDoesNotEchoTheInput) {
  ParseResult result =
      ParseWebhookEvent(R"({"id":"Zx81secretish","event":"e","data":{}} trailing)");
  ASSERT_EQ(result.error, ParseError::kInvalidJson);
  EXPECT_THAT(result.message, Not(HasSubstr("Zx81secretish")));
  EXPECT_THAT(result.message, Not(HasSubstr("trailing")));
}

// --- nesting depth ----------------------------------------------------------

TEST(ParseWebhookEventTest, NestingOfExactlyMaxDepthIsAccepted) {
  static_assert(kMaxJsonDepth == 64);
  ParseResult result = ParseWebhookEvent(EventNestedTo(kMaxJsonDepth));
  EXPECT_EQ(result.error, ParseError::kNone) << result.message;
}

TEST(ParseWebhookEventTest, NestingOneBeyondMaxDepthIsInvalidJson) {
  ParseResult result = ParseWebhookEvent(EventNestedTo(kMaxJsonDepth + 1));
  EXPECT_EQ(result.error, ParseError::kInvalidJson);
  EXPECT_THAT(result.message, HasSubstr("64"));
}

TEST(ParseWebhookEventTest, NestedObjectsToMaxDepthAreAccepted) {
  // Root object, then kMaxJsonDepth - 1 nested objects starting with data.
  std::string body = R"({"id":"a","event":"b","data":)" + Repeat(R"({"a":)", kMaxJsonDepth - 1) +
                     "1" + Repeat("}", kMaxJsonDepth - 1) + "}";
  ParseResult result = ParseWebhookEvent(body);
  EXPECT_EQ(result.error, ParseError::kNone) << result.message;
}

TEST(ParseWebhookEventTest, NestedObjectsBeyondMaxDepthAreInvalidJson) {
  // Root object, then kMaxJsonDepth nested objects starting with data: one too many.
  std::string body = R"({"id":"a","event":"b","data":)" + Repeat(R"({"a":)", kMaxJsonDepth) + "1" +
                     Repeat("}", kMaxJsonDepth) + "}";
  ParseResult result = ParseWebhookEvent(body);
  EXPECT_EQ(result.error, ParseError::kInvalidJson);
}

TEST(ParseWebhookEventTest, HundredThousandOpenArraysAreInvalidJsonWithoutCrashing) {
  ParseResult result = ParseWebhookEvent(Repeat("[", 100000) + Repeat("]", 100000));
  EXPECT_EQ(result.error, ParseError::kInvalidJson);
}

TEST(ParseWebhookEventTest, HundredThousandOpenObjectsAreInvalidJsonWithoutCrashing) {
  ParseResult result = ParseWebhookEvent(Repeat(R"({"a":)", 100000));
  EXPECT_EQ(result.error, ParseError::kInvalidJson);
}

TEST(ParseWebhookEventTest, HundredThousandLevelsInsideDataAreInvalidJson) {
  ParseResult result =
      ParseWebhookEvent(R"({"id":"a","event":"b","data":{"x":)" + Repeat("[", 100000));
  EXPECT_EQ(result.error, ParseError::kInvalidJson);
}

// --- CVE-2024-38517 (RapidJSON exponent overflow) ---------------------------
// Run under -fsanitize=undefined these must stay silent; without it they at
// least prove the inputs are handled without a crash and classified sensibly.

TEST(ParseWebhookEventTest, Cve2024_38517ArrayInputIsWellFormedButNotAnEvent) {
  ParseResult result = ParseWebhookEvent("[0.0000000001e-2147483639]");
  EXPECT_EQ(result.error, ParseError::kInvalidSchema) << result.message;
}

TEST(ParseWebhookEventTest, Cve2024_38517NumberInDataIsAcceptedUntouched) {
  ParseResult result =
      ParseWebhookEvent(R"({"id":"a","event":"b","data":{"x":0.0000000001e-2147483639}})");
  ASSERT_EQ(result.error, ParseError::kNone) << result.message;
  EXPECT_EQ(result.event.id, "a");
  EXPECT_EQ(result.event.event, "b");
}

TEST(ParseWebhookEventTest, HugeNegativeExponentAsProfileIdIsSchemaError) {
  ParseResult result = ParseWebhookEvent(ProfileUpdated("1e-99999999999999999999"));
  EXPECT_EQ(result.error, ParseError::kInvalidSchema) << result.message;
}

// id and event become ce_id and ce_type: a control character or noncharacter
// would make the record no valid CloudEvent, so the event is refused.
TEST(ParseWebhookEventTest, ControlCharactersInIdOrEventAreRefused) {
  for (const std::string& body :
       {Event(R"("profile.updated\u0000")", "{}"), Event(R"("a\nb")", "{}"),
        Event(R"("\u009f")", "{}"), Event("\"\xEF\xBF\xBF\"", "{}"),
        std::string(R"({"id":"e\u0001","event":"x","data":{}})")}) {
    ParseResult result = ParseWebhookEvent(body);
    EXPECT_EQ(result.error, ParseError::kInvalidSchema) << body;
    EXPECT_THAT(result.message, ::testing::HasSubstr("must not contain control characters"))
        << body;
  }
  EXPECT_EQ(ParseWebhookEvent(Event("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"", "{}")).error,
            ParseError::kNone);
}

}  // namespace
}  // namespace hookbridge
