// Standard Webhooks (standardwebhooks.com, the spec's "Verifying webhook
// authenticity"): HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>"
// under the base64-decoded secret, presented as space-separated "v1,<base64>"
// entries in webhook-signature. Svix, the spec's origin, sends the same
// scheme under svix-id, svix-timestamp and svix-signature by default (the
// webhook-* names are its white-label option), and its libraries read both.
#include "signature_primitives.h"

namespace hookbridge::signature_internal {
namespace {

struct HeaderFamily {
  const char* id;
  const char* timestamp;
  const char* signature;
};
constexpr HeaderFamily kWebhookHeaders{"webhook-id", "webhook-timestamp", "webhook-signature"};
constexpr HeaderFamily kSvixHeaders{"svix-id", "svix-timestamp", "svix-signature"};

bool AnyReceived(const HeaderLookup& headers, const HeaderFamily& family) {
  return !headers(family.id).empty() || !headers(family.timestamp).empty() ||
         !headers(family.signature).empty();
}

}  // namespace

SignatureVerdict VerifyStandardWebhooks(const SignatureSettings& settings,
                                        const HeaderLookup& headers, std::string_view body,
                                        std::chrono::system_clock::time_point now) {
  // One family or the other, never a mix: with a webhook-id and a svix-id,
  // which one was signed is a guess, and the record's id is read from the
  // family that verified (source.cc).
  const bool svix = AnyReceived(headers, kSvixHeaders);
  if (svix && AnyReceived(headers, kWebhookHeaders)) return SignatureVerdict::kInvalid;
  const HeaderFamily& family = svix ? kSvixHeaders : kWebhookHeaders;
  std::array<std::string_view, 3> values;
  if (std::optional<SignatureVerdict> refused =
          ReadHeaders(headers, {family.id, family.timestamp, family.signature}, values.data())) {
    return *refused;
  }
  const std::string_view id = values[0];
  const std::string_view timestamp_text = values[1];
  const std::string_view signatures = values[2];
  int64_t timestamp = 0;
  if (!ParseUnixSeconds(timestamp_text, &timestamp)) return SignatureVerdict::kInvalid;

  // Each entry is "<version>,<signature>"; only v1 (HMAC-SHA256) is ours.
  // Other versions (v1a is the spec's asymmetric one) are skipped, as the
  // spec asks, but a malformed entry refuses the whole header.
  std::vector<Digest> presented;
  size_t start = 0;
  while (start <= signatures.size()) {
    size_t end = signatures.find(' ', start);
    if (end == std::string_view::npos) end = signatures.size();
    std::string_view entry = signatures.substr(start, end - start);
    start = end + 1;
    if (entry.empty()) continue;  // several spaces in a row
    size_t comma = entry.find(',');
    if (comma == std::string_view::npos || comma == 0) return SignatureVerdict::kInvalid;
    if (entry.substr(0, comma) != "v1") continue;
    Digest digest;
    if (!DecodeBase64Digest(entry.substr(comma + 1), &digest)) return SignatureVerdict::kInvalid;
    presented.push_back(digest);
  }
  if (presented.empty()) return SignatureVerdict::kInvalid;

  const std::vector<std::string>& secrets = settings.secrets;
  auto compute = [&](size_t i, Digest* digest) {
    const char* why = nullptr;
    std::optional<std::string> key = StandardWebhooksKey(secrets[i], &why);
    return key && HmacSha256(*key, {id, ".", timestamp_text, ".", body}, digest);
  };
  if (!AnyDigestMatches(secrets.size(), compute, presented)) return SignatureVerdict::kInvalid;

  return JudgeTimestampBothWays(timestamp, settings.tolerance, now);
}

}  // namespace hookbridge::signature_internal
