#include "hookbridge/rules/rules.h"

namespace hookbridge {

bool IsTopicName(std::string_view name) {
  if (name.empty() || name.size() > kMaxTopicNameBytes || name == "." || name == "..") {
    return false;
  }
  for (char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

bool IsReservedPath(std::string_view path) {
  return path == kHealthzPath || path == kReadyzPath || path == kMetricsPath;
}

std::string WebhookPathProblem(std::string_view path) {
  if (path.empty() || path.front() != '/') return "must start with '/'";
  if (path.size() > kMaxWebhookPathBytes) return "must be at most 1024 bytes";
  for (char c : path) {
    if (c <= 0x20 || c >= 0x7F || c == '?' || c == '#') {
      return "must be printable ASCII without spaces, '?' or '#'";
    }
  }
  if (IsReservedPath(path)) return "is one of hookbridge's own endpoints";
  return "";
}

}  // namespace hookbridge
