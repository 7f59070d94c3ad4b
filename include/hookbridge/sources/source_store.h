// The sources in force, replaceable while requests are being served.
//
// Either a fixed set (no sources file: the built-in GetProfile source), or
// the sources file with the secrets files it names, re-read together (on
// SIGHUP, or when any of them changes, e.g. a ConfigMap or Secret swapped
// through a symlink) like the key file (key_store.h). A file that is broken
// leaves the current sources in force. Thread-safe; readers take a snapshot
// that stays valid while they use it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "hookbridge/core/file_identity.h"
#include "hookbridge/sources/sources_file.h"

namespace hookbridge {

class SourceStore {
 public:
  // A set that never changes.
  explicit SourceStore(std::shared_ptr<const SourceSet> fixed);
  // `loaded` is LoadSourcesFile(file, defaults), good; the files are read
  // once more here so that one swapped in between is not missed.
  SourceStore(std::string file, SourcesDefaults defaults, SourcesFileResult loaded);

  std::shared_ptr<const SourceSet> current() const;
  bool reloadable() const { return !file_.empty(); }

  enum class ReloadResult { kUnchanged, kReloaded, kFailed };
  // Re-reads the files if one changed since they were last read (or always,
  // with force). On kFailed, *error says why and the current sources stay.
  ReloadResult Reload(bool force, std::string* error);

 private:
  using Identities = std::vector<std::pair<std::string, FileIdentity>>;
  Identities IdentitiesNow(const std::vector<std::string>& secrets_files) const;

  const std::string file_;
  const SourcesDefaults defaults_;
  mutable std::mutex mutex_;
  std::shared_ptr<const SourceSet> sources_;
  std::vector<std::string> secrets_files_;  // named by the file last read
  Identities loaded_;                       // every file as it was when last read
};

}  // namespace hookbridge
