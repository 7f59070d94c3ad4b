#include "hookbridge/webhook/handshake.h"

#include <string>
#include <vector>

#include "hookbridge/rules/form_urlencoded.h"
#include "hookbridge/sources/event_fields.h"

namespace hookbridge {
namespace {

JsonPointer Pointer(const char* text) {
  JsonPointer pointer;
  ParseJsonPointer(text, &pointer);
  return pointer;
}

bool FitToEcho(const std::optional<std::string>& token) {
  if (!token || token->size() > kMaxHandshakeTokenBytes) return false;
  for (char c : *token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

// api.slack.com "url_verification": {"type":"url_verification",
// "challenge":"..."}, answered with the challenge (JSON is one of the three
// answers Slack takes).
std::optional<HttpResponse> SlackUrlVerification(std::string_view body) {
  static const JsonPointer type = Pointer("/type");
  static const JsonPointer challenge = Pointer("/challenge");
  std::optional<std::vector<std::optional<std::string>>> strings =
      ReadStrings(body, {&type, &challenge});
  if (!strings || (*strings)[0] != "url_verification" || !FitToEcho((*strings)[1])) {
    return std::nullopt;
  }
  return HandshakeResponse({{"challenge", *(*strings)[1]}});
}

// developers.zoom.us "Validate your webhook endpoint": {"event":
// "endpoint.url_validation","payload":{"plainToken":"..."}}, answered with
// the plain token and its HMAC under the secret token.
std::optional<HttpResponse> ZoomUrlValidation(const Source& source, const HeaderLookup& headers,
                                              std::string_view body,
                                              std::chrono::system_clock::time_point now) {
  static const JsonPointer event = Pointer("/event");
  static const JsonPointer plain_token = Pointer("/payload/plainToken");
  std::optional<std::vector<std::optional<std::string>>> strings =
      ReadStrings(body, {&event, &plain_token});
  if (!strings || (*strings)[0] != "endpoint.url_validation" || !FitToEcho((*strings)[1])) {
    return std::nullopt;
  }
  // While a secret is rotated both are listed: the answer is made with the
  // one that signed the check, which is the one Zoom holds now.
  SignatureSettings one = source.signature;
  for (const std::string& secret : source.signature.secrets) {
    one.secrets = {secret};
    if (VerifySignature(one, headers, body, now) != SignatureVerdict::kValid) continue;
    const std::string encrypted = ZoomEncryptedToken(secret, *(*strings)[1]);
    if (encrypted.empty()) return std::nullopt;
    return HandshakeResponse({{"plainToken", *(*strings)[1]}, {"encryptedToken", encrypted}});
  }
  return std::nullopt;
}

// The time depends on the lengths only, never on where the bytes differ: a
// verify token is a secret.
bool SameToken(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return difference == 0;
}

}  // namespace

std::optional<HttpResponse> AnswerSubscriptionCheck(const Source& source, std::string_view query) {
  if (source.verify_tokens.empty()) return std::nullopt;
  // 403, as Meta's own examples answer a check that is not theirs to pass
  // (counted as verify_token); any answer but 200 fails the check for Meta.
  const HttpResponse refused =
      ErrorResponse(ErrorCode::kForbidden, "the subscription check could not be verified");
  std::optional<std::vector<FormField>> fields = ParseFormUrlencoded(query);
  if (!fields) return refused;
  std::optional<std::string> mode, token, challenge;
  for (FormField& field : *fields) {
    std::optional<std::string>* slot = field.first == "hub.mode"           ? &mode
                                       : field.first == "hub.verify_token" ? &token
                                       : field.first == "hub.challenge"    ? &challenge
                                                                           : nullptr;
    if (slot == nullptr) continue;
    if (*slot) return refused;  // twice: which one counts is a guess
    *slot = std::move(field.second);
  }
  bool known = false;
  if (token) {
    for (const std::string& candidate : source.verify_tokens) known |= SameToken(*token, candidate);
  }
  if (!known || mode != "subscribe" || !FitToEcho(challenge)) return refused;
  HttpResponse answer;
  answer.status = 200;
  answer.content_type = "text/plain";
  answer.body = std::move(*challenge);
  return answer;
}

std::optional<HttpResponse> AnswerHandshake(const Source& source, const HeaderLookup& headers,
                                            std::string_view body,
                                            std::chrono::system_clock::time_point now) {
  if (source.auth != SourceAuth::kSignature) return std::nullopt;
  // Every event passes here: the body is read only when it can be a check.
  switch (source.signature.scheme) {
    case SignatureScheme::kSlack:
      if (body.find("url_verification") == std::string_view::npos) return std::nullopt;
      return SlackUrlVerification(body);
    case SignatureScheme::kZoom:
      if (body.find("endpoint.url_validation") == std::string_view::npos) return std::nullopt;
      return ZoomUrlValidation(source, headers, body, now);
    default: return std::nullopt;
  }
}

}  // namespace hookbridge
