// Verification of signed webhooks: Standard Webhooks (and Svix), GitHub,
// Stripe, Slack, Zoom, Shopify, Meta, Twilio, and a configurable HMAC-SHA256 header
// for the senders that follow none of them.
//
// Plain functions over header values and the raw body: no HTTP library, no
// state, no logging (so a secret can never reach a log). Thread-safe: any
// number of threads may verify at once with the same settings. The caller
// owns the settings, checks them once at start-up with
// CheckSignatureSettings(), and answers 401 for any verdict but kValid.
// docs/signatures.md describes each scheme as a sender sees it.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbridge {

// Every value of one request header, looked up case-insensitively by name.
// The views must stay valid for the duration of the VerifySignature() call.
using HeaderLookup = std::function<std::vector<std::string_view>(std::string_view name)>;

enum class SignatureScheme {
  kStandardWebhooks,  // webhook-id, webhook-timestamp, webhook-signature, or svix-* (Svix)
  kGitHub,            // X-Hub-Signature-256: sha256=<hex>
  kStripe,            // Stripe-Signature: t=<unix>,v1=<hex>
  kHmacSha256,        // HMAC-SHA256 of the body in the header that HmacFormat names
  kSlack,             // X-Slack-Signature: v0=<hex> over v0:<X-Slack-Request-Timestamp>:<body>
  kZoom,              // x-zm-signature: v0=<hex> over v0:<x-zm-request-timestamp>:<body>
  kShopify,           // X-Shopify-Hmac-Sha256: <base64> of the body
  kMeta,              // X-Hub-Signature-256: sha256=<hex> of the body (Meta's app secret)
  kTwilio,  // X-Twilio-Signature: <base64> HMAC-SHA1 over the public URL and the sorted form
};

struct HmacFormat {    // for kHmacSha256 (the long tail)
  std::string header;  // e.g. "X-Signature"
  enum class Encoding { kHex, kBase64 } encoding = Encoding::kHex;
  std::string prefix;  // e.g. "sha256=", may be empty; matched exactly
};

struct SignatureSettings {
  SignatureScheme scheme = SignatureScheme::kHmacSha256;
  // As configured: several active at once for rotation. Standard Webhooks:
  // "whsec_" + base64 of the key; the others: the secret's bytes as the key.
  std::vector<std::string> secrets;
  // Timestamp schemes: Standard Webhooks, Slack and Zoom both directions,
  // Stripe past only (as Stripe's libraries do). Ignored by the others.
  std::chrono::seconds tolerance{300};
  HmacFormat hmac;  // kHmacSha256 only
  // kTwilio only: the URL the sender was given, without its query (e.g.
  // "https://hooks.example.com/webhooks/twilio"). Twilio signs the URL it
  // requested, which a proxy in front of hookbridge may have rewritten.
  std::string public_url;
};

enum class SignatureVerdict {
  kValid,
  kMissing,         // the signature header(s) absent
  kInvalid,         // malformed or no signature matches any secret
  kStaleTimestamp,  // timestamp outside tolerance (Stripe: older; the others: either side)
};

// Checks `body` (the raw bytes as received, before any parsing) against the
// scheme's headers. Constant-time comparisons (CRYPTO_memcmp). Never logs secrets.
// A header the scheme reads that arrives more than once makes the request
// kInvalid. kStaleTimestamp is only returned for a signature that matches:
// the request is authentic but too old (or, but for Stripe, too new).
// `query` is the request target's query as received, without the '?' ("" if
// none): only Twilio signs it (as part of the URL).
SignatureVerdict VerifySignature(const SignatureSettings& settings, const HeaderLookup& headers,
                                 std::string_view body, std::chrono::system_clock::time_point now,
                                 std::string_view query = {});

// Start-up validation of the settings (e.g. a whsec_ secret that is not base64, empty secret list,
// hmac header empty): returns an error message naming the field ("secrets[1]: ..."), empty if fine.
// Messages never contain a secret.
std::string CheckSignatureSettings(const SignatureSettings& settings);

// The problem of a Twilio public_url, or "" if it is fine: an absolute
// http(s) URL of visible ASCII, with a host and without query or fragment.
std::string TwilioPublicUrlProblem(std::string_view url);

// Zoom's answer to its endpoint.url_validation event (developers.zoom.us,
// "Validate your webhook endpoint"): the hex HMAC-SHA256 of `plain_token`
// under `secret`, the secret token that signed the event. "" if OpenSSL fails.
std::string ZoomEncryptedToken(std::string_view secret, std::string_view plain_token);

// "valid", "missing", "invalid", "stale_timestamp": for logs and metric labels.
const char* SignatureVerdictName(SignatureVerdict verdict);

}  // namespace hookbridge
