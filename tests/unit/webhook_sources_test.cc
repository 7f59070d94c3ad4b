// WebhookHandler with sources: a signature is verified over the raw body
// before anything else, each failure is the same 401 counted under its own
// reason, records go to the source's topic, a GetProfile source in the file
// gives the very records of the built-in source, and a dead letter is
// labelled by its source's own contract.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <string>

#include "../support/fake_publisher.h"
#include "../support/webhook_signer.h"
#include "hookbridge/sources/getprofile_contract.h"
#include "hookbridge/sources/json_contract.h"
#include "hookbridge/webhook/handshake.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {
namespace {

using ::hookbridge::test_support::FakePublisher;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr const char* kKey = "hbk_live_4fQ9zT2xLw8pR6vN";
constexpr const char* kSecret = "gh-secret-0123456789";
constexpr const char* kGetProfileEvent =
    R"({"id":"evt_1","event":"profile.updated","tenant_id":"t 1","data":{"profile_id":42},)"
    R"("created_at":"2023-10-01T12:00:00Z","webhook_id":"wh_1"})";
constexpr const char* kGitHubEvent =
    R"({"action":"opened","repository":{"id":1296269,"name":"hello"}})";

ApiKeys Keys() {
  std::string error;
  return ApiKeys::FromCommaList(kKey, &error).value();
}

std::shared_ptr<Source> GitHubSource() {
  auto source = std::make_shared<Source>();
  source->name = "github";
  source->path = "/webhooks/github";
  source->auth = SourceAuth::kSignature;
  source->signature.scheme = SignatureScheme::kGitHub;
  source->signature.secrets = {"old-secret-0123456789", kSecret};
  source->topic = "github.events";
  EventFields fields;
  JsonPointer key;
  ParseJsonPointer("/repository/id", &key);
  fields.key = {key};
  fields.ce_id.kind = AttributeSource::Kind::kHeader;
  fields.ce_id.header = "X-GitHub-Delivery";
  fields.ce_type.kind = AttributeSource::Kind::kHeader;
  fields.ce_type.header = "X-GitHub-Event";
  fields.ce_source.kind = AttributeSource::Kind::kValue;
  fields.ce_source.value = "https://github.com";
  source->contract = std::make_shared<JsonContract>(std::move(fields));
  return source;
}

class WebhookSourcesTest : public ::testing::Test {
 protected:
  RequestHead Head() {
    RequestHead head;
    head.content_type = {content_type_};
    head.query = query_;
    head.request_id = "req-1";
    head.headers = [this](std::string_view name) {
      std::vector<std::string_view> values;
      for (const auto& [key, value] : headers_) {
        if (EqualsIgnoreCase(key, name)) values.push_back(value);
      }
      return values;
    };
    return head;
  }
  static bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) !=
          std::tolower(static_cast<unsigned char>(b[i]))) {
        return false;
      }
    }
    return true;
  }

  WebhookResult Post(WebhookHandler& handler, const Source& source, const std::string& body) {
    RequestHead head = Head();
    if (std::optional<HttpResponse> refused = handler.CheckHead(source, head)) {
      WebhookResult result;
      result.response = *refused;
      return result;
    }
    auto outcome = std::make_shared<std::promise<WebhookResult>>();
    std::future<WebhookResult> future = outcome->get_future();
    handler.HandleBody(source, head, body, WebhookHandler::Clock::now(),
                       [outcome](WebhookResult result) { outcome->set_value(std::move(result)); });
    if (future.wait_for(std::chrono::minutes(1)) != std::future_status::ready) {
      ADD_FAILURE() << "HandleBody never called back";
      return {};
    }
    return future.get();
  }

  // `form` signed now as Slack signs it, and posted.
  WebhookResult PostSlackForm(WebhookHandler& handler, const Source& source,
                              const std::string& form) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    headers_ = {
        {"X-Slack-Request-Timestamp", std::to_string(now)},
        {"X-Slack-Signature", test_support::V0Signature("slack-signing-secret", now, form)}};
    content_type_ = "application/x-www-form-urlencoded";
    return Post(handler, source, form);
  }

  void SignGitHub(const std::string& secret, const std::string& body) {
    headers_ = {{"X-GitHub-Event", "pull_request"},
                {"X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"},
                {"X-Hub-Signature-256", test_support::GitHubSignature(secret, body)}};
  }

  static std::string Reason(const WebhookResult& result) {
    return result.response.error ? RejectionReason(*result.response.error) : "";
  }

  std::multimap<std::string, std::string> headers_;
  std::string content_type_ = "application/json";
  std::string query_;
  FakePublisher publisher_;
  KeyStore keys_{Keys(), ""};
  WebhookOptions options_;
};

