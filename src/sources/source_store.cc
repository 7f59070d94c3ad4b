#include "hookbridge/sources/source_store.h"

namespace hookbridge {

SourceStore::SourceStore(std::shared_ptr<const SourceSet> fixed) : sources_(std::move(fixed)) {}

SourceStore::SourceStore(std::string file, SourcesDefaults defaults, SourcesFileResult loaded)
    : file_(std::move(file)),
      defaults_(std::move(defaults)),
      sources_(std::move(loaded.sources)),
      secrets_files_(std::move(loaded.secrets_files)) {
  std::string ignored;
  Reload(true, &ignored);  // if the files broke in between, `loaded` stays
}

std::shared_ptr<const SourceSet> SourceStore::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sources_;
}

SourceStore::Identities SourceStore::IdentitiesNow(const std::vector<std::string>& secrets_files) const {
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
  // The secrets files the new file names may differ from those watched.
  if (result.secrets_files != watched) {
    before.resize(1);
    for (const std::string& path : result.secrets_files) before.emplace_back(path, IdentityOf(path));
  }
  loaded_ = std::move(before);
  secrets_files_ = std::move(result.secrets_files);
  sources_ = std::move(result.sources);
  return ReloadResult::kReloaded;
}

}  // namespace hookbridge
