// Stripe (docs.stripe.com "Verify webhook signatures", and the verifyHeader /
// verify_header code of stripe-node and stripe-python): the Stripe-Signature
// header is "t=<unix>,v1=<hex>[,v1=<hex>...][,v0=<hex>]", and each v1 is the
// HMAC-SHA256 of "<t>.<body>" under the whole secret ("whsec_..." included)
// taken as bytes.
#include "hookbridge/rules/rules.h"
#include "signature_primitives.h"

namespace hookbridge::signature_internal {

SignatureVerdict VerifyStripe(const SignatureSettings& settings, const HeaderLookup& headers,
                              std::string_view body, std::chrono::system_clock::time_point now) {
  std::string_view value;
  switch (SingleHeader(headers, "Stripe-Signature", &value)) {
    case HeaderPresence::kAbsent: return SignatureVerdict::kMissing;
    case HeaderPresence::kSeveral: return SignatureVerdict::kInvalid;
    case HeaderPresence::kOne: break;
  }

  std::string_view timestamp_text;
  std::vector<Digest> presented;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(',', start);
    if (end == std::string_view::npos) end = value.size();
    std::string_view item = value.substr(start, end - start);
    start = end + 1;
    item = TrimOws(item);
    size_t equals = item.find('=');
    if (equals == std::string_view::npos || equals == 0) return SignatureVerdict::kInvalid;
    std::string_view key = item.substr(0, equals);
    std::string_view text = item.substr(equals + 1);
    if (key == "t") {
      // stripe-node keeps the last t, stripe-python the first: with two, the
      // signed one is a guess, so neither is taken.
      if (!timestamp_text.empty()) return SignatureVerdict::kInvalid;
      timestamp_text = text;
      if (timestamp_text.empty()) return SignatureVerdict::kInvalid;
    } else if (key == "v1") {
      Digest digest;
      if (!DecodeHexDigest(text, &digest)) return SignatureVerdict::kInvalid;
      presented.push_back(digest);
    }
    // v0 (Stripe's test-mode scheme) and any scheme Stripe adds later are
    // skipped, as Stripe's libraries do.
  }
  int64_t timestamp = 0;
  if (!ParseUnixSeconds(timestamp_text, &timestamp) || presented.empty()) {
    return SignatureVerdict::kInvalid;
  }

  const std::vector<std::string>& secrets = settings.secrets;
  auto compute = [&](size_t i, Digest* digest) {
    return HmacSha256(secrets[i], {timestamp_text, ".", body}, digest);
  };
  if (!AnyDigestMatches(secrets.size(), compute, presented)) return SignatureVerdict::kInvalid;

  // As Stripe's libraries apply the tolerance: only an age above it is
  // refused (exactly `tolerance` old passes), and a timestamp in the future
  // is accepted. Only the secret's holder can sign a future timestamp, so
  // bounding it would protect against nothing but our own clock running
  // behind, and would refuse genuine events when it does.
  const int64_t age = UnixSeconds(now) - timestamp;
  if (age > settings.tolerance.count()) return SignatureVerdict::kStaleTimestamp;
  return SignatureVerdict::kValid;
}

}  // namespace hookbridge::signature_internal