// The test signer itself, on the Standard Webhooks specification's known answer.
TEST(WebhookSignerTest, StandardWebhooksKnownAnswer) {
  EXPECT_EQ(test_support::StandardWebhooksSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                                    "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                                    R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

// "event: getprofile" in a sources file and the built-in source share one contract.
TEST_F(WebhookSourcesTest, AGetProfileSourceFromTheFileGivesTheRecordsOfTheBuiltInSource) {
  WebhookHandler handler(keys_, publisher_, options_);
  headers_ = {{"Authorization", std::string("Bearer ") + kKey}};
  auto from_file = std::make_shared<Source>();
  from_file->name = "gp";
  from_file->path = "/hooks/gp";
  from_file->topic = "getprofile.events";
  from_file->contract = GetProfileEventContract();
  const std::shared_ptr<const Source> built_in = BuiltInSources(Config())->sources.front();
  RequestHead head = Head();
  head.authorization = {"Bearer hbk_live_4fQ9zT2xLw8pR6vN"};
  ASSERT_FALSE(handler.CheckHead(*from_file, head));
  ASSERT_FALSE(handler.CheckHead(*built_in, head));
  std::promise<WebhookResult> first;
  std::promise<WebhookResult> second;
  handler.HandleBody(*from_file, head, kGetProfileEvent, WebhookHandler::Clock::now(),
                     [&first](WebhookResult result) { first.set_value(std::move(result)); });
  handler.HandleBody(*built_in, head, kGetProfileEvent, WebhookHandler::Clock::now(),
                     [&second](WebhookResult result) { second.set_value(std::move(result)); });
  EXPECT_EQ(first.get_future().get().response.status, 200);
  EXPECT_EQ(second.get_future().get().response.status, 200);
  const std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].topic, "getprofile.events");  // every record names its topic
  EXPECT_EQ(records[0].topic, records[1].topic);
  EXPECT_EQ(records[0].key, records[1].key);
  EXPECT_EQ(records[0].value, records[1].value);
  EXPECT_EQ(records[0].headers, records[1].headers);
  EXPECT_EQ(records[0].key, "42");
}

TEST_F(WebhookSourcesTest, ASignedGitHubWebhookBecomesARecordOnItsTopic) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();
  SignGitHub(kSecret, kGitHubEvent);
  WebhookResult result = Post(handler, *github, kGitHubEvent);
  ASSERT_EQ(result.response.status, 200) << result.response.body;
  EXPECT_EQ(result.event_id, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
  const std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].topic, "github.events");
  EXPECT_EQ(records[0].key, "1296269");
  EXPECT_EQ(records[0].value, kGitHubEvent);
  EXPECT_THAT(records[0].headers, Contains(Pair("ce_type", "pull_request")));
  EXPECT_THAT(records[0].headers, Contains(Pair("ce_source", "https://github.com")));
  EXPECT_THAT(records[0].headers, Contains(Pair("hookbridge_request_id", "req-1")));
  // What the HTTP adapter counts the outcome under (the access log).
  EXPECT_EQ(result.source, "github");
  EXPECT_FALSE(result.dead_lettered);
  EXPECT_TRUE(result.ack_latency);
}

