// The endpoint checks some senders make before they send any event, answered
// by hookbridge itself: the one case where a sender gets a 200 without
// Kafka. Slack's url_verification (its challenge echoed) and Zoom's
// endpoint.url_validation (the plain token and its HMAC under the secret
// token) are signed like every event of their sender, and the webhook
// pipeline calls AnswerHandshake() only once the signature has been
// verified. Meta's subscription check is a GET with a verify token in its
// query, answered on the head (AnswerSubscriptionCheck()). Nothing is ever
// produced. Stateless and thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "hookbridge/auth/signature.h"
#include "hookbridge/core/http_response.h"
#include "hookbridge/sources/source.h"

namespace hookbridge {

// Longest challenge or plain token echoed: both senders send a few dozen
// characters.
inline constexpr size_t kMaxHandshakeTokenBytes = 256;

// The answer to `body` when it is the endpoint check of `source`'s sender
// (auth slack or zoom) with a token fit to echo (visible ASCII, at most
// kMaxHandshakeTokenBytes); nullopt otherwise, and the body is an event like
// any other. `headers`, `now`: the verified request's, to pick the secret
// that signed it.
std::optional<HttpResponse> AnswerHandshake(const Source& source, const HeaderLookup& headers,
                                            std::string_view body,
                                            std::chrono::system_clock::time_point now);

// Meta's GET subscription check (developers.facebook.com, Graph API
// "Webhooks", "Verification requests"): `query` is the request target's
// query. nullopt when `source` takes no such check (no verify_token_file):
// the GET is then refused like any. Otherwise 200 with hub.challenge as a
// text body when hub.mode is "subscribe" and hub.verify_token is one of the
// source's (each parameter once, the challenge fit to echo), else 401
// unauthorized (kSignatureInvalid).
std::optional<HttpResponse> AnswerSubscriptionCheck(const Source& source, std::string_view query);

}  // namespace hookbridge
