// Twilio (twilio.com/docs/usage/security "Validating signatures from
// Twilio", and RequestValidator in the twilio Python library, which
// tests/senders signs with): X-Twilio-Signature is the base64 of the
// HMAC-SHA1, under the account's Auth Token, of the full URL Twilio
// requested (its query included) followed, for a form POST, by every
// parameter's name and value, sorted by name and then by value, each
// distinct pair once (the library's sorted(set(...))). A JSON request
// carries bodySHA256=<hex SHA-256 of the body> in its query instead, and the
// signature then covers the URL alone.
//
// The URL is the one the sender used, which hookbridge does not see behind a
// proxy: the source's public_url, plus the query as received. Like Twilio's
// libraries, the URL is tried with and without its port (":443" for https,
// ":80" for http, or the configured port), because Twilio signs either
// spelling depending on the product. No timestamp: no replay window, as with
// GitHub. The SharedKey signatures (X-Twilio-Webhooks-Signature-Settings,
// HMAC_SHA256) are not served: they fail as a wrong signature.
#include <openssl/crypto.h>

#include <algorithm>

#include "hookbridge/rules/form_urlencoded.h"
#include "signature_primitives.h"

namespace hookbridge::signature_internal {
namespace {

constexpr std::string_view kHttps = "https://";
constexpr std::string_view kHttp = "http://";

// The other spelling of `url` that Twilio's libraries accept: without its
// port if it names one, else with the scheme's default port.
std::string OtherPortSpelling(std::string_view url) {
  const bool https = url.substr(0, kHttps.size()) == kHttps;
  const size_t host = https ? kHttps.size() : kHttp.size();
  const size_t path = std::min(url.find('/', host), url.size());
  const std::string_view authority = url.substr(host, path - host);
  const size_t bracket = authority.rfind(']');  // an IPv6 literal's colons are not a port
  const size_t colon = authority.rfind(':');
  std::string other(url.substr(0, host));
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    other += authority.substr(0, colon);
  } else {
    other += authority;
    other += https ? ":443" : ":80";
  }
  other += url.substr(path);
  return other;
}

// The values of bodySHA256 in the query (Twilio's JSON requests); none if
// the query is not form-encoded (then no such parameter can be read).
std::vector<std::string> BodyHashes(std::string_view query) {
  std::vector<std::string> hashes;
  std::optional<std::vector<FormField>> fields = ParseFormUrlencoded(query);
  if (!fields) return hashes;
  for (FormField& field : *fields) {
    if (field.first == "bodySHA256") hashes.push_back(std::move(field.second));
  }
  return hashes;
}

}  // namespace

SignatureVerdict VerifyTwilio(const SignatureSettings& settings, const HeaderLookup& headers,
                              std::string_view body, std::string_view query) {
  std::string_view value;
  switch (SingleHeader(headers, "X-Twilio-Signature", &value)) {
    case HeaderPresence::kAbsent: return SignatureVerdict::kMissing;
    case HeaderPresence::kSeveral: return SignatureVerdict::kInvalid;
    case HeaderPresence::kOne: break;
  }
  std::optional<std::string> presented_bytes = DecodeBase64(value);
  if (!presented_bytes || presented_bytes->size() != kSha1Size) return SignatureVerdict::kInvalid;
  Sha1Digest presented;
  std::copy(presented_bytes->begin(), presented_bytes->end(), presented.begin());

  // The signed text after the URL: the sorted form fields, or nothing when
  // the query carries the body's hash.
  std::vector<FormField> fields;
  const std::vector<std::string> hashes = BodyHashes(query);
  if (hashes.size() > 1) return SignatureVerdict::kInvalid;  // which one was meant is a guess
  if (hashes.size() == 1) {
    const std::string actual = Sha256Hex(body);
    if (actual.empty() || actual.size() != hashes[0].size() ||
        CRYPTO_memcmp(actual.data(), hashes[0].data(), actual.size()) != 0) {
      return SignatureVerdict::kInvalid;
    }
  } else {
    std::optional<std::vector<FormField>> form = ParseFormUrlencoded(body);
    if (!form) return SignatureVerdict::kInvalid;
    fields = std::move(*form);
    // Byte order is code point order for UTF-8, the order Twilio sorts in.
    std::sort(fields.begin(), fields.end());
    fields.erase(std::unique(fields.begin(), fields.end()), fields.end());
  }

  const std::string& url = settings.public_url;
  const std::string other_url = OtherPortSpelling(url);
  std::vector<std::string_view> pieces = {url, query.empty() ? "" : "?", query};
  for (const FormField& field : fields) {
    pieces.emplace_back(field.first);
    pieces.emplace_back(field.second);
  }
  // Every secret under both spellings, with no early exit (as AnyDigestMatches).
  bool match = false;
  for (const std::string& secret : settings.secrets) {
    for (std::string_view spelling : {std::string_view(url), std::string_view(other_url)}) {
      pieces[0] = spelling;
      Sha1Digest expected;
      if (!HmacSha1(secret, pieces.data(), pieces.size(), &expected)) continue;
      match |= CRYPTO_memcmp(expected.data(), presented.data(), expected.size()) == 0;
    }
  }
  return match ? SignatureVerdict::kValid : SignatureVerdict::kInvalid;
}

}  // namespace hookbridge::signature_internal

namespace hookbridge {

std::string TwilioPublicUrlProblem(std::string_view url) {
  std::string_view rest;
  if (url.substr(0, signature_internal::kHttps.size()) == signature_internal::kHttps) {
    rest = url.substr(signature_internal::kHttps.size());
  } else if (url.substr(0, signature_internal::kHttp.size()) == signature_internal::kHttp) {
    rest = url.substr(signature_internal::kHttp.size());
  } else {
    return "must start with https:// (or http://): the URL configured at Twilio";
  }
  for (char c : url) {
    if (c <= ' ' || c > '~')
      return "may only hold visible ASCII characters (percent-encode others)";
  }
  if (rest.empty() || rest.front() == '/') return "has no host";
  if (url.find('?') != std::string_view::npos || url.find('#') != std::string_view::npos) {
    return "must not hold a query or fragment: the query is taken from each request as received";
  }
  return "";
}

}  // namespace hookbridge
