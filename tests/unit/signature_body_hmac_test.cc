// GitHub's X-Hub-Signature-256 and the generic HMAC-SHA256 header: GitHub's
// documented example, rotation, encodings and their spellings, and header
// trouble.
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
using signature_test::Upper;

// docs.github.com, "Validating webhook deliveries", "Testing the webhook
// payload validation".
constexpr const char* kGitHubSecret = "It's a Secret to Everybody";
constexpr const char* kGitHubBody = "Hello, World!";
constexpr const char* kGitHubSignature =
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
constexpr const char* kBody = R"({"id":"evt_1","event":"profile.updated"})";

SignatureSettings GitHub(std::vector<std::string> secrets = {kGitHubSecret}) {
  SignatureSettings settings;
  settings.scheme = SignatureScheme::kGitHub;
  settings.secrets = std::move(secrets);
  return settings;
}

SignatureSettings Generic(HmacFormat::Encoding encoding, std::string prefix = "",
                          std::vector<std::string> secrets = {"generic-secret"}) {
  SignatureSettings settings;
  settings.scheme = SignatureScheme::kHmacSha256;
  settings.secrets = std::move(secrets);
  settings.hmac.header = "X-Signature";
  settings.hmac.encoding = encoding;
  settings.hmac.prefix = std::move(prefix);
  return settings;
}

SignatureVerdict Verify(const SignatureSettings& settings, const Fields& fields,
                        const std::string& body) {
  return VerifySignature(settings, fields.Lookup(), body, At(1700000000));
}

Fields One(std::string name, std::string value) {
  Fields fields;
  fields.Add(std::move(name), std::move(value));
  return fields;
}

Fields Hub(std::string value) { return One("x-hub-signature-256", std::move(value)); }

TEST(GitHubSignatureTest, DocumentedExampleIsValid) {
  EXPECT_EQ("sha256=" + Hex(HmacRaw(kGitHubSecret, kGitHubBody)), kGitHubSignature);
  EXPECT_EQ(Verify(GitHub(), Hub(kGitHubSignature), kGitHubBody), SignatureVerdict::kValid);
}

TEST(GitHubSignatureTest, WrongSecretOrChangedBodyIsInvalid) {
  EXPECT_EQ(Verify(GitHub({"It's a Secret to Everybody!"}), Hub(kGitHubSignature), kGitHubBody),
            SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(GitHub(), Hub(kGitHubSignature), "Hello, World?"), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(GitHub(), Hub(kGitHubSignature), "Hello, World!\n"), SignatureVerdict::kInvalid);
}

TEST(GitHubSignatureTest, EitherRotatedSecretMatches) {
  SignatureSettings both = GitHub({"the new secret", kGitHubSecret});
  EXPECT_EQ(Verify(both, Hub(kGitHubSignature), kGitHubBody), SignatureVerdict::kValid);
  std::string by_new = "sha256=" + Hex(HmacRaw("the new secret", kBody));
  EXPECT_EQ(Verify(both, Hub(by_new), kBody), SignatureVerdict::kValid);
}

TEST(GitHubSignatureTest, UpperCaseHexIsTheSameDigest) {
  std::string upper = "sha256=" + Upper(std::string(kGitHubSignature).substr(7));
  EXPECT_EQ(Verify(GitHub(), Hub(upper), kGitHubBody), SignatureVerdict::kValid);
  // The prefix is matched exactly.
  EXPECT_EQ(Verify(GitHub(), Hub(Upper(kGitHubSignature)), kGitHubBody),
            SignatureVerdict::kInvalid);
}

TEST(GitHubSignatureTest, TruncatedOrGarbageSignatureIsInvalid) {
  std::string signature = kGitHubSignature;
  for (std::string value :
       {signature.substr(0, signature.size() - 1), signature.substr(0, 7), signature + "0",
        signature.substr(7), "sha1=" + signature.substr(7), "sha256= " + signature.substr(7),
        signature.substr(0, 20) + "zz" + signature.substr(22), std::string("\0\xff", 2),
        "sha256=" + Base64(HmacRaw(kGitHubSecret, kGitHubBody)), signature + "," + signature}) {
    EXPECT_EQ(Verify(GitHub(), Hub(value), kGitHubBody), SignatureVerdict::kInvalid) << value;
  }
}

