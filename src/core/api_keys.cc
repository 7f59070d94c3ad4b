#include "hookbridge/core/api_keys.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include "hookbridge/core/text.h"
#include "hookbridge/rules/rules.h"

namespace hookbridge {
namespace {

// RFC 6750 b64token (token68) characters before the '=' padding, as a table:
// every request's token is checked byte by byte.
constexpr std::array<bool, 256> kToken68Chars = [] {
  std::array<bool, 256> table{};
  for (unsigned char c = 0; c < 128; ++c) {
    table[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
  }
  return table;
}();

// RFC 6750 b64token (token68): the only characters a bearer token may hold.
bool IsToken68(std::string_view token) {
  if (token.empty()) return false;
  size_t end = token.find_last_not_of('=') + 1;  // trailing '=' padding only
  if (end == 0) return false;
  for (size_t i = 0; i < end; ++i) {
    if (!kToken68Chars[static_cast<unsigned char>(token[i])]) return false;
  }
  return true;
}

// Runs in time that depends on presented.size() only: every byte of the
// presented token is compared against a key byte, key[0] once past the end
// of the key (the sizes differ then, so the answer is already no). The index
// is masked, not branched on, nor taken modulo the key size, which cost a
// division per byte.
bool ConstantTimeEquals(std::string_view presented, std::string_view key) {
  unsigned char diff = presented.size() == key.size() ? 0 : 1;
  for (size_t i = 0; i < presented.size(); ++i) {
    const size_t inside_key = 0 - static_cast<size_t>(i < key.size());  // all ones or zero
    diff |= static_cast<unsigned char>(presented[i] ^ key[i & inside_key]);
  }
  return diff == 0;
}

}  // namespace

std::optional<ApiKeys> ApiKeys::FromEntries(std::vector<std::string_view> entries, const char* what,
                                            std::string* error) {
  ApiKeys keys;
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string_view key = entries[i];
    if (key.empty()) continue;
    if (!IsToken68(key)) {
      *error = std::string(what) + " " + std::to_string(i + 1) +
               " is not a valid bearer token (allowed: letters, digits, -._~+/ and trailing =)";
      return std::nullopt;
    }
    keys.keys_.emplace_back(key);
  }
  if (keys.keys_.empty()) {
    *error = "no API key given";
    return std::nullopt;
  }
  return keys;
}

std::optional<ApiKeys> ApiKeys::FromCommaList(std::string_view list, std::string* error) {
  std::vector<std::string_view> entries;
  for (std::string_view entry : Split(list, ',')) entries.push_back(Trim(entry));
  return FromEntries(std::move(entries), "entry", error);
}

std::optional<ApiKeys> ApiKeys::FromLines(std::string_view text, std::string* error) {
  std::vector<std::string_view> entries;
  for (std::string_view line : Split(text, '\n')) {
    line = Trim(line);  // also drops the CR of CRLF files
    if (!line.empty() && line.front() == '#') line = {};
    entries.push_back(line);
  }
  return FromEntries(std::move(entries), "line", error);
}

std::optional<ApiKeys> ApiKeys::FromFile(const std::string& path, std::string* error) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    *error = "cannot read '" + path + "'";
    return std::nullopt;
  }
  std::ostringstream text;
  text << file.rdbuf();
  std::optional<ApiKeys> keys = FromLines(text.str(), error);
  if (!keys) *error += " in '" + path + "'";
  return keys;
}

bool ApiKeys::Contains(std::string_view presented) const {
  bool match = false;
  for (const std::string& key : keys_)
    match |= ConstantTimeEquals(presented, key);  // no early exit
  return match;
}

AuthResult Authenticate(const std::vector<std::string_view>& authorization, const ApiKeys& keys) {
  if (authorization.size() != 1) return AuthResult::kMissingCredentials;
  std::string_view value = authorization.front();
  constexpr std::string_view kScheme = "bearer ";
  // The scheme is case-insensitive (RFC 9110 11.1); the token follows one or more spaces.
  if (value.size() <= kScheme.size() ||
      !EqualsIgnoreCase(value.substr(0, kScheme.size()), kScheme)) {
    return AuthResult::kMissingCredentials;
  }
  std::string_view token = TrimOwsLeft(value.substr(kScheme.size()));
  if (!IsToken68(token)) return AuthResult::kMissingCredentials;
  return keys.Contains(token) ? AuthResult::kAccepted : AuthResult::kInvalidKey;
}

}  // namespace hookbridge
