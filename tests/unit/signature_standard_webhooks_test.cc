// Standard Webhooks: the spec's known answer, rotation, the signature list,
// strict base64, the two-sided tolerance, and header trouble.
#include <gtest/gtest.h>

#include <string>

#include "hookbridge/auth/signature.h"
#include "signature_test_util.h"

namespace hookbridge {
namespace {

using signature_test::At;
using signature_test::Base64;
using signature_test::Fields;
using signature_test::FromBase64;
using signature_test::HmacRaw;

// The known answer from the Standard Webhooks spec and its reference libraries.
constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr const char* kId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr const char* kBody = R"({"test": 2432232314})";
constexpr const char* kSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
constexpr const char* kOtherSecret = "whsec_dGhlIG5ldyBzZWNyZXQgYWZ0ZXIgcm90YXRpb24=";

SignatureSettings Settings(std::vector<std::string> secrets = {kSecret}) {
  SignatureSettings settings;
  settings.scheme = SignatureScheme::kStandardWebhooks;
  settings.secrets = std::move(secrets);
  return settings;
}

// "v1,<base64>" of the body under `secret`, computed by the test's own signer.
std::string Sign(const std::string& secret, const std::string& id, int64_t timestamp,
                 const std::string& body) {
  std::string key = FromBase64(secret.substr(6));
  return "v1," + Base64(HmacRaw(key, id + "." + std::to_string(timestamp) + "." + body));
}

Fields Request(std::string signature, std::string id = kId, int64_t timestamp = kTimestamp) {
  Fields fields;
  fields.Add("webhook-id", std::move(id))
      .Add("Webhook-Timestamp", std::to_string(timestamp))
      .Add("WEBHOOK-SIGNATURE", std::move(signature));
  return fields;
}

SignatureVerdict Verify(const Fields& fields, const std::string& body = kBody,
                        int64_t now = kTimestamp, const SignatureSettings& settings = Settings()) {
  return VerifySignature(settings, fields.Lookup(), body, At(now));
}

TEST(StandardWebhooksTest, PublishedKnownAnswerIsValid) {
  EXPECT_EQ(Sign(kSecret, kId, kTimestamp, kBody), kSignature);  // the test's signer agrees
  EXPECT_EQ(Verify(Request(kSignature)), SignatureVerdict::kValid);
}

TEST(StandardWebhooksTest, FreshlySignedRequestIsValid) {
  std::string body = R"({"id":"evt_1","event":"profile.updated"})";
  EXPECT_EQ(Verify(Request(Sign(kOtherSecret, "msg_2", 1700000000, body), "msg_2", 1700000000),
                   body, 1700000000, Settings({kOtherSecret})),
            SignatureVerdict::kValid);
}

TEST(StandardWebhooksTest, WrongSecretIsInvalid) {
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp, Settings({kOtherSecret})),
            SignatureVerdict::kInvalid);
}

TEST(StandardWebhooksTest, EitherRotatedSecretMatches) {
  SignatureSettings both = Settings({kOtherSecret, kSecret});
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp, both), SignatureVerdict::kValid);
  std::string by_new = Sign(kOtherSecret, kId, kTimestamp, kBody);
  EXPECT_EQ(Verify(Request(by_new), kBody, kTimestamp, both), SignatureVerdict::kValid);
}

TEST(StandardWebhooksTest, SecretWithoutPrefixOrPaddingIsTheSameKey) {
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp,
                   Settings({"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})),
            SignatureVerdict::kValid);
  // 28 bytes: base64 with one '=' of padding, accepted with and without it.
  std::string padded = "whsec_dGhlIG5ldyBzZWNyZXQgYWZ0ZXIgcm90YXRpb24=";
  std::string bare = padded.substr(0, padded.size() - 1);
  std::string signature = Sign(padded, kId, kTimestamp, kBody);
  EXPECT_EQ(Verify(Request(signature), kBody, kTimestamp, Settings({bare})),
            SignatureVerdict::kValid);
}

TEST(StandardWebhooksTest, OneMatchAmongSeveralSignaturesIsValid) {
  std::string other = Sign(kOtherSecret, kId, kTimestamp, kBody);
  EXPECT_EQ(Verify(Request(other + " " + kSignature)), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Request(std::string(kSignature) + "  " + other)), SignatureVerdict::kValid);
  // Other versions are skipped, as the spec asks.
  EXPECT_EQ(Verify(Request("v1a,bm90IGFuIGVkMjU1MTkgc2lnbmF0dXJl " + std::string(kSignature))),
            SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Request("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")),
            SignatureVerdict::kInvalid);
}

