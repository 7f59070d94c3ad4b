// The senders' own schemes: Slack and Zoom ("v0=" over "v0:<ts>:<body>"),
// Shopify (base64 of the body's HMAC) and Meta (X-Hub-Signature-256). Slack's
// documented example, then for each the failures every scheme is held to:
// wrong secret, one byte changed, stale and future timestamps, duplicated
// and missing headers, rotation.
#include <gtest/gtest.h>

#include <string>

#include "hookbridge/auth/signature.h"
#include "signature_test_util.h"

namespace hookbridge {
namespace {

using signature_test::At;
using signature_test::Base64;
using signature_test::Fields;
using signature_test::Hex;
using signature_test::HmacRaw;

// api.slack.com "Verifying requests from Slack": the worked example (a slash
// command's form body).
constexpr const char* kSlackSecret = "8f742231b10e8888abcd99yyyzzz85a5";
constexpr int64_t kSlackTimestamp = 1531420618;
constexpr const char* kSlackBody =
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%"
    "2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121."
    "803a0bc887a14d10d2c447fce8b6703c";
constexpr const char* kSlackSignature =
    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

constexpr const char* kBody = R"({"event":"meeting.started","payload":{"object":{"id":"1"}}})";
constexpr int64_t kNow = 1700000000;

SignatureSettings Settings(SignatureScheme scheme, std::vector<std::string> secrets) {
  SignatureSettings settings;
  settings.scheme = scheme;
  settings.secrets = std::move(secrets);
  return settings;
}

SignatureVerdict Verify(const SignatureSettings& settings, const Fields& fields,
                        const std::string& body, int64_t now = kNow) {
  return VerifySignature(settings, fields.Lookup(), body, At(now));
}

// The v0 schemes under each sender's header names.
struct V0Sender {
  SignatureScheme scheme;
  const char* timestamp_header;
  const char* signature_header;
};
constexpr V0Sender kSlack{SignatureScheme::kSlack, "X-Slack-Request-Timestamp",
                          "X-Slack-Signature"};
constexpr V0Sender kZoom{SignatureScheme::kZoom, "x-zm-request-timestamp", "x-zm-signature"};

std::string SignV0(const std::string& secret, int64_t timestamp, const std::string& body) {
  return "v0=" + Hex(HmacRaw(secret, "v0:" + std::to_string(timestamp) + ":" + body));
}

Fields V0Request(const V0Sender& sender, std::string signature, int64_t timestamp = kNow) {
  Fields fields;
  fields.Add(sender.timestamp_header, std::to_string(timestamp))
      .Add(sender.signature_header, std::move(signature));
  return fields;
}

TEST(SlackSignatureTest, DocumentedExampleIsValid) {
  EXPECT_EQ(SignV0(kSlackSecret, kSlackTimestamp, kSlackBody), kSlackSignature);  // our signer
  EXPECT_EQ(
      Verify(Settings(SignatureScheme::kSlack, {kSlackSecret}),
             V0Request(kSlack, kSlackSignature, kSlackTimestamp), kSlackBody, kSlackTimestamp),
      SignatureVerdict::kValid);
}

class V0SignatureTest : public ::testing::TestWithParam<V0Sender> {
 protected:
  const V0Sender& sender() const { return GetParam(); }
  SignatureSettings Of(std::vector<std::string> secrets = {"zoom-secret-token"}) const {
    return Settings(sender().scheme, std::move(secrets));
  }
  Fields Signed(const std::string& secret = "zoom-secret-token", int64_t timestamp = kNow,
                const std::string& body = kBody) const {
    return V0Request(sender(), SignV0(secret, timestamp, body), timestamp);
  }
};

INSTANTIATE_TEST_SUITE_P(SlackAndZoom, V0SignatureTest, ::testing::Values(kSlack, kZoom),
                         [](const ::testing::TestParamInfo<V0Sender>& test) {
                           return test.param.scheme == SignatureScheme::kSlack ? "Slack" : "Zoom";
                         });

TEST_P(V0SignatureTest, SignedRequestIsValidAndHeaderNamesAreCaseless) {
  EXPECT_EQ(Verify(Of(), Signed(), kBody), SignatureVerdict::kValid);
  // Header names in any case, and hex digits either case (the "v0=" prefix is exact).
  const std::string hex = SignV0("zoom-secret-token", kNow, kBody).substr(3);
  Fields upper;
  upper.Add(signature_test::Upper(sender().timestamp_header), std::to_string(kNow))
      .Add(signature_test::Upper(sender().signature_header), "v0=" + signature_test::Upper(hex));
  EXPECT_EQ(Verify(Of(), upper, kBody), SignatureVerdict::kValid);
}

TEST_P(V0SignatureTest, WrongSecretOrOneByteChangedIsInvalid) {
  EXPECT_EQ(Verify(Of(), Signed("another-secret"), kBody), SignatureVerdict::kInvalid);
  std::string body = kBody;
  body[5] ^= 1;
  EXPECT_EQ(Verify(Of(), Signed(), body), SignatureVerdict::kInvalid);
  // The timestamp is signed: a replay cannot be freshened.
  Fields moved = V0Request(sender(), SignV0("zoom-secret-token", kNow, kBody), kNow + 1);
  EXPECT_EQ(Verify(Of(), moved, kBody, kNow + 1), SignatureVerdict::kInvalid);
}

TEST_P(V0SignatureTest, EitherRotatedSecretMatches) {
  SignatureSettings both = Of({"old-token", "zoom-secret-token"});
  EXPECT_EQ(Verify(both, Signed("old-token"), kBody), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(both, Signed(), kBody), SignatureVerdict::kValid);
}

TEST_P(V0SignatureTest, ToleranceHoldsExactlyOnBothSides) {
  EXPECT_EQ(Verify(Of(), Signed(), kBody, kNow + 300), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Of(), Signed(), kBody, kNow + 301), SignatureVerdict::kStaleTimestamp);
  EXPECT_EQ(Verify(Of(), Signed(), kBody, kNow - 300), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Of(), Signed(), kBody, kNow - 301), SignatureVerdict::kStaleTimestamp);
  SignatureSettings narrow = Of();
  narrow.tolerance = std::chrono::seconds(10);
  EXPECT_EQ(Verify(narrow, Signed(), kBody, kNow + 11), SignatureVerdict::kStaleTimestamp);
  // Stale is only said of an authentic request.
  EXPECT_EQ(Verify(Of(), Signed("another-secret"), kBody, kNow + 3600), SignatureVerdict::kInvalid);
}

