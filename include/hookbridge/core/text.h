// Small ASCII string helpers shared by configuration and header parsing
// (trimming is a syntax rule: hookbridge/rules/rules.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbridge {

std::vector<std::string_view> Split(std::string_view text, char separator);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view text);

// The value of the command-line flag `name` at args[i], given as "--name=value"
// or as "--name value" (then i moves past the value); nullopt if it has none.
std::optional<std::string> FlagValue(const std::vector<std::string>& args, const std::string& name,
                                     size_t& i);

}  // namespace hookbridge