// A source of `auth` with that scheme's defaults, as the sources file builds it.
std::shared_ptr<Source> SchemeSource(const char* auth, SignatureScheme scheme,
                                     std::vector<std::string> secrets) {
  auto source = std::make_shared<Source>();
  source->name = auth;
  source->path = std::string("/webhooks/") + auth;
  source->auth = SourceAuth::kSignature;
  source->signature.scheme = scheme;
  source->signature.secrets = std::move(secrets);
  source->topic = std::string(auth) + ".events";
  EventFields fields;
  ApplySchemeDefaults(auth, source->name, fields);
  source->contract = std::make_shared<JsonContract>(std::move(fields));
  return source;
}

TEST_F(WebhookSourcesTest, SvixHeadersGiveTheRecordItsIdFromSvixId) {
  WebhookHandler handler(keys_, publisher_, options_);
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  auto source = SchemeSource("standard-webhooks", SignatureScheme::kStandardWebhooks, {secret});
  const std::string body = R"({"type":"invoice.paid","timestamp":"2023-10-01T12:00:00Z"})";
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  headers_ = {
      {"svix-id", "msg_svix_1"},
      {"svix-timestamp", std::to_string(now)},
      {"svix-signature", test_support::StandardWebhooksSignature(secret, "msg_svix_1", now, body)}};
  WebhookResult result = Post(handler, *source, body);
  ASSERT_EQ(result.response.status, 200) << result.response.body;
  EXPECT_EQ(result.event_id, "msg_svix_1");
  const std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].headers, Contains(Pair("ce_id", "msg_svix_1")));
  EXPECT_THAT(records[0].headers, Contains(Pair("ce_type", "invoice.paid")));
}

// GitHub's default content type: the JSON event URL-encoded in a payload field.
std::string GitHubForm(const std::string& json) {
  std::string form = "payload=";
  for (unsigned char c : json) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '*') {
      form += static_cast<char>(c);
    } else if (c == ' ') {
      form += '+';
    } else {
      static constexpr char kDigits[] = "0123456789ABCDEF";
      form += '%';
      form += kDigits[c >> 4];
      form += kDigits[c & 15];
    }
  }
  return form;
}

TEST_F(WebhookSourcesTest, AGitHubFormDeliveryIsVerifiedAsSentAndRecordedAsItsJson) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();
  github->form_payload = true;
  const std::string form = GitHubForm(kGitHubEvent);
  SignGitHub(kSecret, form);
  content_type_ = "application/x-www-form-urlencoded";
  WebhookResult result = Post(handler, *github, form);
  ASSERT_EQ(result.response.status, 200) << result.response.body;
  const std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, kGitHubEvent);
  EXPECT_EQ(records[0].key, "1296269");
  EXPECT_THAT(records[0].headers, Contains(Pair("content-type", "application/json")));
}

TEST_F(WebhookSourcesTest, AGitHubFormIsSignedAsSentNotAsItsJson) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();
  github->form_payload = true;
  SignGitHub(kSecret, kGitHubEvent);  // over the JSON, not the form that is sent
  content_type_ = "application/x-www-form-urlencoded";
  WebhookResult result = Post(handler, *github, GitHubForm(kGitHubEvent));
  EXPECT_EQ(result.response.status, 401);
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WebhookSourcesTest, AGitHubFormWithoutOnePayloadIs400) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();
  github->form_payload = true;
  content_type_ = "application/x-www-form-urlencoded";
  for (const std::string& form : {std::string("other=1"), GitHubForm("{}") + "&" + GitHubForm("{}"),
                                  std::string("payload=%7")}) {
    SignGitHub(kSecret, form);
    WebhookResult result = Post(handler, *github, form);
    EXPECT_EQ(result.response.status, 400) << form;
    EXPECT_EQ(Reason(result), "json") << form;
  }
  // A form payload that is no JSON object is refused as a JSON body would be.
  const std::string not_json = "payload=nope";
  SignGitHub(kSecret, not_json);
  EXPECT_EQ(Post(handler, *github, not_json).response.status, 400);
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WebhookSourcesTest, AFormIsTakenOnlyWhereTheSourceTakesForms) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();  // form_payload unset: a hand-built source, not the file's
  const std::string form = GitHubForm(kGitHubEvent);
  SignGitHub(kSecret, form);
  content_type_ = "application/x-www-form-urlencoded";
  WebhookResult result = Post(handler, *github, form);
  EXPECT_EQ(result.response.status, 415);
  EXPECT_THAT(result.response.body, Not(HasSubstr("x-www-form-urlencoded")));
}

