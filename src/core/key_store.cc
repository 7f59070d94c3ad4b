#include "hookbridge/core/key_store.h"

#include <optional>

namespace hookbridge {
namespace {

ReloadableFiles<ApiKeys>::Reading ReadKeyFile(const std::string& file) {
  ReloadableFiles<ApiKeys>::Reading reading;
  std::optional<ApiKeys> keys = ApiKeys::FromFile(file, &reading.error);
  if (keys) reading.value = std::make_shared<const ApiKeys>(std::move(*keys));
  return reading;
}

}  // namespace

KeyStore::KeyStore(ApiKeys keys, std::string file)
    : ReloadableFiles<ApiKeys>(std::move(file), ReadKeyFile,
                               {std::make_shared<const ApiKeys>(std::move(keys)), {}, {}}) {}

}  // namespace hookbridge
