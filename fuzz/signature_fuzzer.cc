// libFuzzer target: any header values and body through every signature
// scheme. The first byte picks the scheme; up to four '\n'-terminated values
// follow, dealt in turn to the scheme's headers (so a header can arrive twice
// or not at all); the rest is the body. Invariants: no crash, no sanitizer
// report, the same verdict twice, and a valid verdict only when every header
// the scheme reads arrived exactly once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/auth/signature.h"

namespace {

using hookbridge::SignatureScheme;
using hookbridge::SignatureSettings;
using hookbridge::SignatureVerdict;

// Every SignatureScheme (the switch below must name each one).
constexpr int kSchemes = 9;

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;  // names here are letters, digits and '-'
  }
  return true;
}

SignatureSettings Settings(SignatureScheme scheme) {
  SignatureSettings settings;
  settings.scheme = scheme;
  // The seeds are the published known answers, so the fuzzer starts from
  // valid requests and mutates them.
  settings.secrets = scheme == SignatureScheme::kStandardWebhooks
                         ? std::vector<std::string>{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
                         : std::vector<std::string>{"It's a Secret to Everybody", "whsec_test"};
  settings.hmac = {"X-Signature", hookbridge::HmacFormat::Encoding::kBase64, "sha256="};
  settings.public_url = "https://mycompany.com/myapp.php";
  return settings;
}

std::vector<std::string_view> HeaderNames(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::kStandardWebhooks:
      return {"webhook-id", "webhook-timestamp", "webhook-signature"};
    case SignatureScheme::kGitHub: return {"X-Hub-Signature-256"};
    case SignatureScheme::kStripe: return {"Stripe-Signature"};
    case SignatureScheme::kHmacSha256: return {"X-Signature"};
    case SignatureScheme::kSlack: return {"X-Slack-Signature", "X-Slack-Request-Timestamp"};
    case SignatureScheme::kZoom: return {"x-zm-signature", "x-zm-request-timestamp"};
    case SignatureScheme::kShopify: return {"X-Shopify-Hmac-Sha256"};
    case SignatureScheme::kMeta: return {"X-Hub-Signature-256"};
    case SignatureScheme::kTwilio: return {"X-Twilio-Signature"};
  }
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto scheme = static_cast<SignatureScheme>(data[0] % kSchemes);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string_view> values;
  for (size_t newline; values.size() < 4 && (newline = rest.find('\n')) != rest.npos;) {
    values.push_back(rest.substr(0, newline));
    rest.remove_prefix(newline + 1);
  }
  const std::string body(rest);  // its own allocation: ASan sees reads past it
  const std::vector<std::string_view> names = HeaderNames(scheme);
  std::vector<std::pair<std::string_view, std::string>> fields;
  for (size_t i = 0; i < values.size(); ++i) {
    fields.emplace_back(names[i % names.size()], std::string(values[i]));
  }
  hookbridge::HeaderLookup lookup = [&fields](std::string_view name) {
    std::vector<std::string_view> found;
    for (const auto& [field, value] : fields) {
      if (SameName(field, name)) found.push_back(value);
    }
    return found;
  };

  const SignatureSettings settings = Settings(scheme);
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1614265330));
  SignatureVerdict verdict = hookbridge::VerifySignature(settings, lookup, body, now);
  if (hookbridge::VerifySignature(settings, lookup, body, now) != verdict) std::abort();
  if (verdict == SignatureVerdict::kValid && values.size() != names.size()) std::abort();

  // The body as a configured secret: start-up checks take any bytes too.
  SignatureSettings as_secret = settings;
  as_secret.secrets = {body};
  (void)hookbridge::CheckSignatureSettings(as_secret);
  return 0;
}
