// Building blocks shared by the signature schemes in src/auth: HMAC-SHA256
// over several pieces without copying the body, strict decoding of fixed-size
// digests, the single value of a header, and Unix timestamps. Internal to
// hookbridge_auth; stateless and thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/auth/signature.h"

namespace hookbridge::signature_internal {

inline constexpr size_t kDigestSize = 32;  // SHA-256
using Digest = std::array<unsigned char, kDigestSize>;

// HMAC-SHA256 under `key` of the concatenation of `pieces`. False if OpenSSL
// fails (e.g. an empty key), which the caller treats as "no match".
bool HmacSha256(std::string_view key, std::initializer_list<std::string_view> pieces, Digest* out);

// HMAC-SHA1 (Twilio's), the same way over `count` pieces from `pieces`.
inline constexpr size_t kSha1Size = 20;
using Sha1Digest = std::array<unsigned char, kSha1Size>;
bool HmacSha1(std::string_view key, const std::string_view* pieces, size_t count, Sha1Digest* out);

// The SHA-256 of `bytes` as 64 lowercase hex digits; "" if OpenSSL fails.
std::string Sha256Hex(std::string_view bytes);
// A digest as 64 lowercase hex digits, as the senders write theirs.
std::string HexOf(const Digest& digest);

// Exactly 64 hex digits of either case: the presented digest, not a secret,
// so the table lookup needs no constant time.
bool DecodeHexDigest(std::string_view text, Digest* out);
// Standard base64 alphabet, '=' padding optional, canonical (the unused low
// bits of the last character are zero), decoding to exactly 32 bytes.
bool DecodeBase64Digest(std::string_view text, Digest* out);
// The same strict base64 for any length; nullopt if `text` is not base64.
std::optional<std::string> DecodeBase64(std::string_view text);

// The HMAC key of a Standard Webhooks secret: base64 after an optional
// "whsec_" prefix. nullopt, with *why set, if it is not base64 or is empty.
std::optional<std::string> StandardWebhooksKey(std::string_view secret, const char** why);

enum class HeaderPresence { kAbsent, kOne, kSeveral };
// The value of header `name` trimmed of spaces and tabs. A header received
// once with an empty value counts as absent; received twice or more, as
// several, whatever the values.
HeaderPresence SingleHeader(const HeaderLookup& headers, std::string_view name,
                            std::string_view* value);

// The value of each header of `names` into `values` (as many): nullopt when
// every one came once. Otherwise the verdict: kInvalid if any came several
// times (checked first: with two ids or two timestamps, which one was signed
// is a guess, and a proxy may keep the other one), else kMissing.
std::optional<SignatureVerdict> ReadHeaders(const HeaderLookup& headers,
                                            std::initializer_list<const char*> names,
                                            std::string_view* values);

// A signed timestamp judged against `now`, after its signature matched (so
// kStaleTimestamp always means "authentic but outside the window"): kValid
// within `tolerance` either way (exactly `tolerance` away included, as the
// senders' libraries), else kStaleTimestamp.
SignatureVerdict JudgeTimestampBothWays(int64_t timestamp, std::chrono::seconds tolerance,
                                        std::chrono::system_clock::time_point now);

// Unix seconds as senders write them: decimal digits only, no sign, no
// leading zero, at most 12 digits (so the value and the signed text agree).
bool ParseUnixSeconds(std::string_view text, int64_t* seconds);
int64_t UnixSeconds(std::chrono::system_clock::time_point now);

// The schemes, one file each.
SignatureVerdict VerifyStandardWebhooks(const SignatureSettings& settings,
                                        const HeaderLookup& headers, std::string_view body,
                                        std::chrono::system_clock::time_point now);
SignatureVerdict VerifyStripe(const SignatureSettings& settings, const HeaderLookup& headers,
                              std::string_view body, std::chrono::system_clock::time_point now);
// Slack and Zoom: "v0=<hex>" over "v0:<timestamp>:<body>", each under its
// own header names.
struct V0Headers {
  const char* timestamp;
  const char* signature;
};
SignatureVerdict VerifyV0Timestamped(const SignatureSettings& settings, const V0Headers& names,
                                     const HeaderLookup& headers, std::string_view body,
                                     std::chrono::system_clock::time_point now);
// GitHub, Meta, Shopify and the generic header: HMAC-SHA256 of the body alone.
SignatureVerdict VerifyBodyHmac(const std::vector<std::string>& secrets, const HmacFormat& format,
                                const HeaderLookup& headers, std::string_view body);
// Twilio: HMAC-SHA1 over the public URL with the request's query, then the
// form's fields (or, with a bodySHA256 query parameter, the body's SHA-256).
SignatureVerdict VerifyTwilio(const SignatureSettings& settings, const HeaderLookup& headers,
                              std::string_view body, std::string_view query);

// Constant time (CRYPTO_memcmp): both are fixed-size digests.
bool DigestsEqual(const Digest& a, const Digest& b);

// True if the digest that `compute(i, &digest)` makes under secret i equals
// any presented digest, for some i. Every pair is compared and nothing exits
// early, so the time depends on the counts, never on where bytes differ or
// which secret matched.
template <typename ComputeDigest>
bool AnyDigestMatches(size_t secret_count, ComputeDigest compute,
                      const std::vector<Digest>& presented) {
  bool match = false;
  for (size_t i = 0; i < secret_count; ++i) {
    Digest expected;
    if (!compute(i, &expected)) continue;  // a secret OpenSSL refused matches nothing
    for (const Digest& candidate : presented) match |= DigestsEqual(expected, candidate);
  }
  return match;
}

}  // namespace hookbridge::signature_internal
