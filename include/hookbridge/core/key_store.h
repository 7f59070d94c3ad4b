// The API keys in force, replaceable while requests are being served.
//
// Keys from GETPROFILE_API_KEY_FILE can be re-read (on SIGHUP, or when the
// file changes, e.g. a Kubernetes Secret swapped through a symlink). A file
// that cannot be read or holds no valid key leaves the current keys in force.
// Thread-safe; readers take a snapshot that stays valid while they use it.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "hookbridge/core/api_keys.h"
#include "hookbridge/core/file_identity.h"

namespace hookbridge {

class KeyStore {
 public:
  // `file` is where `keys` came from (it is read once more here); empty when
  // they cannot be reloaded.
  KeyStore(ApiKeys keys, std::string file);

  std::shared_ptr<const ApiKeys> current() const;
  bool reloadable() const { return !file_.empty(); }

  enum class ReloadResult { kUnchanged, kReloaded, kFailed };
  // Re-reads the file if it changed since it was last read (or always, with
  // force). On kFailed, *error says why and the current keys stay.
  ReloadResult Reload(bool force, std::string* error);

 private:
  const std::string file_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ApiKeys> keys_;
  FileIdentity loaded_;  // the file as it was when last read
};

}  // namespace hookbridge