// Twilio's form post: verified over the public URL, the query and the sorted
// fields (src/auth/twilio.cc); recorded as the JSON object of its fields.
std::shared_ptr<Source> TwilioSource() {
  auto source = std::make_shared<Source>();
  source->name = "twilio";
  source->path = "/webhooks/twilio";
  source->auth = SourceAuth::kSignature;
  source->signature.scheme = SignatureScheme::kTwilio;
  source->signature.secrets = {"12345"};
  source->signature.public_url = "https://mycompany.com/myapp.php";
  source->form_fields = true;
  source->topic = "twilio.events";
  EventFields fields;
  ApplySchemeDefaults("twilio", source->name, fields);
  ParseJsonPointer("/CallSid", &fields.ce_id.pointer);
  fields.ce_id.kind = AttributeSource::Kind::kPointer;
  fields.ce_type.kind = AttributeSource::Kind::kValue;
  fields.ce_type.value = "com.twilio.voice.gather";
  source->contract = std::make_shared<JsonContract>(std::move(fields));
  return source;
}

TEST_F(WebhookSourcesTest, ATwilioFormIsVerifiedWithItsUrlAndRecordedAsAnObjectOfItsFields) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto twilio = TwilioSource();
  // Twilio's documented example (signature_twilio_test.cc).
  const std::string form =
      "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%"
      "2B18005551212";
  content_type_ = "application/x-www-form-urlencoded; charset=utf-8";
  headers_ = {{"X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
              {"I-Twilio-Idempotency-Token", "idem-1"}};
  // Without the query it was signed with, the same request is forged.
  EXPECT_EQ(Post(handler, *twilio, form).response.status, 401);
  query_ = "foo=1&bar=2";
  WebhookResult result = Post(handler, *twilio, form);
  ASSERT_EQ(result.response.status, 200) << result.response.body;
  EXPECT_EQ(result.event_id, "CA1234567890ABCDE");
  const std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value,
            R"({"CallSid":"CA1234567890ABCDE","Caller":"+14158675309","Digits":"1234",)"
            R"("From":"+14158675309","To":"+18005551212"})");
  EXPECT_EQ(records[0].topic, "twilio.events");
  EXPECT_THAT(records[0].headers, Contains(Pair("ce_source", "https://twilio.com")));
}

TEST_F(WebhookSourcesTest, ATwilioJsonRequestIsVerifiedByItsBodyHashAndRecordedAsSent) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto twilio = TwilioSource();
  const std::string body = R"({"property": "value", "boolean": true, "CallSid": "CA1"})";
  // The body's SHA-256 in the query, and the URL alone signed.
  query_ = "bodySHA256=" + test_support::Hex(test_support::Sha256(body));
  headers_ = {{"X-Twilio-Signature", test_support::TwilioSignature(
                                         "12345", "https://mycompany.com/myapp.php?" + query_)}};
  WebhookResult result = Post(handler, *twilio, body);
  ASSERT_EQ(result.response.status, 200) << result.response.body;
  ASSERT_EQ(publisher_.records().size(), 1u);
  EXPECT_EQ(publisher_.records()[0].value, body);
}

