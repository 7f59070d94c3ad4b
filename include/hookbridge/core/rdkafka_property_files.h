// librdkafka properties whose values come from files: the way a secret
// (sasl.password, ssl.key.password, ...) reaches hookbridge and
// hookbridge-replay from a mounted Secret, never from a flag or a variable
// that `ps` or a process dump would show.
//
// A property named NAME.file (HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE, or
// --rdkafka sasl.password.file=PATH) sets NAME to the file's content without
// its trailing line end. librdkafka has no property ending in ".file", so the
// suffix takes nothing from it. A value read so is a secret: whoever prints
// the properties (--check-config) prints the path instead, and an error names
// the property and the path, never the content.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hookbridge {

using RdkafkaProperties = std::vector<std::pair<std::string, std::string>>;

inline constexpr const char* kPropertyFileSuffix = ".file";
// The variables that carry librdkafka properties, for hookbridge and
// hookbridge-replay alike: HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL=SSL.
inline constexpr const char* kRdkafkaEnvPrefix = "HOOKBRIDGE_RDKAFKA_";

// The properties the HOOKBRIDGE_RDKAFKA_* variables of `env` set, named as
// librdkafka names them (lower case, dots for underscores:
// HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE -> sasl.password.file), in name order.
RdkafkaProperties RdkafkaPropertiesFromEnvironment(const std::map<std::string, std::string>& env);

// One property set from a file.
struct RdkafkaPropertyFile {
  std::string property;  // e.g. sasl.password
  std::string path;
};

// The content of `path` without its trailing CR/LF into *value; an error text
// (naming the path) when it cannot be read or is empty.
std::string ReadPropertyFile(const std::string& path, std::string* value);

// Replaces each NAME.file=PATH in *properties by NAME=<content of PATH> and
// lists it in *files. An error names the first property that failed.
std::string ResolvePropertyFiles(RdkafkaProperties* properties,
                                 std::vector<RdkafkaPropertyFile>* files);

}  // namespace hookbridge
