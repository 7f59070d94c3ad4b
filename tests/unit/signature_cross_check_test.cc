// Cross-check against an independent signer: tests/unit/sign_webhooks.py
// signs random bodies under random secrets for every scheme with Python's
// hmac, hashlib and base64; each request must verify, and must stop
// verifying once one byte of its body changes. Seeded: the same requests on
// every run. HOOKBRIDGE_SIGNER, when set, is the signer command instead:
// tests/senders runs this test with the senders' own signing code.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hookbridge/auth/signature.h"
#include "signature_test_util.h"

namespace hookbridge {
namespace {

using signature_test::At;
using signature_test::Fields;

constexpr int64_t kNow = 1700000000;
constexpr int kRequests = 500;

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t end = line.find('\t', start);
    fields.push_back(line.substr(start, end - start));
    if (end == std::string::npos) return fields;
    start = end + 1;
  }
}

std::string FromHex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

struct SignedRequest {
  SignatureSettings settings;
  std::string body;
  Fields fields;
  std::string query;  // Twilio's: the request target's query
};

SignatureSettings SettingsFor(const std::string& scheme, std::string secret) {
  static const std::map<std::string, SignatureScheme> kSchemes = {
      {"standard", SignatureScheme::kStandardWebhooks},
      {"svix", SignatureScheme::kStandardWebhooks},
      {"github", SignatureScheme::kGitHub},
      {"stripe", SignatureScheme::kStripe},
      {"hmac-hex", SignatureScheme::kHmacSha256},
      {"hmac-base64", SignatureScheme::kHmacSha256},
      {"slack", SignatureScheme::kSlack},
      {"zoom", SignatureScheme::kZoom},
      {"shopify", SignatureScheme::kShopify},
      {"meta", SignatureScheme::kMeta},
      {"twilio", SignatureScheme::kTwilio}};
  SignatureSettings settings;
  settings.scheme = kSchemes.at(scheme);
  settings.secrets = {std::move(secret)};
  settings.hmac.header = "X-Signature";
  if (scheme == "hmac-hex") settings.hmac.prefix = "sha256=";
  if (scheme == "hmac-base64") settings.hmac.encoding = HmacFormat::Encoding::kBase64;
  return settings;
}

// Runs the signer; an empty list (and a test failure) if it cannot run.
std::vector<SignedRequest> SignWithPython(int seed, int count) {
  const char* signer = std::getenv("HOOKBRIDGE_SIGNER");
  std::string command =
      (signer != nullptr ? std::string(signer) : std::string("python3 ") + HOOKBRIDGE_SIGN_SCRIPT) +
      " " + std::to_string(seed) + " " + std::to_string(count) + " " + std::to_string(kNow);
  std::printf("signer: %s\n", command.c_str());
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  std::vector<SignedRequest> requests;
  if (!pipe) {
    ADD_FAILURE() << "cannot run " << command;
    return requests;
  }
  std::string line;
  for (int c; (c = fgetc(pipe.get())) != EOF;) {
    if (c != '\n') {
      line.push_back(static_cast<char>(c));
      continue;
    }
    std::vector<std::string> fields = SplitTabs(line);
    line.clear();
    if (fields.size() < 5 || fields.size() % 2 != 1) {
      ADD_FAILURE() << "malformed signer line";
      continue;
    }
    SignedRequest request{SettingsFor(fields[0], FromHex(fields[1])), FromHex(fields[2]), {}, {}};
    for (size_t i = 3; i + 1 < fields.size(); i += 2) {
      // Twilio's setting and query, as pseudo-fields no header name can be.
      if (fields[i] == "@public_url") {
        request.settings.public_url = FromHex(fields[i + 1]);
      } else if (fields[i] == "@query") {
        request.query = FromHex(fields[i + 1]);
      } else {
        request.fields.Add(fields[i], FromHex(fields[i + 1]));
      }
    }
    requests.push_back(std::move(request));
  }
  EXPECT_EQ(pclose(pipe.release()), 0) << command;
  return requests;
}

TEST(SignatureCrossCheckTest, PythonSignedRequestsVerifyAndTamperedOnesDoNot) {
  std::vector<SignedRequest> requests = SignWithPython(13, kRequests);
  ASSERT_EQ(requests.size(), static_cast<size_t>(kRequests));
  for (size_t i = 0; i < requests.size(); ++i) {
    const SignedRequest& request = requests[i];
    ASSERT_EQ(CheckSignatureSettings(request.settings), "") << "request " << i;
    EXPECT_EQ(VerifySignature(request.settings, request.fields.Lookup(), request.body, At(kNow),
                              request.query),
              SignatureVerdict::kValid)
        << "request " << i;
    std::string tampered = request.body;
    if (tampered.empty()) {
      tampered = "x";
    } else {
      tampered[i % tampered.size()] ^= static_cast<char>(1 + i % 255);
    }
    EXPECT_EQ(VerifySignature(request.settings, request.fields.Lookup(), tampered, At(kNow),
                              request.query),
              SignatureVerdict::kInvalid)
        << "request " << i;
  }
}

}  // namespace
}  // namespace hookbridge