TEST_P(V0SignatureTest, DuplicatedHeadersAreInvalidAndMissingOnesMissing) {
  Fields two_signatures = Signed();
  two_signatures.Add(sender().signature_header, SignV0("zoom-secret-token", kNow, kBody));
  EXPECT_EQ(Verify(Of(), two_signatures, kBody), SignatureVerdict::kInvalid);
  Fields two_timestamps = Signed();
  two_timestamps.Add(sender().timestamp_header, std::to_string(kNow));
  EXPECT_EQ(Verify(Of(), two_timestamps, kBody), SignatureVerdict::kInvalid);
  Fields no_timestamp;
  no_timestamp.Add(sender().signature_header, SignV0("zoom-secret-token", kNow, kBody));
  EXPECT_EQ(Verify(Of(), no_timestamp, kBody), SignatureVerdict::kMissing);
  Fields no_signature;
  no_signature.Add(sender().timestamp_header, std::to_string(kNow));
  EXPECT_EQ(Verify(Of(), no_signature, kBody), SignatureVerdict::kMissing);
}

TEST_P(V0SignatureTest, MalformedValuesAreInvalid) {
  const std::string hex = SignV0("zoom-secret-token", kNow, kBody).substr(3);
  for (const std::string& signature : {hex, "v1=" + hex, "V0=" + hex, "v0=" + hex.substr(1),
                                       "v0=" + hex + "0", "v0:" + hex, "sha256=" + hex}) {
    EXPECT_EQ(Verify(Of(), V0Request(sender(), signature), kBody), SignatureVerdict::kInvalid)
        << signature;
  }
  for (const char* timestamp : {"01700000000", "+1700000000", "1700000000.5", "x"}) {
    Fields fields;
    fields.Add(sender().timestamp_header, timestamp).Add(sender().signature_header, "v0=" + hex);
    EXPECT_EQ(Verify(Of(), fields, kBody), SignatureVerdict::kInvalid) << timestamp;
  }
}

