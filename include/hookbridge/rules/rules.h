// The syntax rules hookbridge applies in more than one place, each written
// once: the HTTP token (RFC 9110 tchar), optional white space and its
// trimming, the Kafka topic name, and the paths a webhook may take. Plain
// functions over bytes with no dependency on any other hookbridge module, so
// `auth` uses them without depending on `core`. The character tests and the
// trims are inline: the request-head parser calls them for every byte and
// field of every request.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace hookbridge {

namespace rules_internal {
constexpr std::array<bool, 256> TokenCharTable() {
  std::array<bool, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c) table[static_cast<size_t>(c)] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}
inline constexpr std::array<bool, 256> kTokenChars = TokenCharTable();
}  // namespace rules_internal

// RFC 9110 5.6.2 tchar: a letter, a digit or one of !#$%&'*+-.^_`|~. What a
// method, a header name, a coding or a media type is made of.
inline bool IsTokenChar(char c) {
  return rules_internal::kTokenChars[static_cast<unsigned char>(c)];
}

// RFC 9110 5.6.2 token: one or more tchar.
inline bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// RFC 9110 5.6.3 OWS: a space or a horizontal tab, what may surround a header
// value or a list element.
inline bool IsOws(char c) { return c == ' ' || c == '\t'; }

// White space at the end of a line read from a file or a setting: OWS, CR
// and LF (so a CRLF file or a pasted newline reads the same).
inline bool IsWhiteSpace(char c) { return IsOws(c) || c == '\r' || c == '\n'; }

// `text` without OWS at its start.
inline std::string_view TrimOwsLeft(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && IsOws(text[start])) ++start;
  return text.substr(start);
}

// `text` without OWS at either end: a header value or a list element.
inline std::string_view TrimOws(std::string_view text) {
  size_t start = 0;
  size_t end = text.size();
  while (start < end && IsOws(text[start])) ++start;
  while (end > start && IsOws(text[end - 1])) --end;
  return text.substr(start, end - start);
}

// `text` without white space (OWS, CR, LF) at either end: a line of a file or
// an entry of a setting.
inline std::string_view Trim(std::string_view text) {
  size_t start = 0;
  size_t end = text.size();
  while (start < end && IsWhiteSpace(text[start])) ++start;
  while (end > start && IsWhiteSpace(text[end - 1])) --end;
  return text.substr(start, end - start);
}

// Kafka's own rule for topic names, so that a typo stops start-up instead of
// failing every produce: 1 to 249 of a-z A-Z 0-9 . _ -, and not "." or "..".
constexpr size_t kMaxTopicNameBytes = 249;
constexpr std::string_view kTopicNameRule = "1 to 249 of a-z A-Z 0-9 . _ -, not . or ..";
bool IsTopicName(std::string_view name);

// hookbridge's own endpoints, which no webhook may take.
constexpr std::string_view kHealthzPath = "/healthz";
constexpr std::string_view kReadyzPath = "/readyz";
constexpr std::string_view kMetricsPath = "/metrics";
bool IsReservedPath(std::string_view path);

// What a webhook path must be: it starts with '/', holds at most 1024 bytes
// of printable ASCII without spaces, '?' or '#' (a route is matched on the
// path alone), and is not one of the reserved paths. "" if `path` is one,
// otherwise the first broken rule, worded to follow the quoted path
// ("must start with '/'"); never quotes the path itself.
constexpr size_t kMaxWebhookPathBytes = 1024;
std::string WebhookPathProblem(std::string_view path);

}  // namespace hookbridge
