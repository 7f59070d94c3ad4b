// WebhookHandler with a fake Publisher: every status code the request-handling
// core can answer, what reaches the publisher, and the shape of each body.
#include "hookbridge/webhook/webhook_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "../support/fake_publisher.h"

namespace hookbridge {
namespace {

using ::hookbridge::test_support::FakePublisher;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;

constexpr const char* kKey = "hbk_live_4fQ9zT2xLw8pR6vN";
constexpr const char* kRotatedKey = "hbk_live_7mK3sJ1yHc5dB0eW";

constexpr const char* kExampleEvent = R"({
  "id": "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y",
  "event": "profile.updated",
  "created_at": "2024-10-08T14:30:00.123Z",
  "tenant_id": "tenant_acme",
  "webhook_id": "wh_7f3a9c",
  "data": {"profile_id": "prof_12345", "changes": {"email": "b@example.com"}}
})";

std::string HeaderOf(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

// The body must be exactly {"error": <code>, "message": <non-empty text>}.
void ExpectErrorBody(const HttpResponse& response, const std::string& code) {
  rapidjson::Document document;
  document.Parse(response.body.data(), response.body.size());
  ASSERT_FALSE(document.HasParseError()) << response.body;
  ASSERT_TRUE(document.IsObject()) << response.body;
  EXPECT_EQ(document.MemberCount(), 2u) << response.body;
  ASSERT_TRUE(document.HasMember("error") && document["error"].IsString()) << response.body;
  ASSERT_TRUE(document.HasMember("message") && document["message"].IsString()) << response.body;
  EXPECT_EQ(std::string(document["error"].GetString()), code);
  EXPECT_GT(document["message"].GetStringLength(), 0u);
  EXPECT_THAT(response.body, Not(HasSubstr(kKey)));
  EXPECT_THAT(response.body, Not(HasSubstr(kRotatedKey)));
}

// The source the binary routes a webhook to without a sources file.
const Source& BuiltIn() {
  static const std::shared_ptr<const SourceSet> sources = BuiltInSources(Config());
  return *sources->sources.front();
}

class WebhookHandlerTest : public ::testing::Test {
 protected:
  static ApiKeys Keys() {
    std::string error;
    std::optional<ApiKeys> keys =
        ApiKeys::FromCommaList(std::string(kKey) + "," + kRotatedKey, &error);
    EXPECT_TRUE(keys) << error;
    return keys.value_or(ApiKeys());
  }
  // A head that passes every check; tests break one thing at a time.
  RequestHead GoodHead() {
    RequestHead head;
    head.authorization = {bearer_};
    head.content_type = {"application/json"};
    return head;
  }

  // The outcome HandleBody() calls back with, from whichever thread; an
  // empty result (status 0) and a failure if none comes within a minute.
  static WebhookResult Outcome(WebhookHandler& handler, const std::string& body) {
    auto outcome = std::make_shared<std::promise<WebhookResult>>();
    std::future<WebhookResult> future = outcome->get_future();
    RequestHead head;
    head.content_type = {"application/json"};
    head.request_id = "req-1";
    handler.HandleBody(BuiltIn(), head, body, WebhookHandler::Clock::now(),
                       [outcome](WebhookResult result) { outcome->set_value(std::move(result)); });
    if (future.wait_for(std::chrono::minutes(1)) != std::future_status::ready) {
      ADD_FAILURE() << "HandleBody never called back";
      return {};
    }
    return future.get();
  }
  HttpResponse Post(const std::string& body) { return Outcome(handler_, body).response; }

  std::string bearer_ = std::string("Bearer ") + kKey;
  FakePublisher publisher_;
  KeyStore keys_{Keys(), ""};
  WebhookHandler handler_{keys_, publisher_, WebhookOptions()};
};

// --- CheckHead: authentication ---------------------------------------------

TEST_F(WebhookHandlerTest, ValidHeadIsLetThrough) {
  EXPECT_FALSE(handler_.CheckHead(BuiltIn(), GoodHead()).has_value());
}

TEST_F(WebhookHandlerTest, RotatedKeyIsLetThrough) {
  std::string header = std::string("Bearer ") + kRotatedKey;
  RequestHead head = GoodHead();
  head.authorization = {header};
  EXPECT_FALSE(handler_.CheckHead(BuiltIn(), head).has_value());
}

TEST_F(WebhookHandlerTest, MissingAuthorizationIs401WithBearerChallenge) {
  RequestHead head = GoodHead();
  head.authorization.clear();
  std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(HeaderOf(*response, "WWW-Authenticate"), "Bearer");
  ExpectErrorBody(*response, "unauthorized");
}

TEST_F(WebhookHandlerTest, MalformedAuthorizationIs401WithBearerChallenge) {
  for (std::string_view value :
       {"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "hbk_live_4fQ9zT2xLw8pR6vN", "Bearer a b"}) {
    RequestHead head = GoodHead();
    head.authorization = {value};
    std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
    ASSERT_TRUE(response) << value;
    EXPECT_EQ(response->status, 401) << value;
    EXPECT_EQ(HeaderOf(*response, "WWW-Authenticate"), "Bearer") << value;
    ExpectErrorBody(*response, "unauthorized");
  }
}

TEST_F(WebhookHandlerTest, TwoAuthorizationHeadersAre401) {
  RequestHead head = GoodHead();
  head.authorization = {bearer_, bearer_};
  std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(HeaderOf(*response, "WWW-Authenticate"), "Bearer");
}

TEST_F(WebhookHandlerTest, WrongKeyIs401WithInvalidTokenChallenge) {
  RequestHead head = GoodHead();
  head.authorization = {"Bearer hbk_live_0000000000000000"};
  std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(HeaderOf(*response, "WWW-Authenticate"), "Bearer error=\"invalid_token\"");
  ExpectErrorBody(*response, "unauthorized");
}

TEST_F(WebhookHandlerTest, AuthenticationIsDecidedBeforeContentType) {
  const std::vector<std::vector<std::string_view>> bad_types = {
      {}, {"text/plain"}, {"application/json", "application/json"}};
  const std::vector<std::vector<std::string_view>> bad_auths = {
      {}, {"Basic x"}, {"Bearer hbk_live_0000000000000000"}};
  for (const auto& auth : bad_auths) {
    for (const auto& type : bad_types) {
      RequestHead head;
      head.authorization = auth;
      head.content_type = type;
      head.content_encoding = {"gzip"};
      std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
      ASSERT_TRUE(response);
      EXPECT_EQ(response->status, 401) << auth.size() << " auth, " << type.size() << " types";
      ExpectErrorBody(*response, "unauthorized");
    }
  }
}

// --- CheckHead: content type and encoding -----------------------------------

TEST_F(WebhookHandlerTest, MissingContentTypeIs415) {
  RequestHead head = GoodHead();
  head.content_type.clear();
  std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 415);
  ExpectErrorBody(*response, "unsupported_media_type");
}

TEST_F(WebhookHandlerTest, DuplicateContentTypeIs415EvenIfBothJson) {
  RequestHead head = GoodHead();
  head.content_type = {"application/json", "application/json"};
  std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 415);
}

