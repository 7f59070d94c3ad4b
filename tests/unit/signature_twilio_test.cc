// Twilio's X-Twilio-Signature: the documented examples (the form post of
// Twilio's security page and twilio-php's validation guide, and the JSON
// request of twilio-python's tests), each answer confirmed by the twilio
// package's RequestValidator 9.13.0; then the failures every scheme is held
// to: wrong secret, one byte changed, duplicated and missing headers,
// rotation; and what is particular to Twilio: the URL's port spellings, the
// query, the sorted and de-duplicated fields, the body hash.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>

#include "hookbridge/auth/signature.h"
#include "signature_test_util.h"

namespace hookbridge {
namespace {

using signature_test::At;
using signature_test::Base64;
using signature_test::Fields;

constexpr const char* kToken = "12345";
constexpr const char* kUrl = "https://mycompany.com/myapp.php";
constexpr const char* kQuery = "foo=1&bar=2";
// The fields of the documented <Gather> post, in the order a form may send them.
constexpr const char* kForm =
    "To=%2B18005551212&From=%2B14158675309&Digits=1234&CallSid=CA1234567890ABCDE&Caller=%"
    "2B14158675309";
constexpr const char* kFormSignature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
// twilio-python's tests/unit/test_request_validator.py, the JSON body.
constexpr const char* kJsonBody = R"({"property": "value", "boolean": true})";
constexpr const char* kJsonQuery =
    "foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
constexpr const char* kJsonSignature = "a9nBmqA0ju/hNViExpshrM61xv4=";

SignatureSettings Settings(std::vector<std::string> secrets = {kToken}) {
  SignatureSettings settings;
  settings.scheme = SignatureScheme::kTwilio;
  settings.secrets = std::move(secrets);
  settings.public_url = kUrl;
  return settings;
}

Fields Signed(const std::string& signature) {
  Fields fields;
  fields.Add("X-Twilio-Signature", signature);
  return fields;
}

SignatureVerdict Verify(const SignatureSettings& settings, const Fields& fields,
                        const std::string& body, const std::string& query) {
  return VerifySignature(settings, fields.Lookup(), body, At(1700000000), query);
}

std::string Sign(const std::string& token, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), token.data(), static_cast<int>(token.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  return Base64(std::string(reinterpret_cast<const char*>(digest), length));
}

TEST(TwilioSignatureTest, DocumentedExamplesAreValid) {
  EXPECT_EQ(Verify(Settings(), Signed(kFormSignature), kForm, kQuery), SignatureVerdict::kValid);
  EXPECT_EQ(Verify(Settings(), Signed(kJsonSignature), kJsonBody, kJsonQuery),
            SignatureVerdict::kValid);
}

TEST(TwilioSignatureTest, EveryFailureIsTheSameRefusal) {
  EXPECT_EQ(Verify(Settings({"54321"}), Signed(kFormSignature), kForm, kQuery),
            SignatureVerdict::kInvalid);
  std::string changed = kForm;
  changed[changed.size() - 1] ^= 1;
  EXPECT_EQ(Verify(Settings(), Signed(kFormSignature), changed, kQuery),
            SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(Settings(), Signed(kFormSignature), kForm, "foo=1&bar=3"),
            SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(Settings(), Signed(kFormSignature), kForm, ""), SignatureVerdict::kInvalid);
  SignatureSettings other_url = Settings();
  other_url.public_url = "https://mycompany.com/other.php";
  EXPECT_EQ(Verify(other_url, Signed(kFormSignature), kForm, kQuery), SignatureVerdict::kInvalid);
  // The JSON body changed: its hash no longer matches the signed query.
  std::string json = kJsonBody;
  json[3] ^= 1;
  EXPECT_EQ(Verify(Settings(), Signed(kJsonSignature), json, kJsonQuery),
            SignatureVerdict::kInvalid);
  Fields twice = Signed(kFormSignature);
  twice.Add("x-twilio-signature", kFormSignature);
  EXPECT_EQ(Verify(Settings(), twice, kForm, kQuery), SignatureVerdict::kInvalid);
  EXPECT_EQ(Verify(Settings(), Fields(), kForm, kQuery), SignatureVerdict::kMissing);
  EXPECT_EQ(Verify(Settings(), Signed("not base64!"), kForm, kQuery), SignatureVerdict::kInvalid);
  // The right length, the wrong hash: SHA-256 (Twilio's SharedKey option) is not served.
  EXPECT_EQ(Verify(Settings(), Signed(Base64(std::string(32, 'x'))), kForm, kQuery),
            SignatureVerdict::kInvalid);
}

TEST(TwilioSignatureTest, RotationTakesEitherToken) {
  EXPECT_EQ(Verify(Settings({"new-token", kToken}), Signed(kFormSignature), kForm, kQuery),
            SignatureVerdict::kValid);
}

TEST(TwilioSignatureTest, TheUrlIsTakenWithAndWithoutItsPort) {
  // As Twilio's libraries: the default port added, or the configured one removed.
  const std::string with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
  const std::string sorted =
      "CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212";
  EXPECT_EQ(Verify(Settings(), Signed(Sign(kToken, with_port + sorted)), kForm, kQuery),
            SignatureVerdict::kValid);
  SignatureSettings port = Settings();
  port.public_url = "https://mycompany.com:8443/myapp.php";
  EXPECT_EQ(Verify(port, Signed(kFormSignature), kForm, kQuery), SignatureVerdict::kValid);
  EXPECT_EQ(
      Verify(port,
             Signed(Sign(kToken, "https://mycompany.com:8443/myapp.php?foo=1&bar=2" + sorted)),
             kForm, kQuery),
      SignatureVerdict::kValid);
  SignatureSettings http = Settings();
  http.public_url = "http://mycompany.com";
  EXPECT_EQ(Verify(http, Signed(Sign(kToken, "http://mycompany.com:80")), "", ""),
            SignatureVerdict::kValid);
}

TEST(TwilioSignatureTest, FieldsAreSortedByNameThenValueEachPairOnce) {
  // Decoded before signing; a repeated pair counts once (the library's set()).
  const std::string form = "b=2&a=y&a=x&b=2&c=%E2%82%AC+1";
  const std::string twice = Sign(kToken, std::string(kUrl) + "axayb2b2c\xE2\x82\xAC 1");
  EXPECT_EQ(Verify(Settings(), Signed(twice), form, ""), SignatureVerdict::kInvalid);
  const std::string right = Sign(kToken, std::string(kUrl) + "axayb2c\xE2\x82\xAC 1");
  EXPECT_EQ(Verify(Settings(), Signed(right), form, ""), SignatureVerdict::kValid);
  // A malformed form is refused, not guessed at.
  EXPECT_EQ(Verify(Settings(), Signed(right), "a=%zz", ""), SignatureVerdict::kInvalid);
  // Two body hashes: which one was meant is a guess.
  EXPECT_EQ(Verify(Settings(), Signed(kJsonSignature), kJsonBody,
                   std::string(kJsonQuery) + "&bodySHA256=00"),
            SignatureVerdict::kInvalid);
}

TEST(TwilioSignatureTest, PublicUrlIsCheckedAtStartUp) {
  EXPECT_EQ(CheckSignatureSettings(Settings()), "");
  for (const char* url :
       {"", "mycompany.com/myapp.php", "https://", "https:///path", "https://mycompany.com/a?b=1",
        "https://mycompany.com/a#x", "https://my company.com/"}) {
    SignatureSettings settings = Settings();
    settings.public_url = url;
    EXPECT_EQ(CheckSignatureSettings(settings).rfind("public_url: ", 0), 0u) << url;
    // Never used unchecked.
    EXPECT_EQ(Verify(settings, Signed(kFormSignature), kForm, kQuery), SignatureVerdict::kInvalid);
  }
}

}  // namespace
}  // namespace hookbridge
