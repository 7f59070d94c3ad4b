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
  std::string_view id, timestamp_text, signatures;
  const HeaderPresence presence[] = {SingleHeader(headers, family.id, &id),
                                     SingleHeader(headers, family.timestamp, &timestamp_text),
                                     SingleHeader(headers, family.signature, &signatures)};
  // A repeated header is refused before anything else: with two ids or two
  // timestamps, which one was signed is a guess, and a proxy may keep the
  // other one.
  for (HeaderPresence p : presence) {
    if (p == HeaderPresence::kSeveral) return SignatureVerdict::kInvalid;
  }
  for (HeaderPresence p : presence) {
    if (p == HeaderPresence::kAbsent) return SignatureVerdict::kMissing;
  }
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

  // Checked after the signature, so kStaleTimestamp always means "authentic
  // but outside the window" (a replay or a clock off): useful to an operator,
  // and nothing to an attacker, who gets the same 401 either way. Exactly
  // `tolerance` away is still accepted, as in the spec's reference libraries.
  const int64_t age = UnixSeconds(now) - timestamp;
  const int64_t tolerance = settings.tolerance.count();
  if (age > tolerance || -age > tolerance) return SignatureVerdict::kStaleTimestamp;
  return SignatureVerdict::kValid;
}

}  // namespace hookbridge::signature_internal