TEST_F(WebhookHandlerTest, WrongContentTypeIs415) {
  for (std::string_view type : {"text/plain", "application/x-www-form-urlencoded", "text/json",
                                "application/json-patch+json", "application/json; charset=latin1",
                                "multipart/form-data; boundary=x", ""}) {
    RequestHead head = GoodHead();
    head.content_type = {type};
    std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
    ASSERT_TRUE(response) << type;
    EXPECT_EQ(response->status, 415) << type;
    ExpectErrorBody(*response, "unsupported_media_type");
  }
}

TEST_F(WebhookHandlerTest, JsonContentTypeVariantsAreAccepted) {
  for (std::string_view type :
       {"application/json; charset=utf-8", "Application/JSON", "APPLICATION/JSON; CHARSET=UTF-8",
        "application/json;charset=\"utf-8\""}) {
    RequestHead head = GoodHead();
    head.content_type = {type};
    EXPECT_FALSE(handler_.CheckHead(BuiltIn(), head).has_value()) << type;
  }
}

TEST_F(WebhookHandlerTest, CompressedContentEncodingIs415) {
  for (std::string_view encoding : {"gzip", "br", "deflate", "identity, gzip", "GZIP"}) {
    RequestHead head = GoodHead();
    head.content_encoding = {encoding};
    std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
    ASSERT_TRUE(response) << encoding;
    EXPECT_EQ(response->status, 415) << encoding;
    ExpectErrorBody(*response, "unsupported_media_type");
  }
}

TEST_F(WebhookHandlerTest, SecondContentEncodingHeaderIsAlsoChecked) {
  RequestHead head = GoodHead();
  head.content_encoding = {"identity", "br"};
  std::optional<HttpResponse> response = handler_.CheckHead(BuiltIn(), head);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 415);
}

TEST_F(WebhookHandlerTest, IdentityContentEncodingIsAccepted) {
  for (std::string_view encoding :
       {"identity", "Identity", " identity ", "identity, identity", "", "identity, ", ","}) {
    RequestHead head = GoodHead();
    head.content_encoding = {encoding};
    EXPECT_FALSE(handler_.CheckHead(BuiltIn(), head).has_value()) << encoding;
  }
}

