// The API keys in force, replaceable while requests are being served.
//
// Keys from GETPROFILE_API_KEY_FILE can be re-read (on SIGHUP, or when the
// file changes, e.g. a Kubernetes Secret swapped through a symlink): a
// reloadable file (reloadable_files.h). A file that cannot be read or holds
// no valid key leaves the current keys in force. Thread-safe; readers take a
// snapshot that stays valid while they use it.
#pragma once

#include <string>

#include "hookbridge/core/api_keys.h"
#include "hookbridge/core/reloadable_files.h"

namespace hookbridge {

class KeyStore : public ReloadableFiles<ApiKeys> {
 public:
  // `file` is where `keys` came from (it is read once more here); empty when
  // they cannot be reloaded.
  KeyStore(ApiKeys keys, std::string file);
};

}  // namespace hookbridge
