#include "hookbridge/core/cloudevent_attributes.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "hookbridge/core/text.h"
#include "hookbridge/rules/rules.h"

namespace hookbridge {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Decodes the UTF-8 sequence at text[i], advancing i; -1 when it is not one
// (overlong forms, surrogates and values past U+10FFFF included).
long NextCodePoint(std::string_view text, size_t& i) {
  const auto byte = [&text](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  size_t length = 0;
  long code = 0;
  long minimum = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code = lead & 0x1F, minimum = 0x80;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code = lead & 0x0F, minimum = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code = lead & 0x07, minimum = 0x10000;
  } else {
    return -1;
  }
  if (i + length > text.size()) return -1;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return -1;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return -1;
  i += length;
  return code;
}

bool IsControl(long code) { return code <= 0x1F || (code >= 0x7F && code <= 0x9F); }

bool IsNoncharacter(long code) {
  return (code >= 0xFDD0 && code <= 0xFDEF) || (code & 0xFFFE) == 0xFFFE;
}

// The value of exactly `count` digits at text[at], or -1.
int Digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (size_t k = 0; k < count; ++k) {
    if (!IsDigit(text[at + k])) return -1;
    value = value * 10 + (text[at + k] - '0');
  }
  return value;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Consumes a token at text[i]; false when there is none.
bool Token(std::string_view text, size_t& i) {
  const size_t start = i;
  while (i < text.size() && IsTokenChar(text[i])) ++i;
  return i > start;
}

void SkipWhitespace(std::string_view text, size_t& i) {
  while (i < text.size() && IsOws(text[i])) ++i;
}

// RFC 3986 unreserved / sub-delims / ":" / "@": what a path segment, a query
// or a fragment holds besides "/" and "?" and percent-encodings.
bool IsPathChar(char c) {
  return IsAlpha(c) || IsDigit(c) ||
         std::string_view("-._~!$&'()*+,;=:@").find(c) != std::string_view::npos;
}

// Checks text[from, to) as a run of `allowed` characters and percent-encodings.
template <typename Allowed>
bool Run(std::string_view text, size_t from, size_t to, Allowed allowed) {
  for (size_t i = from; i < to; ++i) {
    if (text[i] == '%') {
      if (to - i < 3 || !IsHexDigit(text[i + 1]) || !IsHexDigit(text[i + 2])) return false;
      i += 2;
    } else if (!allowed(text[i])) {
      return false;
    }
  }
  return true;
}

// RFC 3986 authority without an IP literal: [userinfo "@"] reg-name [":" port].
bool IsAuthority(std::string_view authority) {
  size_t host = 0;
  const size_t at = authority.find('@');
  if (at != std::string_view::npos) {
    if (!Run(authority, 0, at, [](char c) { return IsPathChar(c) && c != '@'; })) return false;
    host = at + 1;
  }
  size_t colon = authority.find(':', host);
  const size_t host_end = colon == std::string_view::npos ? authority.size() : colon;
  if (!Run(authority, host, host_end,
           [](char c) { return IsPathChar(c) && c != '@' && c != ':'; })) {
    return false;
  }
  if (colon == std::string_view::npos) return true;
  for (size_t i = colon + 1; i < authority.size(); ++i) {
    if (!IsDigit(authority[i])) return false;
  }
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (NextCodePoint(text, i) < 0) return false;
  }
  return true;
}

bool IsCloudEventString(std::string_view text) {
  if (text.empty()) return false;
  for (size_t i = 0; i < text.size();) {
    // Printable ASCII, nearly every id and type, needs no decoding.
    if (text[i] >= 0x20 && text[i] <= 0x7E) {
      ++i;
      continue;
    }
    const long code = NextCodePoint(text, i);
    if (code < 0 || IsControl(code) || IsNoncharacter(code)) return false;
  }
  return true;
}

std::optional<std::string> CloudEventTime(std::string given) {
  const std::string_view text = given;
  // full-date: YYYY-MM-DD
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1 || text[4] != '-' || text[7] != '-' ||
      day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't' && text[10] != ' '))
    return std::nullopt;
  // partial-time: HH:MM:SS[.fraction]
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second = Digits(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 ||
      text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  size_t i = 19;
  if (text[i] == '.') {
    const size_t start = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    if (i == start || i - start > 9) return std::nullopt;
  }
  // time-offset: Z / ("+" / "-") HH:MM
  if (i < text.size() && (text[i] == 'Z' || text[i] == 'z')) {
    if (i + 1 != text.size()) return std::nullopt;
  } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    const int offset_hours = Digits(text, i + 1, 2);
    const int offset_minutes = Digits(text, i + 4, 2);
    if (i + 6 != text.size() || text[i + 3] != ':' || offset_hours < 0 || offset_minutes < 0 ||
        offset_minutes > 59 || offset_hours * 60 + offset_minutes > 18 * 60) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  given[10] = 'T';
  if (given.back() == 'z') given.back() = 'Z';
  return given;
}

