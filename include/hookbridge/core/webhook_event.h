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

// RapidJSON 1.1.0 rejects an unpaired high surrogate escape but decodes an
// unpaired low one (U+DC00..U+DFFF) into the bytes ED B0-BF xx, which are not
// UTF-8. Raw input is validated already, so ED A0-BF in a decoded string can
// only come from such an escape. Inline: it runs on every string of a body.
inline bool HasEncodedSurrogate(std::string_view text) {
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i]) == 0xED &&
        static_cast<unsigned char>(text[i + 1]) >= 0xA0) {
      return true;
    }
  }
  return false;
}

// A JSON number's text (as RapidJSON's SAX reader passes it) is an integer
// when it has no fraction and no exponent.
inline bool IsIntegerText(std::string_view number) {
  return number.find_first_of(".eE") == std::string_view::npos;
}

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
