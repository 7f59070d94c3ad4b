// HMAC-SHA256 of the body alone, in one header: GitHub's X-Hub-Signature-256
// ("sha256=<hex>", docs.github.com "Validating webhook deliveries") and the
// configurable header of the senders that follow no published scheme. No
// timestamp, so no replay protection: the sender's choice, not ours.
#include "signature_primitives.h"

namespace hookbridge::signature_internal {

SignatureVerdict VerifyBodyHmac(const std::vector<std::string>& secrets, const HmacFormat& format,
                                const HeaderLookup& headers, std::string_view body) {
  std::string_view value;
  switch (SingleHeader(headers, format.header, &value)) {
    case HeaderPresence::kAbsent: return SignatureVerdict::kMissing;
    case HeaderPresence::kSeveral: return SignatureVerdict::kInvalid;
    case HeaderPresence::kOne: break;
  }
  if (value.substr(0, format.prefix.size()) != format.prefix) return SignatureVerdict::kInvalid;
  value.remove_prefix(format.prefix.size());
  std::vector<Digest> presented(1);
  const bool decoded = format.encoding == HmacFormat::Encoding::kHex
                           ? DecodeHexDigest(value, &presented[0])
                           : DecodeBase64Digest(value, &presented[0]);
  if (!decoded) return SignatureVerdict::kInvalid;
  auto compute = [&](size_t i, Digest* digest) { return HmacSha256(secrets[i], {body}, digest); };
  return AnyDigestMatches(secrets.size(), compute, presented) ? SignatureVerdict::kValid
                                                              : SignatureVerdict::kInvalid;
}

}  // namespace hookbridge::signature_internal
