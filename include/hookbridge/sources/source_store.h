// The sources in force, replaceable while requests are being served.
//
// Either a fixed set (no sources file: the built-in GetProfile source), or
// the sources file with the secrets files it names, re-read together (on
// SIGHUP, or when any of them changes, e.g. a ConfigMap or Secret swapped
// through a symlink): reloadable files (reloadable_files.h), like the key
// file. A file that is broken leaves the current sources in force.
// Thread-safe; readers take a snapshot that stays valid while they use it.
#pragma once

#include <memory>
#include <string>

#include "hookbridge/core/reloadable_files.h"
#include "hookbridge/sources/sources_file.h"

namespace hookbridge {

class SourceStore : public ReloadableFiles<SourceSet> {
 public:
  // A set that never changes.
  explicit SourceStore(std::shared_ptr<const SourceSet> fixed);
  // `loaded` is LoadSourcesFile(file, defaults), good; the files are read
  // once more here so that one swapped in between is not missed.
  SourceStore(std::string file, SourcesDefaults defaults, SourcesFileResult loaded);
};

}  // namespace hookbridge
