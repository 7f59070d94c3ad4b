#include "hookbridge/core/trace_context.h"

#include <algorithm>

#include "hookbridge/core/text.h"
#include "hookbridge/rules/rules.h"

namespace hookbridge {
namespace {

// version "-" trace-id "-" parent-id "-" trace-flags
constexpr size_t kTraceParentSize = 2 + 1 + 32 + 1 + 16 + 1 + 2;
constexpr size_t kTraceIdAt = 3;
constexpr size_t kTraceIdSize = 32;
constexpr size_t kParentIdAt = 36;
constexpr size_t kParentIdSize = 16;
constexpr size_t kFlagsAt = 53;
constexpr unsigned kSampledFlag = 0x01;

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool IsLowerAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// HEXDIGLC of exactly `size` characters.
bool IsLowerHexField(std::string_view field, size_t size) {
  return field.size() == size && std::all_of(field.begin(), field.end(), IsLowerHex);
}

bool IsAllZero(std::string_view field) {
  return field.find_first_not_of('0') == std::string_view::npos;
}

unsigned HexValue(char c) { return IsDigit(c) ? unsigned(c - '0') : unsigned(c - 'a' + 10); }

// lcalpha / DIGIT / "_" / "-" / "*" / "/": the characters after a key's first.
bool IsKeyCharacter(char c) {
  return IsLowerAlpha(c) || IsDigit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

bool AreKeyCharacters(std::string_view text) {
  return std::all_of(text.begin(), text.end(), IsKeyCharacter);
}

// simple-key = lcalpha 0*255(key characters)
// multi-tenant-key = tenant-id "@" system-id, where
//   tenant-id = (lcalpha / DIGIT) 0*240(key characters)
//   system-id = lcalpha 0*13(key characters)
bool IsTraceStateKey(std::string_view key) {
  if (key.empty()) return false;
  size_t at = key.find('@');
  if (at == std::string_view::npos) {
    return key.size() <= 256 && IsLowerAlpha(key.front()) && AreKeyCharacters(key.substr(1));
  }
  std::string_view tenant = key.substr(0, at);
  std::string_view system = key.substr(at + 1);
  return !tenant.empty() && tenant.size() <= 241 &&
         (IsLowerAlpha(tenant.front()) || IsDigit(tenant.front())) &&
         AreKeyCharacters(tenant.substr(1)) && !system.empty() && system.size() <= 14 &&
         IsLowerAlpha(system.front()) && AreKeyCharacters(system.substr(1));
}

// value = 0*255(chr) nblk-chr, with chr = %x20 / nblk-chr and
// nblk-chr = %x21-2B / %x2D-3C / %x3E-7E (printable ASCII but "," and "=").
bool IsTraceStateValue(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7E && c != ',' && c != '='; });
}

}  // namespace

std::optional<std::string> ParseTraceParent(std::string_view value) {
  value = Trim(value);
  if (value.size() < kTraceParentSize) return std::nullopt;
  std::string_view version = value.substr(0, 2);
  // "ff" is forbidden; a version that is not two lowercase hex digits cannot be read.
  if (!IsLowerHexField(version, 2) || version == "ff" || value[2] != '-') return std::nullopt;
  std::string_view trace_id = value.substr(kTraceIdAt, kTraceIdSize);
  std::string_view parent_id = value.substr(kParentIdAt, kParentIdSize);
  std::string_view flags = value.substr(kFlagsAt, 2);
  if (!IsLowerHexField(trace_id, kTraceIdSize) || value[kParentIdAt - 1] != '-' ||
      !IsLowerHexField(parent_id, kParentIdSize) || value[kFlagsAt - 1] != '-' ||
      !IsLowerHexField(flags, 2) || IsAllZero(trace_id) || IsAllZero(parent_id)) {
    return std::nullopt;
  }
  if (version == "00") {
    // Version 00 is exactly these four fields.
    if (value.size() != kTraceParentSize) return std::nullopt;
    return std::string(value);
  }
  // A later version may append fields, each after a dash. Only the sampled
  // flag is known to mean the same, so only it is kept.
  if (value.size() > kTraceParentSize && value[kTraceParentSize] != '-') return std::nullopt;
  const bool sampled = ((HexValue(flags[0]) << 4 | HexValue(flags[1])) & kSampledFlag) != 0;
  std::string forwarded = "00-";
  forwarded.append(trace_id).append("-").append(parent_id).append(sampled ? "-01" : "-00");
  return forwarded;
}

std::optional<std::string> ParseTraceState(const std::vector<std::string_view>& lines) {
  std::string forwarded;
  std::vector<std::string_view> keys;
  for (std::string_view line : lines) {
    for (std::string_view member : Split(line, ',')) {
      member = Trim(member);
      if (member.empty()) continue;  // empty list-members are allowed, and dropped
      size_t equals = member.find('=');
      if (equals == std::string_view::npos) return std::nullopt;
      std::string_view key = member.substr(0, equals);
      if (!IsTraceStateKey(key) || !IsTraceStateValue(member.substr(equals + 1))) {
        return std::nullopt;
      }
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) return std::nullopt;
      keys.push_back(key);
      if (keys.size() > kMaxTraceStateMembers) return std::nullopt;
      if (!forwarded.empty()) forwarded += ',';
      forwarded.append(member);
    }
  }
  if (keys.empty()) return std::nullopt;
  return forwarded;
}

std::vector<std::pair<std::string, std::string>> TraceContextHeaders(
    const std::vector<std::string_view>& traceparent_lines,
    const std::vector<std::string_view>& tracestate_lines) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (traceparent_lines.size() != 1) return headers;  // none, or which one would be meant?
  std::optional<std::string> traceparent = ParseTraceParent(traceparent_lines.front());
  if (!traceparent) return headers;
  headers.emplace_back("traceparent", std::move(*traceparent));
  if (std::optional<std::string> tracestate = ParseTraceState(tracestate_lines)) {
    headers.emplace_back("tracestate", std::move(*tracestate));
  }
  return headers;
}

}  // namespace hookbridge