TEST(V0HeadersTest, SlackAndZoomReadOnlyTheirOwnHeaders) {
  Fields slack = V0Request(kSlack, SignV0("zoom-secret-token", kNow, kBody));
  EXPECT_EQ(Verify(Settings(SignatureScheme::kZoom, {"zoom-secret-token"}), slack, kBody),
            SignatureVerdict::kMissing);
  Fields zoom = V0Request(kZoom, SignV0("zoom-secret-token", kNow, kBody));
  EXPECT_EQ(Verify(Settings(SignatureScheme::kSlack, {"zoom-secret-token"}), zoom, kBody),
            SignatureVerdict::kMissing);
}

// Shopify: X-Shopify-Hmac-Sha256, the base64 of the body's HMAC-SHA256.
TEST(ShopifySignatureTest, SignedBodyIsValidAndEveryFailureIsNot) {
  const std::string secret = "shpss_0123456789abcdef";
  const SignatureSettings settings = Settings(SignatureScheme::kShopify, {"old", secret});
  auto request = [](const std::string& value) {
    Fields fields;
    fields.Add("X-Shopify-Hmac-Sha256", value);
    return fields;
  };
  const std::string signature = Base64(HmacRaw(secret, kBody));
  EXPECT_EQ(Verify(settings, request(signature), kBody), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(settings, request(Base64(HmacRaw("old", kBody))), kBody),
            SignatureVerdict::kValid);  // rotation
  EXPECT_EQ(Verify(settings, request(Base64(HmacRaw("wrong", kBody))), kBody),
            SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(settings, request(signature), std::string(kBody) + " "),
            SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(settings, request(Hex(HmacRaw(secret, kBody))), kBody),
            SignatureVerdict::kInvalid);  // hex is not Shopify's spelling
  EXPECT_EQ(Verify(settings, request("sha256=" + signature), kBody), SignatureVerdict::kInvalid);
  Fields twice = request(signature);
  twice.Add("x-shopify-hmac-sha256", signature);
  EXPECT_EQ(Verify(settings, twice, kBody), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(settings, Fields(), kBody), SignatureVerdict::kMissing);
}

// Meta: X-Hub-Signature-256 "sha256=<hex>" under the app secret.
TEST(MetaSignatureTest, SignedBodyIsValidAndEveryFailureIsNot) {
  const std::string secret = "0123456789abcdef0123456789abcdef";
  const SignatureSettings settings = Settings(SignatureScheme::kMeta, {secret, "new-app-secret"});
  auto request = [](const std::string& value) {
    Fields fields;
    fields.Add("X-Hub-Signature-256", value);
    return fields;
  };
  const std::string body = R"({"object":"whatsapp_business_account","entry":[]})";
  const std::string signature = "sha256=" + Hex(HmacRaw(secret, body));
  EXPECT_EQ(Verify(settings, request(signature), body), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(settings, request("sha256=" + Hex(HmacRaw("new-app-secret", body))), body),
            SignatureVerdict::kValid);  // rotation
  EXPECT_EQ(Verify(settings, request("sha256=" + Hex(HmacRaw("wrong", body))), body),
            SignatureVerdict::kInvalid);
  std::string changed = body;
  changed[2] ^= 1;
  EXPECT_EQ(Verify(settings, request(signature), changed), SignatureVerdict::kInvalid);
  Fields twice = request(signature);
  twice.Add("x-hub-signature-256", signature);
  EXPECT_EQ(Verify(settings, twice, body), SignatureVerdict::kInvalid);
  // The legacy SHA-1 X-Hub-Signature alone is not taken.
  Fields sha1;
  sha1.Add("X-Hub-Signature", "sha1=0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(Verify(settings, sha1, body), SignatureVerdict::kMissing);
}

TEST(SenderSettingsTest, TimedSendersCheckTheirTolerance) {
  for (SignatureScheme scheme : {SignatureScheme::kSlack, SignatureScheme::kZoom}) {
    SignatureSettings settings = Settings(scheme, {"secret"});
    settings.tolerance = std::chrono::seconds(0);
    EXPECT_NE(CheckSignatureSettings(settings), "");
    settings.tolerance = std::chrono::seconds(300);
    EXPECT_EQ(CheckSignatureSettings(settings), "");
  }
  for (SignatureScheme scheme : {SignatureScheme::kShopify, SignatureScheme::kMeta}) {
    SignatureSettings settings = Settings(scheme, {"secret"});
    settings.tolerance = std::chrono::seconds(0);  // ignored: no timestamp is signed
    EXPECT_EQ(CheckSignatureSettings(settings), "");
    EXPECT_NE(CheckSignatureSettings(Settings(scheme, {"secret\n"})), "");
  }
}

}  // namespace
}  // namespace hookbridge