// --- IsJsonContentType ------------------------------------------------------

TEST(IsJsonContentTypeTest, AcceptsApplicationJsonWithOptionalUtf8Charset) {
  for (std::string_view type : {"application/json", "Application/JSON", " application/json ",
                                "application/json;charset=utf-8", "application/json; charset=UTF-8",
                                "application/json ; charset = utf-8",
                                "application/json; charset=\"utf-8\"", "application/json; foo=bar",
                                "application/json; foo=bar; charset=utf-8", "application/json;"}) {
    EXPECT_TRUE(IsJsonContentType(type)) << type;
  }
}

TEST(IsJsonContentTypeTest, RejectsOtherTypesAndCharsets) {
  for (std::string_view type : {"",
                                " ",
                                ";",
                                "application",
                                "application/",
                                "/json",
                                "application/jsonx",
                                "application/json5",
                                "application/xjson",
                                "text/json",
                                "text/plain",
                                "application/*",
                                "*/*",
                                "application/problem+json",
                                "application/json; charset=latin1",
                                "application/json; charset=utf-16",
                                "application/json; charset=\"iso-8859-1\"",
                                "application/json; charset",
                                "application/json; charset=utf-8; charset=latin1",
                                "application/json, text/plain"}) {
    EXPECT_FALSE(IsJsonContentType(type)) << type;
  }
}

// --- HandleBody: parse errors never reach Kafka ------------------------------

TEST_F(WebhookHandlerTest, MalformedJsonIs400AndPublishesNothing) {
  for (const std::string& body :
       {std::string(""), std::string("{"), std::string("not json"),
        std::string(R"({"id":"a","event":"e","data":{}} trailing)"),
        std::string("{\"id\":\"\xC3\x28\",\"event\":\"e\",\"data\":{}}"), std::string(200, '[')}) {
    HttpResponse response = Post(body);
    EXPECT_EQ(response.status, 400) << body;
    ExpectErrorBody(response, "invalid_json");
  }
  EXPECT_THAT(publisher_.records(), IsEmpty());
}

TEST_F(WebhookHandlerTest, InvalidEventIs422AndPublishesNothing) {
  for (const std::string& body :
       {std::string("[]"), std::string("{}"), std::string(R"({"id":"","event":"e","data":{}})"),
        std::string(R"({"id":"a","event":"e","data":[]})"),
        std::string(R"({"id":"a","event":"profile.updated","data":{}})"),
        std::string(R"({"id":"a","event":"profile.updated","data":{"profile_id":1.5}})"),
        std::string(R"({"id":"a","id":"b","event":"e","data":{}})")}) {
    HttpResponse response = Post(body);
    EXPECT_EQ(response.status, 422) << body;
    ExpectErrorBody(response, "invalid_event");
  }
  EXPECT_THAT(publisher_.records(), IsEmpty());
}

// --- HandleBody: publish outcomes -------------------------------------------

TEST_F(WebhookHandlerTest, PersistedIs200WithExactAcceptedBody) {
  publisher_.AnswerWith(PublishStatus::kPersisted);
  HttpResponse response = Post(kExampleEvent);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"status":"accepted","id":"evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y"})");
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "");
}

TEST_F(WebhookHandlerTest, AcceptedBodyEscapesTheEventId) {
  publisher_.AnswerWith(PublishStatus::kPersisted);
  HttpResponse response = Post(R"({"id":"a\"b\\c","event":"x","data":{}})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"status":"accepted","id":"a\"b\\c"})");
}

TEST_F(WebhookHandlerTest, PublishedRecordHasKeyValueAndHeaders) {
  publisher_.AnswerWith(PublishStatus::kPersisted);
  ASSERT_EQ(Post(kExampleEvent).status, 200);
  std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "prof_12345");
  EXPECT_EQ(records[0].value, kExampleEvent);
  EXPECT_THAT(
      records[0].headers,
      ElementsAre(Pair("ce_specversion", "1.0"), Pair("ce_id", "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y"),
                  Pair("ce_type", "profile.updated"),
                  Pair("ce_source", "https://getprofile-ai.com/tenants/tenant_acme"),
                  Pair("ce_time", "2024-10-08T14:30:00.123Z"), Pair("ce_subject", "prof_12345"),
                  Pair("content-type", "application/json"), Pair("ce_tenantid", "tenant_acme"),
                  Pair("ce_webhookid", "wh_7f3a9c"), Pair("hookbridge_request_id", "req-1")));
}