TEST_F(WebhookSourcesTest, ATwilioFormWhoseFieldsAreNotUtf8Is400AndARepeatedNameIsAnArray) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto twilio = TwilioSource();
  content_type_ = "application/x-www-form-urlencoded";
  const std::string url = "https://mycompany.com/myapp.php";
  const std::string bad = "CallSid=CA1&Body=%FF";
  headers_ = {{"X-Twilio-Signature",
               test_support::TwilioSignature("12345", url + "Body\xFF" + "CallSidCA1")}};
  WebhookResult refused = Post(handler, *twilio, bad);
  EXPECT_EQ(refused.response.status, 400) << refused.response.body;
  EXPECT_EQ(Reason(refused), "json");
  const std::string media = "CallSid=CA2&MediaUrl=a&MediaUrl=b";
  headers_ = {{"X-Twilio-Signature",
               test_support::TwilioSignature("12345", url + "CallSidCA2MediaUrlaMediaUrlb")}};
  WebhookResult result = Post(handler, *twilio, media);
  ASSERT_EQ(result.response.status, 200) << result.response.body;
  ASSERT_EQ(publisher_.records().size(), 1u);
  EXPECT_EQ(publisher_.records()[0].value, R"({"CallSid":"CA2","MediaUrl":["a","b"]})");
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(WebhookSourcesTest, ASignedSlackUrlVerificationIsAnsweredWithItsChallengeAndStoresNothing) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto slack = SchemeSource("slack", SignatureScheme::kSlack, {"slack-signing-secret"});
  const std::string body =
      R"({"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":)"
      R"("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})";
  const int64_t now = UnixNow();
  headers_ = {{"X-Slack-Request-Timestamp", std::to_string(now)},
              {"X-Slack-Signature", test_support::V0Signature("slack-signing-secret", now, body)}};
  WebhookResult answered = Post(handler, *slack, body);
  EXPECT_EQ(answered.response.status, 200);
  EXPECT_EQ(answered.response.body,
            R"({"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})");
  EXPECT_TRUE(answered.handshake);
  EXPECT_EQ(answered.source, "slack");
  // Not signed with the secret: the same 401 as any event, no challenge echoed.
  headers_ = {{"X-Slack-Request-Timestamp", std::to_string(now)},
              {"X-Slack-Signature", test_support::V0Signature("wrong", now, body)}};
  WebhookResult forged = Post(handler, *slack, body);
  EXPECT_EQ(forged.response.status, 401);
  EXPECT_THAT(forged.response.body, Not(HasSubstr("3eZbrw1a")));
  EXPECT_FALSE(forged.handshake);
  EXPECT_TRUE(publisher_.records().empty());
}

// A slash-command source: forms recorded as the object of their fields; it
// names its id and type (the Events API's defaults are not in a command).
std::shared_ptr<Source> SlashCommandSource() {
  auto slack = SchemeSource("slack", SignatureScheme::kSlack, {"slack-signing-secret"});
  slack->form_fields = true;
  EventFields fields;
  ApplySchemeDefaults("slack", slack->name, fields);
  ParseJsonPointer("/trigger_id", &fields.ce_id.pointer);
  ParseJsonPointer("/command", &fields.ce_type.pointer);
  fields.ce_time = AttributeSource{};
  slack->contract = std::make_shared<JsonContract>(std::move(fields));
  return slack;
}

// A slash command: a form, signed as sent, recorded as the object of its
// fields.
TEST_F(WebhookSourcesTest, ASlackSlashCommandFormIsRecordedAsTheObjectOfItsFields) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto slack = SlashCommandSource();
  const std::string form =
      "token=xyz&team_id=T1DC2JH3J&command=%2Fwebhook-collect&text=&trigger_id=398738663015.1";
  WebhookResult result = PostSlackForm(handler, *slack, form);
  ASSERT_EQ(result.response.status, 200) << result.response.body;
  ASSERT_EQ(publisher_.records().size(), 1u);
  EXPECT_EQ(publisher_.records()[0].value,
            R"({"token":"xyz","team_id":"T1DC2JH3J","command":"/webhook-collect","text":"",)"
            R"("trigger_id":"398738663015.1"})");
  EXPECT_EQ(result.event_id, "398738663015.1");
}