TEST(GitHubSignatureTest, DuplicatedHeaderIsInvalidEvenIfOneMatches) {
  Fields fields = Hub("sha256=" + std::string(64, '0'));
  fields.Add("X-Hub-Signature-256", kGitHubSignature);
  EXPECT_EQ(Verify(GitHub(), fields, kGitHubBody), SignatureVerdict::kInvalid);
  Fields same_twice = Hub(kGitHubSignature);
  same_twice.Add("X-HUB-SIGNATURE-256", kGitHubSignature);
  EXPECT_EQ(Verify(GitHub(), same_twice, kGitHubBody), SignatureVerdict::kInvalid);
}

TEST(GitHubSignatureTest, MissingHeaderIsMissing) {
  EXPECT_EQ(Verify(GitHub(), Fields(), kGitHubBody), SignatureVerdict::kMissing);
  EXPECT_EQ(Verify(GitHub(), Hub(""), kGitHubBody), SignatureVerdict::kMissing);
  // The legacy SHA-1 header alone is not accepted.
  EXPECT_EQ(Verify(GitHub(), One("X-Hub-Signature", "sha1=0123"), kGitHubBody),
            SignatureVerdict::kMissing);
}

TEST(GenericHmacTest, HexWithPrefixIsValidInEitherCase) {
  SignatureSettings settings = Generic(HmacFormat::Encoding::kHex, "sha256=");
  std::string hex = Hex(HmacRaw("generic-secret", kBody));
  EXPECT_EQ(Verify(settings, One("x-signature", "sha256=" + hex), kBody), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(settings, One("X-Signature", "sha256=" + Upper(hex)), kBody),
            SignatureVerdict::kValid);
  EXPECT_EQ(Verify(settings, One("X-Signature", hex), kBody), SignatureVerdict::kInvalid);
}

TEST(GenericHmacTest, Base64WithoutPrefixIsValidPaddedOrNot) {
  SignatureSettings settings = Generic(HmacFormat::Encoding::kBase64);
  std::string base64 = Base64(HmacRaw("generic-secret", kBody));
  ASSERT_EQ(base64.back(), '=');
  EXPECT_EQ(Verify(settings, One("X-Signature", base64), kBody), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(settings, One("X-Signature", base64.substr(0, 43)), kBody),
            SignatureVerdict::kValid);
  EXPECT_EQ(Verify(settings, One("X-Signature", base64.substr(0, 42)), kBody),
            SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(settings, One("X-Signature", Hex(HmacRaw("generic-secret", kBody))), kBody),
            SignatureVerdict::kInvalid);
}

TEST(GenericHmacTest, RotationWrongSecretAndChangedBody) {
  SignatureSettings settings = Generic(HmacFormat::Encoding::kHex, "", {"old", "new"});
  for (const char* secret : {"old", "new"}) {
    EXPECT_EQ(Verify(settings, One("X-Signature", Hex(HmacRaw(secret, kBody))), kBody),
              SignatureVerdict::kValid)
        << secret;
  }
  EXPECT_EQ(Verify(settings, One("X-Signature", Hex(HmacRaw("other", kBody))), kBody),
            SignatureVerdict::kInvalid);
  std::string changed = kBody;
  changed.back() = ']';
  EXPECT_EQ(Verify(settings, One("X-Signature", Hex(HmacRaw("new", kBody))), changed),
            SignatureVerdict::kInvalid);
}

TEST(GenericHmacTest, DuplicatedMissingAndGarbage) {
  SignatureSettings settings = Generic(HmacFormat::Encoding::kHex);
  std::string hex = Hex(HmacRaw("generic-secret", kBody));
  Fields twice = One("X-Signature", hex);
  twice.Add("x-signature", hex);
  EXPECT_EQ(Verify(settings, twice, kBody), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(settings, One("X-Other", hex), kBody), SignatureVerdict::kMissing);
  for (std::string garbage :
       {hex.substr(1), hex + hex, std::string(64, 'g'), std::string(1, '\0')}) {
    EXPECT_EQ(Verify(settings, One("X-Signature", garbage), kBody), SignatureVerdict::kInvalid);
  }
}

TEST(GenericHmacTest, EmptyHeaderNameInUncheckedSettingsIsInvalid) {
  SignatureSettings settings = Generic(HmacFormat::Encoding::kHex);
  settings.hmac.header.clear();
  EXPECT_EQ(Verify(settings, One("", "x"), kBody), SignatureVerdict::kInvalid);
}

}  // namespace
}  // namespace hookbridge