TEST_F(WebhookHandlerTest, OtherEventTypeIsForwardedKeyedByTenant) {
  publisher_.AnswerWith(PublishStatus::kPersisted);
  const std::string body = R"({"id":"evt_t","event":"tenant.updated","tenant_id":"t1","data":{}})";
  HttpResponse response = Post(body);
  EXPECT_EQ(response.status, 200);
  std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "t1");
  EXPECT_EQ(records[0].value, body);
}

TEST_F(WebhookHandlerTest, EachRequestPublishesExactlyOneRecord) {
  publisher_.AnswerWith(PublishStatus::kPersisted);
  ASSERT_EQ(Post(R"({"id":"1","event":"x","data":{}})").status, 200);
  ASSERT_EQ(Post(R"({"id":"2","event":"x","data":{}})").status, 200);
  std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].key, "1");
  EXPECT_EQ(records[1].key, "2");
}

TEST_F(WebhookHandlerTest, DeliveryFailureIs503WithRetryAfter) {
  publisher_.AnswerWith(PublishStatus::kFailed, "Local_MsgTimedOut");
  HttpResponse response = Post(kExampleEvent);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(HeaderOf(response, "Retry-After"), kRetryAfterSeconds);
  ExpectErrorBody(response, "unavailable");
  EXPECT_EQ(publisher_.records().size(), 1u);
}

TEST_F(WebhookHandlerTest, DeliveryFailureWithoutErrorNameIs503) {
  publisher_.AnswerWith(PublishStatus::kFailed);
  HttpResponse response = Post(kExampleEvent);
  EXPECT_EQ(response.status, 503);
  ExpectErrorBody(response, "unavailable");
}

TEST_F(WebhookHandlerTest, QueueFullIs503OverloadedWithRetryAfter) {
  publisher_.AnswerWith(PublishStatus::kQueueFull, "Local_QueueFull");
  HttpResponse response = Post(kExampleEvent);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(HeaderOf(response, "Retry-After"), kRetryAfterSeconds);
  ExpectErrorBody(response, "overloaded");
}

TEST_F(WebhookHandlerTest, RecordTooLargeIs413WithoutRetryAfter) {
  publisher_.AnswerWith(PublishStatus::kRecordTooLarge, "MSG_SIZE_TOO_LARGE");
  HttpResponse response = Post(kExampleEvent);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "");
  ExpectErrorBody(response, "payload_too_large");
}

TEST_F(WebhookHandlerTest, NoOutcomeUntilTheDeliveryReportComes) {
  // HandleBody() publishes and returns at once; the caller keeps the deadline.
  publisher_.NeverComplete();
  bool called = false;
  std::string event_id =
      handler_.HandleBody(BuiltIn(), GoodHead(), kExampleEvent, WebhookHandler::Clock::now(),
                          [&called](WebhookResult) { called = true; });
  EXPECT_FALSE(called);
  EXPECT_EQ(event_id, "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y");
  EXPECT_EQ(publisher_.records().size(), 1u);
}

TEST_F(WebhookHandlerTest, AckDeadlinePassedIs503WithRetryAfterAndKeepsTheEventId) {
  WebhookResult result = WebhookHandler::AckDeadlinePassed("evt_1");
  EXPECT_EQ(result.response.status, 503);
  EXPECT_EQ(HeaderOf(result.response, "Retry-After"), kRetryAfterSeconds);
  ExpectErrorBody(result.response, "unavailable");
  EXPECT_EQ(result.event_id, "evt_1");
  EXPECT_EQ(result.delivery.error, "ACK_DEADLINE");
}

TEST_F(WebhookHandlerTest, DeliveryReportFromAnotherThreadIsTheOutcome) {
  publisher_.AnswerLater(PublishStatus::kPersisted, std::chrono::milliseconds(20));
  WebhookResult result = Outcome(handler_, kExampleEvent);
  EXPECT_EQ(result.response.status, 200);
  EXPECT_EQ(result.response.body, R"({"status":"accepted","id":"evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y"})");
  EXPECT_EQ(result.event_id, "evt_01J9Z3K5QW8M2N4P6R8T0V2X4Y");
  EXPECT_EQ(result.delivery.status, PublishStatus::kPersisted);
}

TEST_F(WebhookHandlerTest, LateFailureReportIs503) {
  publisher_.AnswerLater(PublishStatus::kFailed, std::chrono::milliseconds(20));
  HttpResponse response = Post(kExampleEvent);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(HeaderOf(response, "Retry-After"), kRetryAfterSeconds);
}

