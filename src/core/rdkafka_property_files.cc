#include "hookbridge/core/rdkafka_property_files.h"

#include <fstream>
#include <iterator>
#include <string_view>

#include "hookbridge/core/text.h"

namespace hookbridge {

RdkafkaProperties RdkafkaPropertiesFromEnvironment(const std::map<std::string, std::string>& env) {
  RdkafkaProperties properties;
  const std::string_view prefix = kRdkafkaEnvPrefix;
  for (const auto& [name, value] : env) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string property = ToLower(name.substr(prefix.size()));
    for (char& c : property) {
      if (c == '_') c = '.';
    }
    properties.emplace_back(std::move(property), value);
  }
  return properties;
}

std::string ReadPropertyFile(const std::string& path, std::string* value) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return "cannot read '" + path + "'";
  std::string content((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // A file written by `echo` or an editor ends with a line end that is no
  // part of the secret.
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.pop_back();
  }
  if (content.empty()) return "'" + path + "' is empty";
  *value = std::move(content);
  return "";
}

std::string ResolvePropertyFiles(RdkafkaProperties* properties,
                                 std::vector<RdkafkaPropertyFile>* files) {
  const std::string_view suffix = kPropertyFileSuffix;
  for (auto& [name, value] : *properties) {
    if (name.size() <= suffix.size() ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    const std::string property = name.substr(0, name.size() - suffix.size());
    std::string content;
    if (std::string error = ReadPropertyFile(value, &content); !error.empty()) {
      return "librdkafka property " + name + ": " + error;
    }
    files->push_back({property, value});
    name = property;
    value = std::move(content);
  }
  return "";
}

}  // namespace hookbridge