std::optional<std::string> EpochSecondsTime(std::string_view digits) {
  long long seconds = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seconds);
  if (ec != std::errc() || end != digits.data() + digits.size() || seconds < 0 ||
      seconds > 253402300799LL) {  // 9999-12-31T23:59:59Z
    return std::nullopt;
  }
  const time_t time = static_cast<time_t>(seconds);
  tm utc{};
  if (gmtime_r(&time, &utc) == nullptr) return std::nullopt;
  char text[32];
  const size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text, length);
}

bool IsCloudEventUriReference(std::string_view text) {
  if (text.empty()) return false;
  // Where the path ends and the query and fragment begin.
  const size_t fragment = text.find('#');
  if (fragment != std::string_view::npos &&
      text.find('#', fragment + 1) != std::string_view::npos) {
    return false;
  }
  const size_t end = fragment == std::string_view::npos ? text.size() : fragment;
  const size_t query = text.substr(0, end).find('?');
  const size_t path_end = query == std::string_view::npos ? end : query;
  const auto query_char = [](char c) { return IsPathChar(c) || c == '/' || c == '?'; };
  if (query != std::string_view::npos && !Run(text, query + 1, end, query_char)) return false;
  if (fragment != std::string_view::npos && !Run(text, fragment + 1, text.size(), query_char)) {
    return false;
  }

  size_t i = 0;
  // A ':' before any '/' ends a scheme, which must be one (RFC 3986 section 3.1),
  // and java.net.URI wants something after it that is not a fragment.
  const size_t colon = text.substr(0, path_end).find(':');
  if (colon != std::string_view::npos && colon < text.substr(0, path_end).find('/')) {
    if (colon == 0 || !IsAlpha(text[0])) return false;
    for (size_t k = 1; k < colon; ++k) {
      if (!IsAlpha(text[k]) && !IsDigit(text[k]) && text[k] != '+' && text[k] != '-' &&
          text[k] != '.') {
        return false;
      }
    }
    i = colon + 1;
    if (i == text.size() || i == fragment) return false;
  }
  if (text.substr(i, 2) == "//") {
    i += 2;
    size_t authority_end = text.find('/', i);
    if (authority_end == std::string_view::npos || authority_end > path_end)
      authority_end = path_end;
    // java.net.URI refuses an empty authority unless a path follows it.
    if (authority_end == i && authority_end == path_end) return false;
    if (!IsAuthority(text.substr(i, authority_end - i))) return false;
    i = authority_end;
  }
  return Run(text, i, path_end, [](char c) { return IsPathChar(c) || c == '/'; });
}

bool IsCloudEventContentType(std::string_view text) {
  size_t i = 0;
  const size_t type_start = i;
  if (!Token(text, i) || i >= text.size() || text[i] != '/') return false;
  ++i;
  if (!Token(text, i)) return false;
  // application/cloudevents and application/cloudevents+json, -batch+json, ...
  constexpr std::string_view kStructured = "application/cloudevents";
  if (EqualsIgnoreCase(text.substr(type_start, std::min(i - type_start, kStructured.size())),
                       kStructured)) {
    return false;
  }
  // *( OWS ";" OWS parameter ), parameter = token "=" ( token / quoted-string )
  while (true) {
    SkipWhitespace(text, i);
    if (i == text.size()) return true;
    if (text[i] != ';') return false;
    ++i;
    SkipWhitespace(text, i);
    if (!Token(text, i) || i >= text.size() || text[i] != '=') return false;
    ++i;
    if (i < text.size() && text[i] == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) return false;
        const char c = text[i];
        if (c == '"') break;
        if (c == '\\') {
          if (++i >= text.size() || ((text[i] < 0x20 || text[i] > 0x7E) && text[i] != '\t'))
            return false;
        } else if ((c < 0x20 || c > 0x7E) && c != '\t') {
          return false;
        }
      }
      ++i;
    } else if (!Token(text, i)) {
      return false;
    }
  }
}

}  // namespace hookbridge