TEST_F(WebhookHandlerTest, RefusalsCallBackBeforeHandleBodyReturns) {
  bool called = false;
  handler_.HandleBody(BuiltIn(), GoodHead(), "{", WebhookHandler::Clock::now(),
                      [&called](WebhookResult result) {
                        EXPECT_EQ(result.response.status, 400);
                        called = true;
                      });
  EXPECT_TRUE(called);
  publisher_.AnswerWith(PublishStatus::kQueueFull, "Local_QueueFull");
  called = false;
  handler_.HandleBody(BuiltIn(), GoodHead(), kExampleEvent, WebhookHandler::Clock::now(),
                      [&called](WebhookResult result) {
                        EXPECT_EQ(result.response.status, 503);
                        called = true;
                      });
  EXPECT_TRUE(called);
}

TEST_F(WebhookHandlerTest, NoOutcomeOtherThanPersistedIsEver2xx) {
  for (PublishStatus status :
       {PublishStatus::kQueueFull, PublishStatus::kFailed, PublishStatus::kRecordTooLarge}) {
    PublishResult result;
    result.status = status;
    result.partition = 3;  // a partition and offset must not fool the handler
    result.offset = 42;
    publisher_.AnswerWith(result);
    HttpResponse response = Post(kExampleEvent);
    EXPECT_GE(response.status, 400) << static_cast<int>(status);
    EXPECT_THAT(response.body, Not(HasSubstr("accepted")));
  }
}

TEST_F(WebhookHandlerTest, ErrorBodiesNeverContainTheKey) {
  // A body that mentions the key must not have it echoed back on any path.
  const std::string body = std::string(R"({"id":")") + kKey + R"(","event":"e","data":[]})";
  HttpResponse invalid = Post(body);
  EXPECT_EQ(invalid.status, 422);
  ExpectErrorBody(invalid, "invalid_event");

  publisher_.AnswerWith(PublishStatus::kFailed, "Local_Transport");
  HttpResponse failed = Post(R"({"id":"a","event":"e","data":{}})");
  ExpectErrorBody(failed, "unavailable");

  RequestHead head = GoodHead();
  head.content_type = {"text/plain"};
  std::optional<HttpResponse> unsupported = handler_.CheckHead(BuiltIn(), head);
  ASSERT_TRUE(unsupported);
  ExpectErrorBody(*unsupported, "unsupported_media_type");
  for (const auto& header : unsupported->headers) EXPECT_THAT(header.second, Not(HasSubstr(kKey)));
}

TEST_F(WebhookHandlerTest, MaxBodyBytesComesFromOptions) {
  WebhookOptions options;
  options.max_body_bytes = 4096;
  WebhookHandler handler(keys_, publisher_, options);
  EXPECT_EQ(handler.max_body_bytes(), 4096u);
}

// --- ErrorResponse mapping (what the adapter relies on) ----------------------

TEST(ErrorResponseTest, EveryCodeHasItsStatusAndJsonBody) {
  struct Case {
    ErrorCode code;
    int status;
    const char* name;
  };
  for (const Case& c : {Case{ErrorCode::kBadRequest, 400, "bad_request"},
                        Case{ErrorCode::kInvalidJson, 400, "invalid_json"},
                        Case{ErrorCode::kUnauthorized, 401, "unauthorized"},
                        Case{ErrorCode::kInvalidKey, 401, "unauthorized"},
                        Case{ErrorCode::kNotFound, 404, "not_found"},
                        Case{ErrorCode::kMethodNotAllowed, 405, "method_not_allowed"},
                        Case{ErrorCode::kLengthRequired, 411, "length_required"},
                        Case{ErrorCode::kPayloadTooLarge, 413, "payload_too_large"},
                        Case{ErrorCode::kUnsupportedMediaType, 415, "unsupported_media_type"},
                        Case{ErrorCode::kInvalidEvent, 422, "invalid_event"},
                        Case{ErrorCode::kInternalError, 500, "internal_error"},
                        Case{ErrorCode::kUnavailable, 503, "unavailable"},
                        Case{ErrorCode::kOverloaded, 503, "overloaded"}}) {
    HttpResponse response = ErrorResponse(c.code, "why \"quoted\"\n");
    EXPECT_EQ(response.status, c.status) << c.name;
    ExpectErrorBody(response, c.name);
  }
}

TEST(ErrorResponseTest, MethodNotAllowedSaysAllowPost) {
  HttpResponse response = ErrorResponse(ErrorCode::kMethodNotAllowed, "use POST");
  EXPECT_THAT(response.headers, Contains(Pair("Allow", "POST")));
}

}  // namespace
}  // namespace hookbridge
