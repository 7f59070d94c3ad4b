#include "hookbridge/replay/record_selection.h"

#include <algorithm>
#include <ctime>

#include "hookbridge/core/http_response.h"

namespace hookbridge::replay {
namespace {

// `count` decimal digits at `text[at]`.
std::optional<int> Digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

bool RecordSelection::Selects(std::string_view reason, int64_t timestamp_ms) const {
  if (!reasons.empty() && std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) {
    return false;
  }
  if (since_ms && timestamp_ms < *since_ms) return false;
  if (until_ms && timestamp_ms >= *until_ms) return false;
  return true;
}

const std::vector<std::string>& DeadLetterReasons() {
  // The refusals IsDeadLetterRefusal() takes, by their metric names.
  static const std::vector<std::string> reasons = {
      RejectionReason(ErrorCode::kInvalidJson), RejectionReason(ErrorCode::kInvalidEvent),
      RejectionReason(ErrorCode::kUnsupportedMediaType)};
  return reasons;
}

std::optional<int64_t> ParseUtcTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS, then an optional .fff (1 to 3 digits), then Z
  auto year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  auto hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':' || *month < 1 ||
      *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 || *second > 60) {
    return std::nullopt;
  }
  size_t at = 19;
  int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    size_t digits = 0;
    for (++at; at < text.size() && digits < 3 && text[at] >= '0' && text[at] <= '9';
         ++at, ++digits) {
      millis = millis * 10 + (text[at] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) millis *= 10;
  }
  if (at + 1 != text.size() || (text[at] != 'Z' && text[at] != 'z')) return std::nullopt;
  std::tm utc{};
  utc.tm_year = *year - 1900;
  utc.tm_mon = *month - 1;
  utc.tm_mday = *day;
  utc.tm_hour = *hour;
  utc.tm_min = *minute;
  utc.tm_sec = *second;
  return static_cast<int64_t>(timegm(&utc)) * 1000 + millis;
}

}  // namespace hookbridge::replay
