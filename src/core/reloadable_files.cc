#include "hookbridge/core/reloadable_files.h"

#include <algorithm>

namespace hookbridge {

FileIdentities IdentitiesNow(const std::string& file, const std::vector<std::string>& named) {
  FileIdentities identities;
  identities.emplace_back(file, IdentityOf(file));
  for (const std::string& path : named) identities.emplace_back(path, IdentityOf(path));
  return identities;
}

FileIdentities IdentitiesToWatch(const FileIdentities& before,
                                 const std::vector<std::string>& named) {
  FileIdentities watched = {before.front()};
  for (const std::string& path : named) {
    auto known = std::find_if(before.begin() + 1, before.end(),
                              [&](const auto& entry) { return entry.first == path; });
    watched.emplace_back(path, known != before.end() ? known->second : FileIdentity{});
  }
  return watched;
}

}  // namespace hookbridge
