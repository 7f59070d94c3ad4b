// The set of accepted GetProfile API keys, and bearer authentication.
//
// Several keys may be active at once so a key can be rotated without
// downtime. Comparison takes time that depends only on the presented
// credential, never on the configured keys. Keys are never printed: error
// messages name the setting and the line, not the value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbridge {

class ApiKeys {
 public:
  // "k1,k2": entries are trimmed of spaces; empty entries are ignored.
  static std::optional<ApiKeys> FromCommaList(std::string_view list, std::string* error);
  // One key per line; blank lines and '#' comment lines are ignored.
  static std::optional<ApiKeys> FromLines(std::string_view text, std::string* error);
  // FromLines on the contents of `path`; errors name the file, never a key.
  static std::optional<ApiKeys> FromFile(const std::string& path, std::string* error);

  bool Contains(std::string_view presented) const;
  size_t size() const { return keys_.size(); }

 private:
  static std::optional<ApiKeys> FromEntries(std::vector<std::string_view> entries, const char* what,
                                            std::string* error);
  std::vector<std::string> keys_;
};

enum class AuthResult {
  kAccepted,
  kMissingCredentials,  // no header, several headers, or not "Bearer <token>"
  kInvalidKey,          // well-formed bearer token that matches no key
};

// `authorization` holds the value of every Authorization header received.
AuthResult Authenticate(const std::vector<std::string_view>& authorization, const ApiKeys& keys);

}  // namespace hookbridge
