// CheckSignatureSettings: every refusal names its field and never the secret.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "hookbridge/auth/signature.h"

namespace hookbridge {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

SignatureSettings Settings(SignatureScheme scheme, std::vector<std::string> secrets) {
  SignatureSettings settings;
  settings.scheme = scheme;
  settings.secrets = std::move(secrets);
  settings.hmac.header = "X-Signature";
  return settings;
}

TEST(SignatureSettingsTest, GoodSettingsPass) {
  EXPECT_THAT(CheckSignatureSettings(Settings(
                  SignatureScheme::kStandardWebhooks,
                  {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})),
              IsEmpty());
  EXPECT_THAT(CheckSignatureSettings(Settings(SignatureScheme::kGitHub, {"It's a Secret"})),
              IsEmpty());
  EXPECT_THAT(CheckSignatureSettings(Settings(SignatureScheme::kStripe, {"whsec_abc"})), IsEmpty());
  SignatureSettings hmac = Settings(SignatureScheme::kHmacSha256, {"s"});
  hmac.hmac.prefix = "sha256=";
  hmac.hmac.encoding = HmacFormat::Encoding::kBase64;
  EXPECT_THAT(CheckSignatureSettings(hmac), IsEmpty());
}

TEST(SignatureSettingsTest, NoSecretIsRefused) {
  for (SignatureScheme scheme : {SignatureScheme::kStandardWebhooks, SignatureScheme::kGitHub,
                                 SignatureScheme::kStripe, SignatureScheme::kHmacSha256}) {
    EXPECT_THAT(CheckSignatureSettings(Settings(scheme, {})), StartsWith("secrets:"));
  }
}

TEST(SignatureSettingsTest, BadStandardWebhooksSecretIsNamedByIndexNotValue) {
  std::string error = CheckSignatureSettings(
      Settings(SignatureScheme::kStandardWebhooks,
               {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_n0t*b64!"}));
  EXPECT_THAT(error, StartsWith("secrets[1]: "));
  EXPECT_THAT(error, HasSubstr("base64"));
  EXPECT_THAT(error, Not(HasSubstr("n0t*b64")));
  EXPECT_THAT(CheckSignatureSettings(Settings(SignatureScheme::kStandardWebhooks, {"whsec_"})),
              StartsWith("secrets[0]: "));
  // base64url and a non-canonical last character are not the spec's base64.
  EXPECT_THAT(CheckSignatureSettings(Settings(SignatureScheme::kStandardWebhooks, {"whsec_ab-_"})),
              StartsWith("secrets[0]: "));
  EXPECT_THAT(CheckSignatureSettings(Settings(SignatureScheme::kStandardWebhooks, {"whsec_YR=="})),
              StartsWith("secrets[0]: "));
}

TEST(SignatureSettingsTest, EmptyOrSpaceFramedSecretIsRefused) {
  for (SignatureScheme scheme :
       {SignatureScheme::kGitHub, SignatureScheme::kStripe, SignatureScheme::kHmacSha256}) {
    EXPECT_THAT(CheckSignatureSettings(Settings(scheme, {"ok", ""})), StartsWith("secrets[1]: "));
    EXPECT_THAT(CheckSignatureSettings(Settings(scheme, {"secret\n"})), StartsWith("secrets[0]: "));
    EXPECT_THAT(CheckSignatureSettings(Settings(scheme, {" secret"})), StartsWith("secrets[0]: "));
  }
}

TEST(SignatureSettingsTest, ToleranceMustBeUsefulForTimestampSchemes) {
  for (SignatureScheme scheme : {SignatureScheme::kStandardWebhooks, SignatureScheme::kStripe}) {
    SignatureSettings settings = Settings(scheme, {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
    for (int64_t seconds : {0, -5, 86401}) {
      settings.tolerance = std::chrono::seconds(seconds);
      EXPECT_THAT(CheckSignatureSettings(settings), StartsWith("tolerance:")) << seconds;
    }
    settings.tolerance = std::chrono::seconds(86400);
    EXPECT_THAT(CheckSignatureSettings(settings), IsEmpty());
  }
  SignatureSettings github = Settings(SignatureScheme::kGitHub, {"s"});
  github.tolerance = std::chrono::seconds(0);  // no timestamp: ignored
  EXPECT_THAT(CheckSignatureSettings(github), IsEmpty());
}

TEST(SignatureSettingsTest, HmacHeaderAndPrefixAreChecked) {
  SignatureSettings settings = Settings(SignatureScheme::kHmacSha256, {"s"});
  settings.hmac.header = "";
  EXPECT_THAT(CheckSignatureSettings(settings), StartsWith("hmac.header:"));
  settings.hmac.header = "X Signature";
  EXPECT_THAT(CheckSignatureSettings(settings), StartsWith("hmac.header:"));
  settings.hmac.header = "X-Signature:";
  EXPECT_THAT(CheckSignatureSettings(settings), StartsWith("hmac.header:"));
  settings.hmac.header = "X-Signature";
  settings.hmac.prefix = "sha256 =";
  EXPECT_THAT(CheckSignatureSettings(settings), StartsWith("hmac.prefix:"));
}

TEST(SignatureSettingsTest, VerdictNamesAreStable) {
  EXPECT_STREQ(SignatureVerdictName(SignatureVerdict::kValid), "valid");
  EXPECT_STREQ(SignatureVerdictName(SignatureVerdict::kMissing), "missing");
  EXPECT_STREQ(SignatureVerdictName(SignatureVerdict::kInvalid), "invalid");
  EXPECT_STREQ(SignatureVerdictName(SignatureVerdict::kStaleTimestamp), "stale_timestamp");
}

}  // namespace
}  // namespace hookbridge
