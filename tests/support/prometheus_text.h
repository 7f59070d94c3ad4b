// A strict reader of the Prometheus text exposition format (0.0.4), for
// tests: every line must be a HELP, a TYPE or a sample, each family gets its
// HELP and TYPE once and before its samples, and no series appears twice.
// Whatever breaks these rules lands in `errors`.
#pragma once

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace hookbridge::test_support {

struct Exposition {
  struct Family {
    int help_lines = 0;
    int type_lines = 0;
    std::string type;
    std::string help;
  };
  // Series as written, e.g. `requests_total{route="webhook",code="200"}`.
  std::map<std::string, double> samples;
  // The same samples in the order they appear.
  std::vector<std::pair<std::string, double>> ordered;
  std::map<std::string, Family> families;
  std::vector<std::string> errors;

  bool Has(const std::string& series) const { return samples.count(series) != 0; }
  // NaN when the series is absent, so an EXPECT_EQ on it fails visibly.
  double Value(const std::string& series) const {
    auto it = samples.find(series);
    return it == samples.end() ? std::strtod("nan", nullptr) : it->second;
  }
  // Every series whose name is `name` (labels included in the key).
  std::vector<std::pair<std::string, double>> SeriesOf(const std::string& name) const {
    std::vector<std::pair<std::string, double>> found;
    for (const auto& [series, value] : ordered) {
      if (series == name || series.rfind(name + "{", 0) == 0) found.emplace_back(series, value);
    }
    return found;
  }
};

// The family a sample belongs to: histogram samples carry a suffix.
inline std::string FamilyOfSample(const std::string& name,
                                  const std::map<std::string, Exposition::Family>& families) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = families.find(base);
      if (it != families.end() && it->second.type == "histogram") return base;
    }
  }
  return name;
}

// Checks the label set `{a="x",b="y"}` (escapes \\ \" \n only); false if malformed.
inline bool WellFormedLabels(const std::string& labels) {
  size_t i = 1;  // after '{'
  while (i < labels.size() && labels[i] != '}') {
    size_t equals = labels.find('=', i);
    if (equals == std::string::npos || equals == i) return false;
    for (size_t c = i; c < equals; ++c) {
      char ch = labels[c];
      bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                (c > i && ch >= '0' && ch <= '9');
      if (!ok) return false;
    }
    if (equals + 1 >= labels.size() || labels[equals + 1] != '"') return false;
    size_t c = equals + 2;
    for (; c < labels.size() && labels[c] != '"'; ++c) {
      if (labels[c] == '\n') return false;
      if (labels[c] == '\\') {
        if (c + 1 >= labels.size()) return false;
        char escaped = labels[c + 1];
        if (escaped != '\\' && escaped != '"' && escaped != 'n') return false;
        ++c;
      }
    }
    if (c >= labels.size()) return false;
    i = c + 1;
    if (i < labels.size() && labels[i] == ',') ++i;
  }
  return i == labels.size() - 1;
}

inline Exposition ParseExposition(const std::string& text) {
  Exposition out;
  if (!text.empty() && text.back() != '\n')
    out.errors.push_back("the text does not end in a newline");
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    auto error = [&](const std::string& what) {
      out.errors.push_back("line " + std::to_string(number) + ": " + what + ": " + line);
    };
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, keyword, name;
      words >> hash >> keyword >> name;
      if (keyword != "HELP" && keyword != "TYPE") continue;  // a plain comment
      if (name.empty()) {
        error("no metric name");
        continue;
      }
      std::string rest;
      std::getline(words, rest);
      if (!rest.empty() && rest[0] == ' ') rest.erase(0, 1);
      Exposition::Family& family = out.families[name];
      if (keyword == "HELP") {
        ++family.help_lines;
        family.help = rest;
      } else {
        ++family.type_lines;
        family.type = rest;
        if (rest != "counter" && rest != "gauge" && rest != "histogram" && rest != "summary" &&
            rest != "untyped") {
          error("unknown type");
        }
      }
      for (const auto& [series, value] : out.ordered) {
        (void)value;
        std::string sample_name = series.substr(0, series.find('{'));
        if (FamilyOfSample(sample_name, out.families) == name) error("HELP/TYPE after samples");
      }
      continue;
    }
    size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string::npos || name_end == 0) {
      error("not a sample");
      continue;
    }
    std::string name = line.substr(0, name_end);
    std::string series = name;
    size_t value_at = name_end;
    if (line[name_end] == '{') {
      size_t close = std::string::npos;
      bool quoted = false;
      for (size_t i = name_end + 1; i < line.size(); ++i) {
        if (quoted && line[i] == '\\') {
          ++i;
        } else if (line[i] == '"') {
          quoted = !quoted;
        } else if (!quoted && line[i] == '}') {
          close = i;
          break;
        }
      }
      if (close == std::string::npos) {
        error("unterminated label set");
        continue;
      }
      series = line.substr(0, close + 1);
      if (!WellFormedLabels(line.substr(name_end, close + 1 - name_end))) error("malformed labels");
      value_at = close + 1;
    }
    if (value_at >= line.size() || line[value_at] != ' ') {
      error("no space before the value");
      continue;
    }
    std::string value_text = line.substr(value_at + 1);
    if (value_text.find(' ') != std::string::npos) {
      error("a timestamp or trailing text");
      continue;
    }
    char* end = nullptr;
    double value = std::strtod(value_text.c_str(), &end);
    if (value_text.empty() || *end != '\0') {
      error("value is not a number");
      continue;
    }
    std::string family = FamilyOfSample(name, out.families);
    auto declared = out.families.find(family);
    if (declared == out.families.end() || declared->second.type_lines == 0) {
      error("sample before its # TYPE");
    }
    if (!out.samples.emplace(series, value).second) error("series appears twice");
    out.ordered.emplace_back(series, value);
  }
  for (const auto& [name, family] : out.families) {
    if (family.help_lines != 1) {
      out.errors.push_back(name + ": " + std::to_string(family.help_lines) + " # HELP lines");
    }
    if (family.type_lines != 1) {
      out.errors.push_back(name + ": " + std::to_string(family.type_lines) + " # TYPE lines");
    }
  }
  return out;
}

// The upper bounds of `name`'s histogram buckets (for the label set
// `labels`, e.g. `route="webhook"`, or empty), in the order written, with
// their cumulative counts.
inline std::vector<std::pair<std::string, double>> Buckets(const Exposition& exposition,
                                                           const std::string& name,
                                                           const std::string& labels) {
  std::vector<std::pair<std::string, double>> buckets;
  std::string prefix = name + "_bucket{" + (labels.empty() ? "" : labels + ",") + "le=\"";
  for (const auto& [series, value] : exposition.ordered) {
    if (series.rfind(prefix, 0) != 0) continue;
    std::string bound = series.substr(prefix.size());
    if (bound.size() < 2 || bound.compare(bound.size() - 2, 2, "\"}") != 0) continue;
    buckets.emplace_back(bound.substr(0, bound.size() - 2), value);
  }
  return buckets;
}

}  // namespace hookbridge::test_support