TEST(StandardWebhooksTest, TruncatedSignatureIsInvalid) {
  // Dropping only the final '=' is the unpadded spelling (valid, below): cut data.
  std::string signature = kSignature;
  for (size_t length : {signature.size() - 2, signature.size() - 3, size_t{3}, size_t{20}}) {
    EXPECT_EQ(Verify(Request(signature.substr(0, length))), SignatureVerdict::kInvalid) << length;
  }
  EXPECT_EQ(Verify(Request("v1,")), SignatureVerdict::kInvalid);
}

TEST(StandardWebhooksTest, UnpaddedSignatureIsValidButOtherSpellingsAreNot) {
  std::string signature = kSignature;
  EXPECT_EQ(Verify(Request(signature.substr(0, signature.size() - 1))),  // '=' dropped
            SignatureVerdict::kValid);
  // The same 32 bytes, spelled otherwise: base64url, the last character with
  // its unused low bits set, or extra padding.
  std::string url = "v1,g0hM9SsE-OTPJTGt_tmIKtSyZlE3uFJELVlNIOLJ1OE=";
  std::string non_canonical = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OF=";
  for (const std::string& spelling : {url, non_canonical, signature + "=", signature + "=="}) {
    EXPECT_EQ(Verify(Request(spelling)), SignatureVerdict::kInvalid) << spelling;
  }
}

TEST(StandardWebhooksTest, ChangedByOneByteIsInvalid) {
  std::string body = kBody;
  body[3] ^= 1;
  EXPECT_EQ(Verify(Request(kSignature), body), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(Request(kSignature), std::string(kBody) + " "), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(Request(kSignature, "msg_p5jXN8AQM9LWM0D4loKWxJeK")),
            SignatureVerdict::kInvalid);
  // The timestamp is signed too: a replay cannot be freshened.
  EXPECT_EQ(Verify(Request(kSignature, kId, kTimestamp + 1), kBody, kTimestamp + 1),
            SignatureVerdict::kInvalid);
}

TEST(StandardWebhooksTest, ToleranceHoldsExactlyOnBothSides) {
  const int64_t tolerance = 300;
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp + tolerance), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp + tolerance + 1),
            SignatureVerdict::kStaleTimestamp);
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp - tolerance), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp - tolerance - 1),
            SignatureVerdict::kStaleTimestamp);
}

TEST(StandardWebhooksTest, ConfiguredToleranceIsUsed) {
  SignatureSettings settings = Settings();
  settings.tolerance = std::chrono::seconds(10);
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp + 10, settings),
            SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Request(kSignature), kBody, kTimestamp - 11, settings),
            SignatureVerdict::kStaleTimestamp);
}

TEST(StandardWebhooksTest, StaleIsOnlySaidOfAuthenticRequests) {
  EXPECT_EQ(Verify(Request(kSignature), "forged", kTimestamp + 3600), SignatureVerdict::kInvalid);
}

TEST(StandardWebhooksTest, DuplicatedHeadersAreInvalid) {
  Fields twice = Request(kSignature);
  twice.Add("webhook-signature", kSignature);
  EXPECT_EQ(Verify(twice), SignatureVerdict::kInvalid);
  Fields two_ids = Request(kSignature);
  two_ids.Add("Webhook-Id", "msg_other");
  EXPECT_EQ(Verify(two_ids), SignatureVerdict::kInvalid);
  Fields two_timestamps = Request(kSignature);
  two_timestamps.Add("webhook-timestamp", std::to_string(kTimestamp));
  EXPECT_EQ(Verify(two_timestamps), SignatureVerdict::kInvalid);
}

