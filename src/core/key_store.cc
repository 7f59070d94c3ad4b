#include "hookbridge/core/key_store.h"

namespace hookbridge {

KeyStore::KeyStore(ApiKeys keys, std::string file)
    : file_(std::move(file)), keys_(std::make_shared<const ApiKeys>(std::move(keys))) {
  // `keys` were read before the file's identity can be taken here. Read the
  // file again after taking it, so that a file swapped in between is not
  // taken for the one whose keys are in force (and never reloaded). If the
  // file broke in between, `keys` stay.
  std::string ignored;
  Reload(true, &ignored);
}

std::shared_ptr<const ApiKeys> KeyStore::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return keys_;
}

KeyStore::ReloadResult KeyStore::Reload(bool force, std::string* error) {
  if (file_.empty()) return ReloadResult::kUnchanged;
  FileIdentity now = IdentityOf(file_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!force && now == loaded_) return ReloadResult::kUnchanged;
  }
  std::optional<ApiKeys> keys = ApiKeys::FromFile(file_, error);
  std::lock_guard<std::mutex> lock(mutex_);
  loaded_ = now;  // a broken file is reported once, not on every check
  if (!keys) return ReloadResult::kFailed;
  keys_ = std::make_shared<const ApiKeys>(std::move(*keys));
  return ReloadResult::kReloaded;
}

}  // namespace hookbridge
