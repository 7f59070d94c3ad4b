// Signs webhooks the way each real sender does, with OpenSSL's HMAC called
// directly: independent of src/auth, so that a test of hookbridge's
// verification does not check the code against itself. Header only.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace hookbridge::test_support {

inline std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

inline std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 0xF];
  }
  return hex;
}

inline std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(length));
  return out;
}

inline std::string Unbase64(std::string_view text) {
  std::string out(3 * (text.size() / 4) + 3, '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  if (length < 0) return "";
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<size_t>(length) - padding);
  return out;
}

inline std::string Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(digest), length);
}

// Twilio: X-Twilio-Signature over `text`, the URL and the sorted fields.
inline std::string TwilioSignature(std::string_view auth_token, std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), auth_token.data(), static_cast<int>(auth_token.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  return Base64(std::string_view(reinterpret_cast<char*>(digest), length));
}

// GitHub: X-Hub-Signature-256.
inline std::string GitHubSignature(std::string_view secret, std::string_view body) {
  return "sha256=" + Hex(HmacSha256(secret, body));
}

// Stripe: Stripe-Signature.
inline std::string StripeSignature(std::string_view secret, int64_t timestamp,
                                   std::string_view body) {
  const std::string t = std::to_string(timestamp);
  return "t=" + t + ",v1=" + Hex(HmacSha256(secret, t + "." + std::string(body)));
}

// Slack (X-Slack-Signature) and Zoom (x-zm-signature): "v0=<hex>" over
// "v0:<timestamp>:<body>".
inline std::string V0Signature(std::string_view secret, int64_t timestamp, std::string_view body) {
  return "v0=" +
         Hex(HmacSha256(secret, "v0:" + std::to_string(timestamp) + ":" + std::string(body)));
}

// Shopify: X-Shopify-Hmac-Sha256, the base64 of the body's HMAC.
inline std::string ShopifySignature(std::string_view secret, std::string_view body) {
  return Base64(HmacSha256(secret, body));
}

// GitHub's default content type: the JSON URL-encoded in a "payload" field,
// every byte but the unreserved ones escaped (as GitHub's encoder does).
inline std::string GitHubForm(std::string_view json) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string form = "payload=";
  for (unsigned char c : json) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      form += static_cast<char>(c);
    } else {
      form += '%';
      form += kDigits[c >> 4];
      form += kDigits[c & 15];
    }
  }
  return form;
}

// Standard Webhooks: webhook-signature, for a "whsec_<base64>" secret.
inline std::string StandardWebhooksSignature(std::string_view secret, std::string_view id,
                                             int64_t timestamp, std::string_view body) {
  const std::string key = Unbase64(secret.substr(secret.rfind('_') + 1));
  return "v1," + Base64(HmacSha256(key, std::string(id) + "." + std::to_string(timestamp) + "." +
                                            std::string(body)));
}

}  // namespace hookbridge::test_support
