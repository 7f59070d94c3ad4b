#include "signature_primitives.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>

#include "hookbridge/rules/rules.h"

namespace hookbridge::signature_internal {
namespace {

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// -1 for a byte outside the alphabet; built once, read by every request.
constexpr std::array<int8_t, 256> kBase64Values = [] {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = -1;
  for (size_t i = 0; i < kBase64Alphabet.size(); ++i) {
    table[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}();

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct MacContextFree {
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};

}  // namespace

namespace {

// HMAC with OpenSSL's digest `digest` ("SHA256", "SHA1") of the pieces,
// written to `out`, which holds exactly that digest's size. The name is
// mutable only because OSSL_PARAM takes it so: the callers' own arrays, so
// nothing is allocated per request.
bool Hmac(char* digest, std::string_view key, const std::string_view* pieces, size_t count,
          unsigned char* out, size_t size) {
  // Fetched once and shared: an EVP_MAC is immutable and safe to use from
  // several threads; fetching it per request would take a lock in OpenSSL.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr || key.empty()) return false;
  std::unique_ptr<EVP_MAC_CTX, MacContextFree> context(EVP_MAC_CTX_new(mac));
  if (!context) return false;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(context.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    return false;
  }
  for (size_t i = 0; i < count; ++i) {
    if (pieces[i].empty()) continue;
    if (EVP_MAC_update(context.get(), reinterpret_cast<const unsigned char*>(pieces[i].data()),
                       pieces[i].size()) != 1) {
      return false;
    }
  }
  size_t length = 0;
  return EVP_MAC_final(context.get(), out, &length, size) == 1 && length == size;
}

}  // namespace

bool HmacSha256(std::string_view key, std::initializer_list<std::string_view> pieces, Digest* out) {
  char name[] = "SHA256";
  return Hmac(name, key, pieces.begin(), pieces.size(), out->data(), out->size());
}

bool HmacSha1(std::string_view key, const std::string_view* pieces, size_t count, Sha1Digest* out) {
  char name[] = "SHA1";
  return Hmac(name, key, pieces, count, out->data(), out->size());
}

std::string Sha256Hex(std::string_view bytes) {
  Digest digest;
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size()) {
    return "";
  }
  return HexOf(digest);
}

std::string HexOf(const Digest& digest) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * digest.size());
  for (unsigned char byte : digest) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 15]);
  }
  return hex;
}

bool DigestsEqual(const Digest& a, const Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool DecodeHexDigest(std::string_view text, Digest* out) {
  if (text.size() != 2 * kDigestSize) return false;
  for (size_t i = 0; i < kDigestSize; ++i) {
    int high = HexValue(text[2 * i]);
    int low = HexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    (*out)[i] = static_cast<unsigned char>(high << 4 | low);
  }
  return true;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  size_t end = text.size();
  size_t padding = 0;
  while (end > 0 && text[end - 1] == '=' && padding < 2) {
    --end;
    ++padding;
  }
  const size_t tail = end % 4;         // characters in the last, partial group
  if (tail == 1) return std::nullopt;  // 6 bits make no byte
  if (padding > 0 && (text.size() % 4 != 0 || padding != 4 - tail)) return std::nullopt;
  std::string bytes;
  bytes.reserve(end / 4 * 3 + 2);
  uint32_t bits = 0;
  int bit_count = 0;
  for (size_t i = 0; i < end; ++i) {
    int8_t value = kBase64Values[static_cast<unsigned char>(text[i])];
    if (value < 0) return std::nullopt;  // also a '=' before the end, or base64url's -_
    bits = (bits << 6 | static_cast<uint32_t>(value)) & 0xffffff;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      bytes.push_back(static_cast<char>(bits >> bit_count & 0xff));
    }
  }
  // The bits left over must be zero: otherwise several texts would decode to
  // the same bytes, and a signature is accepted in one spelling only.
  if ((bits & ((1u << bit_count) - 1)) != 0) return std::nullopt;
  return bytes;
}

bool DecodeBase64Digest(std::string_view text, Digest* out) {
  // 32 bytes are 43 characters, 44 with the padding: refuse anything longer
  // before decoding it.
  if (text.size() != 43 && text.size() != 44) return false;
  std::optional<std::string> bytes = DecodeBase64(text);
  if (!bytes || bytes->size() != kDigestSize) return false;
  for (size_t i = 0; i < kDigestSize; ++i) (*out)[i] = static_cast<unsigned char>((*bytes)[i]);
  return true;
}

std::optional<std::string> StandardWebhooksKey(std::string_view secret, const char** why) {
  constexpr std::string_view kPrefix = "whsec_";
  if (secret.substr(0, kPrefix.size()) == kPrefix) secret.remove_prefix(kPrefix.size());
  std::optional<std::string> key = DecodeBase64(secret);
  if (!key) {
    *why = "not base64 after the optional whsec_ prefix";
    return std::nullopt;
  }
  if (key->empty()) {
    *why = "the key after the whsec_ prefix is empty";
    return std::nullopt;
  }
  return key;
}

HeaderPresence SingleHeader(const HeaderLookup& headers, std::string_view name,
                            std::string_view* value) {
  std::vector<std::string_view> values = headers(name);
  if (values.size() > 1) return HeaderPresence::kSeveral;
  if (values.empty()) return HeaderPresence::kAbsent;
  *value = TrimOws(values.front());
  return value->empty() ? HeaderPresence::kAbsent : HeaderPresence::kOne;
}

std::optional<SignatureVerdict> ReadHeaders(const HeaderLookup& headers,
                                            std::initializer_list<const char*> names,
                                            std::string_view* values) {
  bool several = false;
  bool absent = false;
  for (const char* name : names) {
    const HeaderPresence presence = SingleHeader(headers, name, values++);
    several |= presence == HeaderPresence::kSeveral;
    absent |= presence == HeaderPresence::kAbsent;
  }
  if (several) return SignatureVerdict::kInvalid;
  if (absent) return SignatureVerdict::kMissing;
  return std::nullopt;
}

SignatureVerdict JudgeTimestampBothWays(int64_t timestamp, std::chrono::seconds tolerance,
                                        std::chrono::system_clock::time_point now) {
  const int64_t age = UnixSeconds(now) - timestamp;
  if (age > tolerance.count() || -age > tolerance.count()) return SignatureVerdict::kStaleTimestamp;
  return SignatureVerdict::kValid;
}

bool ParseUnixSeconds(std::string_view text, int64_t* seconds) {
  if (text.empty() || text.size() > 12) return false;
  if (text.size() > 1 && text.front() == '0') return false;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  *seconds = value;
  return true;
}

int64_t UnixSeconds(std::chrono::system_clock::time_point now) {
  return std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
}

}  // namespace hookbridge::signature_internal