// Many distinct names (each looked up once, not against every name before
// it): every field kept, in order of first appearance, a repeated name an
// array wherever its first field stood.
TEST_F(WebhookSourcesTest, AFormOfTwentyThousandNamesIsRecordedWholeInOrderOfFirstAppearance) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto slack = SlashCommandSource();
  constexpr int kNames = 20000;
  constexpr int kEveryRepeated = 1000;
  std::string form = "trigger_id=398738663015.1&command=%2Fmany";
  std::string expected = R"({"trigger_id":"398738663015.1","command":"/many")";
  for (int i = 0; i < kNames; ++i) {
    const std::string n = std::to_string(i);
    form += "&f" + n + "=v" + n;
    expected += ",\"f" + n + "\":";
    expected += i % kEveryRepeated == 0 ? "[\"v" + n + "\",\"w" + n + "\"]" : "\"v" + n + "\"";
  }
  expected += "}";
  for (int i = 0; i < kNames; i += kEveryRepeated) {
    form += "&f" + std::to_string(i) + "=w" + std::to_string(i);
  }
  WebhookResult result = PostSlackForm(handler, *slack, form);
  ASSERT_EQ(result.response.status, 200) << result.response.body;
  ASSERT_EQ(publisher_.records().size(), 1u);
  EXPECT_EQ(publisher_.records()[0].value, expected);
}

TEST_F(WebhookSourcesTest, AChallengeUnfitToEchoIsNoHandshake) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto slack = SchemeSource("slack", SignatureScheme::kSlack, {"slack-signing-secret"});
  const int64_t now = UnixNow();
  for (const std::string& challenge :
       {std::string("a b"), std::string(R"(<\u0000>)"), std::string(R"(tab\there)"),
        std::string(300, 'c'), std::string("")}) {
    const std::string body = R"({"type":"url_verification","challenge":")" + challenge + R"("})";
    headers_ = {
        {"X-Slack-Request-Timestamp", std::to_string(now)},
        {"X-Slack-Signature", test_support::V0Signature("slack-signing-secret", now, body)}};
    WebhookResult result = Post(handler, *slack, body);
    EXPECT_FALSE(result.handshake) << challenge;
    EXPECT_NE(result.response.status, 200) << challenge;  // no event_id: 422, or a 400
  }
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WebhookSourcesTest, AZoomUrlValidationIsAnsweredWithTheTokenOfTheSigningSecret) {
  WebhookHandler handler(keys_, publisher_, options_);
  // Rotating: the answer must be made with the secret that signed the check.
  auto zoom = SchemeSource("zoom", SignatureScheme::kZoom, {"old-zoom-token", "new-zoom-token"});
  const std::string body =
      R"({"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,)"
      R"("event":"endpoint.url_validation"})";
  const int64_t now = UnixNow();
  for (const char* secret : {"old-zoom-token", "new-zoom-token"}) {
    headers_ = {{"x-zm-request-timestamp", std::to_string(now)},
                {"x-zm-signature", test_support::V0Signature(secret, now, body)}};
    WebhookResult answered = Post(handler, *zoom, body);
    EXPECT_EQ(answered.response.status, 200) << secret;
    EXPECT_TRUE(answered.handshake);
    EXPECT_EQ(answered.response.body,
              R"({"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":")" +
                  test_support::Hex(test_support::HmacSha256(secret, "qgg8vlvZRS6UYooatFL8Aw")) +
                  R"("})")
        << secret;
  }
  headers_ = {{"x-zm-request-timestamp", std::to_string(now - 3600)},
              {"x-zm-signature", test_support::V0Signature("new-zoom-token", now - 3600, body)}};
  EXPECT_EQ(Post(handler, *zoom, body).response.status, 401);  // a stale check is refused
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WebhookSourcesTest, OnlySlackAndZoomSourcesAnswerHandshakes) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto meta = SchemeSource("meta", SignatureScheme::kMeta, {"app-secret"});
  const std::string body = R"({"type":"url_verification","challenge":"abc"})";
  headers_ = {{"X-Hub-Signature-256", test_support::GitHubSignature("app-secret", body)}};
  WebhookResult result = Post(handler, *meta, body);
  EXPECT_FALSE(result.handshake);
  EXPECT_EQ(result.response.status, 422);  // meta needs cloudevents.id: none here
}

