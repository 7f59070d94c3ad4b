// The sources file (HOOKBRIDGE_SOURCES_FILE): the webhook sources, in YAML
// written by hand and kept in a ConfigMap (docs/sources.md), read with
// yaml-cpp and checked whole before any of it is used.
//
// Secrets are not in the file: each source names a secrets_file (mounted
// from a Secret), read here too. Every error names the file, the source and
// the field, and never holds a secret. yaml-cpp's exceptions end here: this
// module returns errors as values. Stateless; thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/sources/source.h"

namespace hookbridge {

// What the settings lend to the file.
struct SourcesDefaults {
  std::string dead_letter_topic;  // HOOKBRIDGE_DEAD_LETTER_TOPIC: for sources that name none
  // GETPROFILE_API_KEY or _FILE is set: a bearer source may leave out its
  // secrets_file and take those keys.
  bool bearer_keys_configured = false;
  // HOOKBRIDGE_DEDUP_WINDOW_S, or 0 when HOOKBRIDGE_DEDUP_MAX_IDS turns
  // deduplication off: a deduplicating source's tolerance_seconds may not be
  // longer (a copy replayed within the tolerance would pass as new).
  std::chrono::seconds dedup_window{0};
};

struct SourcesFileResult {
  std::shared_ptr<const SourceSet> sources;  // set when the file is good
  std::string error;                         // otherwise: file, source and field
  std::vector<std::string> secrets_files;    // the files read besides, for reloads
};

// Reads and checks `path` and the secrets files it names.
SourcesFileResult LoadSourcesFile(const std::string& path, const SourcesDefaults& defaults);

// The same on the file's text; `path` is for the messages.
SourcesFileResult ParseSourcesText(std::string_view text, const std::string& path,
                                   const SourcesDefaults& defaults);

}  // namespace hookbridge
