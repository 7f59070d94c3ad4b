// The public face of src/auth: picks the scheme, and checks the settings once
// at start-up so a bad secret stops the service instead of refusing every
// webhook with 401.
#include "hookbridge/auth/signature.h"

#include "hookbridge/rules/rules.h"
#include "signature_primitives.h"

namespace hookbridge {
namespace {

using signature_internal::VerifyBodyHmac;

// Longest tolerance accepted: beyond a day a timestamp no longer limits replays.
constexpr std::chrono::seconds kMaxTolerance{86400};

// GitHub's, and Meta's (developers.facebook.com, Graph API "Webhooks",
// "Validating Payloads"): the same header and spelling.
const HmacFormat& HubSignatureFormat() {
  static const HmacFormat format{"X-Hub-Signature-256", HmacFormat::Encoding::kHex, "sha256="};
  return format;
}

// shopify.dev "Verify webhooks": the base64 of the HMAC-SHA256 of the body
// under the app's client secret.
const HmacFormat& ShopifyFormat() {
  static const HmacFormat format{"X-Shopify-Hmac-Sha256", HmacFormat::Encoding::kBase64, ""};
  return format;
}

constexpr signature_internal::V0Headers kSlackHeaders{"X-Slack-Request-Timestamp",
                                                      "X-Slack-Signature"};
constexpr signature_internal::V0Headers kZoomHeaders{"x-zm-request-timestamp", "x-zm-signature"};

// The first problem of secret `index`, or "" (never the secret itself).
std::string CheckSecret(SignatureScheme scheme, const std::string& secret, size_t index) {
  const std::string field = "secrets[" + std::to_string(index) + "]: ";
  if (secret.empty()) return field + "is empty";
  // A newline or space at either end is almost always a copy-paste slip, and
  // would make every signature fail.
  if (IsWhiteSpace(secret.front()) || IsWhiteSpace(secret.back())) {
    return field + "starts or ends with white space";
  }
  if (scheme == SignatureScheme::kStandardWebhooks) {
    const char* why = nullptr;
    if (!signature_internal::StandardWebhooksKey(secret, &why)) return field + why;
  }
  return "";
}

}  // namespace

SignatureVerdict VerifySignature(const SignatureSettings& settings, const HeaderLookup& headers,
                                 std::string_view body, std::chrono::system_clock::time_point now,
                                 std::string_view query) {
  switch (settings.scheme) {
    case SignatureScheme::kStandardWebhooks:
      return signature_internal::VerifyStandardWebhooks(settings, headers, body, now);
    case SignatureScheme::kStripe:
      return signature_internal::VerifyStripe(settings, headers, body, now);
    case SignatureScheme::kGitHub:
    case SignatureScheme::kMeta:
      return VerifyBodyHmac(settings.secrets, HubSignatureFormat(), headers, body);
    case SignatureScheme::kShopify:
      return VerifyBodyHmac(settings.secrets, ShopifyFormat(), headers, body);
    case SignatureScheme::kSlack:
      return signature_internal::VerifyV0Timestamped(settings, kSlackHeaders, headers, body, now);
    case SignatureScheme::kZoom:
      return signature_internal::VerifyV0Timestamped(settings, kZoomHeaders, headers, body, now);
    case SignatureScheme::kTwilio:
      // An unchecked URL would be signed as it is: refuse.
      if (!TwilioPublicUrlProblem(settings.public_url).empty()) return SignatureVerdict::kInvalid;
      return signature_internal::VerifyTwilio(settings, headers, body, query);
    case SignatureScheme::kHmacSha256:
      // An unchecked empty header name would match nothing anyway: refuse.
      if (settings.hmac.header.empty()) return SignatureVerdict::kInvalid;
      return VerifyBodyHmac(settings.secrets, settings.hmac, headers, body);
  }
  return SignatureVerdict::kInvalid;
}

std::string CheckSignatureSettings(const SignatureSettings& settings) {
  if (settings.secrets.empty()) return "secrets: at least one secret is needed";
  for (size_t i = 0; i < settings.secrets.size(); ++i) {
    std::string error = CheckSecret(settings.scheme, settings.secrets[i], i);
    if (!error.empty()) return error;
  }
  const bool timed = settings.scheme == SignatureScheme::kStandardWebhooks ||
                     settings.scheme == SignatureScheme::kStripe ||
                     settings.scheme == SignatureScheme::kSlack ||
                     settings.scheme == SignatureScheme::kZoom;
  if (timed && (settings.tolerance.count() < 1 || settings.tolerance > kMaxTolerance)) {
    return "tolerance: must be between 1 and " + std::to_string(kMaxTolerance.count()) + " seconds";
  }
  if (settings.scheme == SignatureScheme::kTwilio) {
    const std::string problem = TwilioPublicUrlProblem(settings.public_url);
    if (!problem.empty()) return "public_url: " + problem;
  }
  if (settings.scheme == SignatureScheme::kHmacSha256) {
    if (settings.hmac.header.empty()) return "hmac.header: is empty";
    if (!IsToken(settings.hmac.header)) {  // RFC 9110: a field name is a token
      return "hmac.header: is not a valid header name";
    }
    for (char c : settings.hmac.prefix) {
      if (c <= ' ' || c > '~') return "hmac.prefix: may only hold visible ASCII characters";
    }
  }
  return "";
}

const char* SignatureVerdictName(SignatureVerdict verdict) {
  switch (verdict) {
    case SignatureVerdict::kValid: return "valid";
    case SignatureVerdict::kMissing: return "missing";
    case SignatureVerdict::kInvalid: return "invalid";
    case SignatureVerdict::kStaleTimestamp: return "stale_timestamp";
  }
  return "invalid";
}

}  // namespace hookbridge