TEST(SubscriptionCheckTest, MetasGetIsAnsweredWithItsChallengeOnlyForTheRightToken) {
  auto meta = SchemeSource("meta", SignatureScheme::kMeta, {"app-secret"});
  EXPECT_FALSE(
      AnswerSubscriptionCheck(*meta, "hub.mode=subscribe&hub.verify_token=t&hub.challenge=1"))
      << "no verify_token_file: no GET";
  meta->verify_tokens = {"old token", "new-token"};
  std::optional<HttpResponse> answer = AnswerSubscriptionCheck(
      *meta, "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=new-token");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "1158201444");
  EXPECT_STREQ(answer->content_type, "text/plain");
  answer = AnswerSubscriptionCheck(
      *meta, "hub.verify_token=old+token&hub.mode=subscribe&hub.challenge=x%2Dy");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);  // either token while rotating; the query decoded
  EXPECT_EQ(answer->body, "x-y");
  for (const char* query :
       {"hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
        "hub.mode=subscribe&hub.verify_token=new-tokenX&hub.challenge=1",
        "hub.mode=unsubscribe&hub.verify_token=new-token&hub.challenge=1",
        "hub.mode=subscribe&hub.challenge=1", "hub.mode=subscribe&hub.verify_token=new-token",
        "hub.mode=subscribe&hub.verify_token=new-token&hub.challenge=a+b",
        "hub.mode=subscribe&hub.verify_token=wrong&hub.verify_token=new-token&hub.challenge=1",
        "hub.mode=subscribe&hub.verify_token=new-token&hub.challenge=%zz", ""}) {
    answer = AnswerSubscriptionCheck(*meta, query);
    ASSERT_TRUE(answer) << query;
    EXPECT_EQ(answer->status, 403) << query;
    EXPECT_EQ(answer->body,
              R"({"error":"forbidden","message":"the subscription check could not be verified"})")
        << query;
    ASSERT_TRUE(answer->error);
    EXPECT_EQ(RejectionReason(*answer->error), std::string("verify_token"));
  }
}

TEST_F(WebhookSourcesTest, EverySecretInTheListIsAccepted) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();
  SignGitHub("old-secret-0123456789", kGitHubEvent);
  EXPECT_EQ(Post(handler, *github, kGitHubEvent).response.status, 200);
}

TEST_F(WebhookSourcesTest, EverySignatureFailureIsTheSame401WithItsOwnReason) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();

  SignGitHub("wrong-secret", kGitHubEvent);
  WebhookResult wrong = Post(handler, *github, kGitHubEvent);
  SignGitHub(kSecret, kGitHubEvent);
  WebhookResult tampered = Post(handler, *github, std::string(kGitHubEvent) + " ");
  headers_.erase("X-Hub-Signature-256");
  WebhookResult missing = Post(handler, *github, kGitHubEvent);
  // Not even JSON: the signature is judged first, so the answer is still 401.
  SignGitHub("wrong-secret", "not json");
  WebhookResult not_json = Post(handler, *github, "not json");

  for (const WebhookResult* result : {&wrong, &tampered, &missing, &not_json}) {
    EXPECT_EQ(result->response.status, 401);
    EXPECT_EQ(result->response.body, wrong.response.body);  // no hint of which part failed
  }
  EXPECT_THAT(wrong.response.body, HasSubstr(R"("error":"unauthorized")"));
  EXPECT_EQ(Reason(wrong), "signature_invalid");
  EXPECT_EQ(Reason(tampered), "signature_invalid");
  EXPECT_EQ(Reason(missing), "signature_missing");
  EXPECT_EQ(Reason(not_json), "signature_invalid");
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WebhookSourcesTest, AStaleStripeTimestampIs401UnderItsOwnReason) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto stripe = GitHubSource();
  stripe->name = "stripe";
  stripe->signature.scheme = SignatureScheme::kStripe;
  const std::string body = R"({"id":"evt_1","type":"invoice.paid","created":1696161600})";
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  headers_ = {{"Stripe-Signature", test_support::StripeSignature(kSecret, now - 3600, body)}};
  WebhookResult stale = Post(handler, *stripe, body);
  EXPECT_EQ(stale.response.status, 401);
  EXPECT_EQ(Reason(stale), "timestamp_out_of_tolerance");
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WebhookSourcesTest, ASignedBodyThatIsNoEventIsADeadLetterOnTheSourcesTopic) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();
  github->dead_letter_topic = "github.dead-letters";
  const std::string body = R"({"action":"opened"})";  // no /repository/id: no key
  SignGitHub(kSecret, body);
  WebhookResult result = Post(handler, *github, body);
  EXPECT_EQ(result.response.status, 200);
  EXPECT_THAT(result.response.body, HasSubstr("dead_lettered"));
  const std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].topic, "github.dead-letters");
  EXPECT_EQ(records[0].value, body);
  EXPECT_EQ(result.source, "github");
  EXPECT_EQ(result.dead_lettered, ErrorCode::kInvalidEvent);
  EXPECT_FALSE(result.ack_latency);
}