TEST(StandardWebhooksTest, MissingHeadersAreMissing) {
  for (const char* dropped : {"webhook-id", "webhook-timestamp", "webhook-signature"}) {
    Fields fields;
    for (const auto& [name, value] : Request(kSignature).fields) {
      if (!signature_test::SameName(name, dropped)) fields.Add(name, value);
    }
    EXPECT_EQ(Verify(fields), SignatureVerdict::kMissing) << dropped;
  }
  EXPECT_EQ(Verify(Fields()), SignatureVerdict::kMissing);
  EXPECT_EQ(Verify(Request("  ")), SignatureVerdict::kMissing);  // empty value
}

TEST(StandardWebhooksTest, GarbageHeadersAreInvalid) {
  for (const char* garbage :
       {"v1", ",abc", "v1;g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "v1,%%%%",
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=,x", "\x01\xff", "v1a,abc"}) {
    EXPECT_EQ(Verify(Request(garbage)), SignatureVerdict::kInvalid) << garbage;
  }
  std::string huge(100000, 'A');
  EXPECT_EQ(Verify(Request("v1," + huge)), SignatureVerdict::kInvalid);
}

TEST(StandardWebhooksTest, TimestampMustBePlainUnixSeconds) {
  for (const char* timestamp :
       {"01614265330", "+1614265330", "1614265330.0", "-1", "1e9", "x", "99999999999999999999"}) {
    Fields fields;
    fields.Add("webhook-id", kId)
        .Add("webhook-timestamp", timestamp)
        .Add("webhook-signature", kSignature);
    EXPECT_EQ(Verify(fields), SignatureVerdict::kInvalid) << timestamp;
  }
}

// Svix's default header names: the same scheme, the same known answer.
Fields SvixRequest(std::string signature, std::string id = kId, int64_t timestamp = kTimestamp) {
  Fields fields;
  fields.Add("svix-id", std::move(id))
      .Add("Svix-Timestamp", std::to_string(timestamp))
      .Add("SVIX-SIGNATURE", std::move(signature));
  return fields;
}

TEST(StandardWebhooksTest, SvixHeadersCarryTheSameScheme) {
  EXPECT_EQ(Verify(SvixRequest(kSignature)), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(SvixRequest(kSignature), kBody, kTimestamp, Settings({kOtherSecret})),
            SignatureVerdict::kInvalid);
  std::string body = kBody;
  body[3] ^= 1;
  EXPECT_EQ(Verify(SvixRequest(kSignature), body), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(SvixRequest(kSignature, "msg_other")), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(SvixRequest(kSignature), kBody, kTimestamp + 301),
            SignatureVerdict::kStaleTimestamp);
  EXPECT_EQ(Verify(SvixRequest(kSignature), kBody, kTimestamp - 301),
            SignatureVerdict::kStaleTimestamp);
  SignatureSettings rotated = Settings({kOtherSecret, kSecret});
  EXPECT_EQ(Verify(SvixRequest(kSignature), kBody, kTimestamp, rotated), SignatureVerdict::kValid);
}

TEST(StandardWebhooksTest, SvixHeadersTwiceOrMissingAreRefused) {
  Fields twice = SvixRequest(kSignature);
  twice.Add("svix-id", "msg_other");
  EXPECT_EQ(Verify(twice), SignatureVerdict::kInvalid);
  for (const char* dropped : {"svix-id", "svix-timestamp", "svix-signature"}) {
    Fields fields;
    for (const auto& [name, value] : SvixRequest(kSignature).fields) {
      if (!signature_test::SameName(name, dropped)) fields.Add(name, value);
    }
    EXPECT_EQ(Verify(fields), SignatureVerdict::kMissing) << dropped;
  }
}

TEST(StandardWebhooksTest, BothHeaderFamiliesTogetherAreInvalid) {
  // Even when either family alone verifies: which id was signed is a guess.
  Fields both = Request(kSignature);
  for (const auto& [name, value] : SvixRequest(kSignature).fields) both.Add(name, value);
  EXPECT_EQ(Verify(both), SignatureVerdict::kInvalid);
  Fields one_more = SvixRequest(kSignature);
  one_more.Add("webhook-id", "msg_other");
  EXPECT_EQ(Verify(one_more), SignatureVerdict::kInvalid);
}

}  // namespace
}  // namespace hookbridge
