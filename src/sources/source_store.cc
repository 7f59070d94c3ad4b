#include "hookbridge/sources/source_store.h"

#include <algorithm>

namespace hookbridge {

SourceStore::SourceStore(std::shared_ptr<const SourceSet> fixed) : sources_(std::move(fixed)) {}

SourceStore::SourceStore(std::string file, SourcesDefaults defaults, SourcesFileResult loaded)
    : file_(std::move(file)),
      defaults_(std::move(defaults)),
      sources_(std::move(loaded.sources)),
      secrets_files_(std::move(loaded.secrets_files)) {
  // Read once more to take the files' identities: a change since `loaded`
  // was read is not missed. If they broke in between, `loaded` stays and
  // the next check reads them again, and reports it.
  std::string error;
  if (Reload(true, &error) == ReloadResult::kFailed) loaded_.clear();
}

std::shared_ptr<const SourceSet> SourceStore::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sources_;
}

SourceStore::Identities SourceStore::IdentitiesNow(
    const std::vector<std::string>& secrets_files) const {
  Identities identities;
  identities.emplace_back(file_, IdentityOf(file_));
  for (const std::string& path : secrets_files) identities.emplace_back(path, IdentityOf(path));
  return identities;
}

SourceStore::ReloadResult SourceStore::Reload(bool force, std::string* error) {
  if (file_.empty()) return ReloadResult::kUnchanged;
  std::vector<std::string> watched;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    watched = secrets_files_;
  }
  // Taken before reading: a file changed while being read is read again at
  // the next check.
  Identities before = IdentitiesNow(watched);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!force && before == loaded_) return ReloadResult::kUnchanged;
  }
  SourcesFileResult result = LoadSourcesFile(file_, defaults_);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!result.sources) {
    loaded_ = std::move(before);  // a broken file is reported once, not on every check
    *error = std::move(result.error);
    return ReloadResult::kFailed;
  }
  // The secrets files the new file names may differ from those watched. A
  // newly named one was read after `before` was taken: an unknown identity
  // makes the next check read it again, so that a write in between is seen.
  if (result.secrets_files != watched) {
    Identities named = {before.front()};
    for (const std::string& path : result.secrets_files) {
      auto known = std::find_if(before.begin() + 1, before.end(),
                                [&](const auto& entry) { return entry.first == path; });
      named.emplace_back(path, known != before.end() ? known->second : FileIdentity{});
    }
    before = std::move(named);
  }
  loaded_ = std::move(before);
  secrets_files_ = std::move(result.secrets_files);
  sources_ = std::move(result.sources);
  return ReloadResult::kReloaded;
}

}  // namespace hookbridge