// The dead letter of a JSON source is labelled by its own contract, and
// names its source: not GetProfile's ce_source (the defect of issue 21).
TEST_F(WebhookSourcesTest, ADeadLetterCarriesItsSourceAndItsOwnContractsCloudEventsHeaders) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();
  github->dead_letter_topic = "github.dead-letters";
  const std::string body = R"({"action":"opened"})";  // no /repository/id: no key
  SignGitHub(kSecret, body);
  ASSERT_EQ(Post(handler, *github, body).response.status, 200);
  const std::vector<KafkaRecord> records = publisher_.records();
  ASSERT_EQ(records.size(), 1u);
  const auto& headers = records[0].headers;
  EXPECT_THAT(headers, Contains(Pair("hookbridge_source", "github")));
  EXPECT_THAT(headers, Contains(Pair("ce_source", "https://github.com")));
  EXPECT_THAT(headers, Contains(Pair("ce_type", "pull_request")));
  EXPECT_THAT(headers, Contains(Pair("ce_id", "72d3162e-cc78-11e3-81ab-4c9367dc0958")));
  EXPECT_THAT(headers, Contains(Pair("ce_specversion", "1.0")));
  EXPECT_THAT(headers, Not(Contains(Pair("ce_source", HasSubstr("getprofile")))));
  // No key member: the CloudEvents id, as on the source's records.
  EXPECT_EQ(records[0].key, "72d3162e-cc78-11e3-81ab-4c9367dc0958");
}

TEST_F(WebhookSourcesTest, WithoutADeadLetterTopicItIs422NamingThePointers) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto github = GitHubSource();
  const std::string body = R"({"action":"opened"})";
  SignGitHub(kSecret, body);
  WebhookResult result = Post(handler, *github, body);
  EXPECT_EQ(result.response.status, 422);
  EXPECT_THAT(result.response.body, HasSubstr("/repository/id"));
  EXPECT_TRUE(publisher_.records().empty());
}

TEST_F(WebhookSourcesTest, ABearerSourceWithKeysOfItsOwnTakesOnlyThose) {
  WebhookHandler handler(keys_, publisher_, options_);
  auto partner = std::make_shared<Source>(*BuiltInSources(Config())->sources.front());
  std::string error;
  partner->bearer_keys = std::make_shared<const ApiKeys>(
      ApiKeys::FromCommaList("partner-key-0123456789", &error).value());
  RequestHead head = Head();
  const std::string global_key = std::string("Bearer ") + kKey;  // the view below points into it
  head.authorization = {global_key};
  EXPECT_EQ(handler.CheckHead(*partner, head)->status, 401);
  head.authorization = {"Bearer partner-key-0123456789"};
  EXPECT_FALSE(handler.CheckHead(*partner, head));
}

}  // namespace
}  // namespace hookbridge
