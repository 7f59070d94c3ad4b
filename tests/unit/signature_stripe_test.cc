// Stripe-Signature: a vector made with stripe-python's signing rule,
// rotation, several v1 entries, v0, tolerance (past only, as Stripe's
// libraries), and header trouble.
#include <gtest/gtest.h>

#include <string>

#include "hookbridge/auth/signature.h"
#include "signature_test_util.h"

namespace hookbridge {
namespace {

using signature_test::At;
using signature_test::Fields;
using signature_test::Hex;
using signature_test::HmacRaw;
using signature_test::Upper;

// The secret is used as it is, "whsec_" included: Stripe's libraries take the
// secret's UTF-8 bytes as the HMAC key, without decoding anything.
constexpr const char* kSecret = "whsec_test_secret";
constexpr const char* kRotated = "whsec_rotated_secret";
constexpr int64_t kT = 1700000000;
constexpr const char* kBody = R"({"id":"evt_test_webhook","object":"event"})";
// hmac.new(b"whsec_test_secret", b'1700000000.{"id":"evt_test_webhook","object":"event"}',
// sha256).hexdigest(), computed with Python's hmac module.
constexpr const char* kKnownV1 = "d95c6b7477fbd7e9f90b1b0ef5f9c7ac25abca5382460e0d988c2b2a5b71b990";

SignatureSettings Settings(std::vector<std::string> secrets = {kSecret}) {
  SignatureSettings settings;
  settings.scheme = SignatureScheme::kStripe;
  settings.secrets = std::move(secrets);
  return settings;
}

std::string V1(const std::string& secret, int64_t t = kT, const std::string& body = kBody) {
  return Hex(HmacRaw(secret, std::to_string(t) + "." + body));
}

Fields Header(const std::string& value) {
  Fields fields;
  fields.Add("stripe-signature", value);
  return fields;
}

std::string Signed(const std::string& secret = kSecret, int64_t t = kT) {
  return "t=" + std::to_string(t) + ",v1=" + V1(secret, t);
}

SignatureVerdict Verify(const Fields& fields, int64_t now = kT,
                        const SignatureSettings& settings = Settings(),
                        const std::string& body = kBody) {
  return VerifySignature(settings, fields.Lookup(), body, At(now));
}

TEST(StripeSignatureTest, KnownAnswerIsValid) {
  EXPECT_EQ(V1(kSecret), kKnownV1);
  EXPECT_EQ(Verify(Header("t=1700000000,v1=" + std::string(kKnownV1))), SignatureVerdict::kValid);
}

TEST(StripeSignatureTest, WrongSecretOrChangedBodyIsInvalid) {
  EXPECT_EQ(Verify(Header(Signed()), kT, Settings({kRotated})), SignatureVerdict::kInvalid);
  std::string body = kBody;
  body[10] = 'X';
  EXPECT_EQ(Verify(Header(Signed()), kT, Settings(), body), SignatureVerdict::kInvalid);
  // The timestamp is signed: it cannot be freshened.
  EXPECT_EQ(Verify(Header("t=1700000001,v1=" + V1(kSecret)), kT), SignatureVerdict::kInvalid);
}

TEST(StripeSignatureTest, EitherRotatedSecretMatches) {
  SignatureSettings both = Settings({kRotated, kSecret});
  EXPECT_EQ(Verify(Header(Signed(kSecret)), kT, both), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Header(Signed(kRotated)), kT, both), SignatureVerdict::kValid);
}

TEST(StripeSignatureTest, OneMatchAmongSeveralEntriesIsValid) {
  // During a secret roll Stripe sends one v1 per active secret, and v0 in test mode.
  std::string value =
      "t=1700000000,v1=" + V1(kRotated) + ",v1=" + V1(kSecret) + ",v0=" + std::string(64, '0');
  EXPECT_EQ(Verify(Header(value)), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Header("v1=" + V1(kSecret) + ", t=1700000000")), SignatureVerdict::kValid);
  // v0 alone is not a signature we check.
  EXPECT_EQ(Verify(Header("t=1700000000,v0=" + V1(kSecret))), SignatureVerdict::kInvalid);
}

TEST(StripeSignatureTest, UpperCaseHexIsTheSameDigest) {
  EXPECT_EQ(Verify(Header("t=1700000000,v1=" + Upper(V1(kSecret)))), SignatureVerdict::kValid);
}

TEST(StripeSignatureTest, TruncatedSignatureIsInvalid) {
  std::string v1 = V1(kSecret);
  for (std::string cut : {v1.substr(0, 63), v1.substr(0, 32), std::string(), v1 + "0"}) {
    EXPECT_EQ(Verify(Header("t=1700000000,v1=" + cut)), SignatureVerdict::kInvalid) << cut;
  }
  EXPECT_EQ(Verify(Header("t=1700000000,v1=" + v1.substr(0, 63) + ",v1=" + v1)),
            SignatureVerdict::kInvalid);  // one malformed entry refuses the header
}

TEST(StripeSignatureTest, ToleranceRefusesOnlyThePast) {
  const int64_t tolerance = 300;
  EXPECT_EQ(Verify(Header(Signed()), kT + tolerance), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Header(Signed()), kT + tolerance + 1), SignatureVerdict::kStaleTimestamp);
  // Stripe's libraries accept a timestamp ahead of the clock, however far.
  EXPECT_EQ(Verify(Header(Signed()), kT - tolerance), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Header(Signed()), kT - tolerance - 1), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Header(Signed()), kT - 86400), SignatureVerdict::kValid);
  // Stale is said of authentic requests only.
  EXPECT_EQ(Verify(Header(Signed()), kT + 3600, Settings({kRotated})), SignatureVerdict::kInvalid);
}

TEST(StripeSignatureTest, DuplicatedHeaderOrTimestampIsInvalid) {
  Fields twice = Header(Signed());
  twice.Add("Stripe-Signature", Signed());
  EXPECT_EQ(Verify(twice), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(Header("t=1700000000,t=1700000000,v1=" + V1(kSecret))),
            SignatureVerdict::kInvalid);
}

TEST(StripeSignatureTest, MissingHeaderIsMissing) {
  EXPECT_EQ(Verify(Fields()), SignatureVerdict::kMissing);
  EXPECT_EQ(Verify(Header("")), SignatureVerdict::kMissing);
  Fields other;
  other.Add("X-Stripe-Signature", Signed());
  EXPECT_EQ(Verify(other), SignatureVerdict::kMissing);
}

TEST(StripeSignatureTest, GarbageHeadersAreInvalid) {
  std::string v1 = V1(kSecret);
  for (std::string garbage :
       {std::string("garbage"), "v1=" + v1, std::string("t=1700000000"), "t=,v1=" + v1,
        "t=abc,v1=" + v1, "t=01700000000,v1=" + v1, "t=-1700000000,v1=" + v1,
        "t=1700000000;v1=" + v1, "t=1700000000,v1=" + v1 + ",", ",t=1700000000,v1=" + v1,
        "=1,t=1700000000,v1=" + v1, "t=1700000000,v1=" + v1 + ",junk", std::string("\0\0\0", 3),
        std::string(100000, ',')}) {
    EXPECT_EQ(Verify(Header(garbage)), SignatureVerdict::kInvalid) << garbage.substr(0, 80);
  }
}

}  // namespace
}  // namespace hookbridge
