#include "hookbridge/sources/source_store.h"

namespace hookbridge {
namespace {

ReloadableFiles<SourceSet>::Reading ReadingOf(SourcesFileResult loaded) {
  return {std::move(loaded.sources), std::move(loaded.error), std::move(loaded.secrets_files)};
}

}  // namespace

SourceStore::SourceStore(std::shared_ptr<const SourceSet> fixed)
    : ReloadableFiles<SourceSet>(std::move(fixed)) {}

SourceStore::SourceStore(std::string file, SourcesDefaults defaults, SourcesFileResult loaded)
    : ReloadableFiles<SourceSet>(
          std::move(file),
          [defaults = std::move(defaults)](const std::string& path) {
            return ReadingOf(LoadSourcesFile(path, defaults));
          },
          ReadingOf(std::move(loaded))) {}

}  // namespace hookbridge
