// Every answer hookbridge gives, as plain data, and the single place where an
// outcome is mapped to an HTTP status code and a JSON body.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hookbridge {

enum class ErrorCode {
  kBadRequest,            // 400 bad_request: malformed HTTP framing
  kInvalidJson,           // 400 invalid_json
  kUnauthorized,          // 401 unauthorized: missing or malformed credentials
  kInvalidKey,            // 401 unauthorized: key matches no configured key
  kSignatureMissing,      // 401 unauthorized: the source's signature headers are absent
  kSignatureInvalid,      // 401 unauthorized: malformed, or matches no secret
  kStaleTimestamp,        // 401 unauthorized: signed, but the timestamp is out of tolerance
  kForbidden,             // 403 forbidden: Meta's subscription check with a wrong verify token
  kNotFound,              // 404 not_found
  kMethodNotAllowed,      // 405 method_not_allowed (see MethodNotAllowedResponse)
  kRequestTimeout,        // 408 request_timeout: the request did not arrive in time
  kLengthRequired,        // 411 length_required
  kPayloadTooLarge,       // 413 payload_too_large
  kUriTooLong,            // 414 uri_too_long
  kUnsupportedMediaType,  // 415 unsupported_media_type (content type or encoding)
  kInvalidEvent,          // 422 invalid_event
  kHeadersTooLarge,       // 431 header_fields_too_large: the request head is over its limit
  kInternalError,         // 500 internal_error
  kNotImplemented,        // 501 not_implemented: a transfer coding other than chunked
  kUnavailable,           // 503 unavailable: not durably stored, retry later
  kOverloaded,            // 503 overloaded: too much in flight, retry later
  kVersionNotSupported,   // 505 http_version_not_supported: not HTTP/1.0 or 1.1
};

struct HttpResponse {
  int status = 200;
  std::string body;
  // JSON but for /metrics and the challenge of Meta's subscription check.
  const char* content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<ErrorCode> error;  // why, when this is an error answer
};

// Seconds a sender should wait before retrying a 503.
inline constexpr const char* kRetryAfterSeconds = "1";

HttpResponse ErrorResponse(ErrorCode code, std::string_view message);
// 405 with the methods the path takes in its Allow header.
HttpResponse MethodNotAllowedResponse(std::string_view allow);
// The metrics label for a webhook refused with `code`: auth,
// signature_missing, signature_invalid, timestamp_out_of_tolerance, verify_token,
// content_type, size, json, schema, framing, method, not_found, overload,
// unavailable, internal.
const char* RejectionReason(ErrorCode code);
// Every ErrorCode, in declaration order.
const std::vector<ErrorCode>& AllErrorCodes();
// The HTTP status of an error answer for `code`.
int ErrorStatus(ErrorCode code);
HttpResponse AcceptedResponse(std::string_view event_id);
// 200 for a copy of a webhook whose record is PERSISTED: the accepted body
// with "duplicate":true; it produced no record of its own.
HttpResponse DuplicateResponse(std::string_view event_id);
// 200 for a webhook refused with `refusal` whose body is PERSISTED on the
// dead-letter topic: {"status":"dead_lettered","reason":...,"message":...}.
HttpResponse DeadLetteredResponse(ErrorCode refusal, std::string_view message);
// 200 answering a sender's endpoint check (webhook/handshake.h) with these
// string members as a JSON object: nothing was stored.
HttpResponse HandshakeResponse(
    std::initializer_list<std::pair<const char*, std::string_view>> members);
// GET /healthz: the process serves HTTP.
HttpResponse AliveResponse();
// GET /metrics: the Prometheus text exposition.
HttpResponse MetricsResponse(std::string exposition);

}  // namespace hookbridge
