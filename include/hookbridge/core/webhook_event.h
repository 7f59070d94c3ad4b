// Parsing and validation of a GetProfile webhook body.
//
// The body is read with RapidJSON's SAX Reader: no DOM is built, nesting is
// capped, numbers are never converted (RapidJSON 1.1.0's number parser has a
// signed-overflow bug, CVE-2024-38517), and invalid UTF-8 is refused. Only the
// fields hookbridge needs are extracted; the body itself is forwarded as is.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hookbridge {

// Deeper nesting than any real event; stops hostile input long before the
// parser's own stack grows.
inline constexpr int kMaxJsonDepth = 64;

struct WebhookEvent {
  std::string id;
  std::string event;
  std::optional<std::string> profile_id;  // data.profile_id (integers as decimal text)
  std::optional<std::string> tenant_id;
  std::optional<std::string> created_at;
  std::optional<std::string> webhook_id;
};

enum class ParseError {
  kNone,
  kInvalidJson,    // not one well-formed UTF-8 JSON text (400)
  kInvalidSchema,  // well-formed, but not a valid event (422)
};

struct ParseResult {
  ParseError error = ParseError::kNone;
  std::string message;  // why, for the error body; never echoes input
  // The event when error is kNone. With kInvalidSchema, the fields that could
  // be read as strings (id and event possibly empty; a field given twice: its
  // last copy), for labelling a dead letter. Empty with kInvalidJson.
  WebhookEvent event;
};

ParseResult ParseWebhookEvent(std::string_view body);

}  // namespace hookbridge
