// Requests for the signature tests: header fields looked up by name
// case-insensitively, as the HTTP layer hands them over, and signers built on
// OpenSSL's one-shot HMAC() and EVP_EncodeBlock (not the EVP_MAC code and
// the base64 decoder under test). Header-only; link OpenSSL.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hookbridge/auth/signature.h"

namespace hookbridge {
// Failures print "invalid", not a byte dump.
inline void PrintTo(SignatureVerdict verdict, std::ostream* out) {
  *out << SignatureVerdictName(verdict);
}
}  // namespace hookbridge

namespace hookbridge::signature_test {

inline bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Each field as received; the same name may appear several times.
struct Fields {
  std::vector<std::pair<std::string, std::string>> fields;

  Fields& Add(std::string name, std::string value) {
    fields.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  HeaderLookup Lookup() const {
    return [this](std::string_view name) {
      std::vector<std::string_view> values;
      for (const auto& [field, value] : fields) {
        if (SameName(field, name)) values.push_back(value);
      }
      return values;
    };
  }
};

inline std::string HmacRaw(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (unsigned char c : bytes) {
    text.push_back(kDigits[c >> 4]);
    text.push_back(kDigits[c & 15]);
  }
  return text;
}

inline std::string Base64(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                               reinterpret_cast<const unsigned char*>(bytes.data()),
                               static_cast<int>(bytes.size()));
  text.resize(static_cast<size_t>(length));
  return text;
}

inline std::string FromBase64(std::string_view text) {
  std::string bytes(3 * text.size() / 4 + 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  bytes.resize(static_cast<size_t>(length < 0 ? 0 : length));
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) bytes.pop_back();
  return bytes;
}

inline std::chrono::system_clock::time_point At(int64_t unix_seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds));
}

inline std::string Upper(std::string text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return text;
}

}  // namespace hookbridge::signature_test
