#include "hookbridge/core/setting_names.h"

#include <algorithm>

namespace hookbridge {
namespace {

bool StartsWithAny(std::string_view name, const std::vector<std::string_view>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [name](std::string_view prefix) {
    return name.substr(0, prefix.size()) == prefix;
  });
}

// Optimal string alignment distance: insertions, deletions, substitutions and
// transpositions of adjacent characters, each one edit.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string ClosestName(std::string_view name, const std::vector<std::string_view>& known) {
  std::string_view best;
  size_t best_distance = 0;
  for (std::string_view candidate : known) {
    const size_t distance = EditDistance(name, candidate);
    const size_t limit = std::max<size_t>(2, std::max(name.size(), candidate.size()) / 8);
    if (distance <= limit && (best.empty() || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  return std::string(best);
}

std::string UnknownSettings(const std::map<std::string, std::string>& env,
                            const SettingNames& names) {
  std::string errors;
  for (const auto& entry : env) {
    const std::string& name = entry.first;
    if (!StartsWithAny(name, names.checked_prefixes) ||
        StartsWithAny(name, names.passed_prefixes) ||
        std::find(names.known.begin(), names.known.end(), name) != names.known.end()) {
      continue;
    }
    std::string error = name + ": unknown setting";
    if (std::string closest = ClosestName(name, names.known); !closest.empty()) {
      error += " (did you mean " + closest + "?)";
    }
    errors += (errors.empty() ? "" : "; ") + error;
  }
  return errors;
}

}  // namespace hookbridge
