// Unknown settings in the environment: a variable with one of a program's
// prefixes that the program does not know is a mistake (usually a typo), and
// a typo must stop start-up instead of passing for a default. The error names
// the variable and, when one is near, the known name it was probably meant to
// be. Shared by hookbridge (src/core/config.cc) and hookbridge-replay
// (src/replay/replay_options.cc); plain functions, no state.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hookbridge {

struct SettingNames {
  // A variable whose name starts with one of these must be known.
  std::vector<std::string_view> checked_prefixes;
  // The known names; suggestions are taken from these.
  std::vector<std::string_view> known;
  // Names under these prefixes are someone else's to check (librdkafka's
  // properties, another tool's settings): never refused.
  std::vector<std::string_view> passed_prefixes;
};

// "NAME: unknown setting (did you mean KNOWN?)" for each unknown variable, in
// name order, joined by "; "; empty when every variable is known. Values are
// never part of it (one may be a secret).
std::string UnknownSettings(const std::map<std::string, std::string>& env,
                            const SettingNames& names);

// The known name nearest to `name`, if it is near enough to be a typo of it;
// empty otherwise. Nearness is the optimal string alignment distance
// (Levenshtein, plus a swap of two neighbours counting as one edit), at most
// an eighth of the longer name and at least 2: a letter or two missing,
// doubled or swapped, or a short tail like _MS left off, not a different word
// (the shared prefix makes every name long, so the share is small).
std::string ClosestName(std::string_view name, const std::vector<std::string_view>& known);

}  // namespace hookbridge
