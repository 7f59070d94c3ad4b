// The "v0" scheme that Slack (api.slack.com "Verifying requests from Slack")
// and Zoom (developers.zoom.us "Verify webhook events") both use, under their
// own header names: HMAC-SHA256 under the secret's bytes of
// "v0:<timestamp>:<body>", presented as "v0=<hex>". Slack's SDKs
// (slack_sdk's SignatureVerifier, @slack/bolt) refuse a timestamp more than
// five minutes from now; Zoom's documentation gives no window, so the same
// one is kept: both directions, the source's tolerance (300 s by default).
#include "signature_primitives.h"

namespace hookbridge::signature_internal {

SignatureVerdict VerifyV0Timestamped(const SignatureSettings& settings, const V0Headers& names,
                                     const HeaderLookup& headers, std::string_view body,
                                     std::chrono::system_clock::time_point now) {
  std::array<std::string_view, 2> values;
  if (std::optional<SignatureVerdict> refused =
          ReadHeaders(headers, {names.timestamp, names.signature}, values.data())) {
    return *refused;
  }
  const std::string_view timestamp_text = values[0];
  const std::string_view signature = values[1];
  int64_t timestamp = 0;
  if (!ParseUnixSeconds(timestamp_text, &timestamp)) return SignatureVerdict::kInvalid;
  constexpr std::string_view kPrefix = "v0=";
  if (signature.substr(0, kPrefix.size()) != kPrefix) return SignatureVerdict::kInvalid;
  std::vector<Digest> presented(1);
  if (!DecodeHexDigest(signature.substr(kPrefix.size()), &presented[0])) {
    return SignatureVerdict::kInvalid;
  }
  const std::vector<std::string>& secrets = settings.secrets;
  auto compute = [&](size_t i, Digest* digest) {
    return HmacSha256(secrets[i], {"v0:", timestamp_text, ":", body}, digest);
  };
  if (!AnyDigestMatches(secrets.size(), compute, presented)) return SignatureVerdict::kInvalid;

  return JudgeTimestampBothWays(timestamp, settings.tolerance, now);
}

}  // namespace hookbridge::signature_internal

namespace hookbridge {

std::string ZoomEncryptedToken(std::string_view secret, std::string_view plain_token) {
  signature_internal::Digest digest;
  if (!signature_internal::HmacSha256(secret, {plain_token}, &digest)) return "";
  return signature_internal::HexOf(digest);
}

}  // namespace hookbridge
