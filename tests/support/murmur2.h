// Java Kafka's default partitioner (murmur2 of the key bytes), written
// independently of librdkafka so tests can check where a key must land.
#pragma once

#include <cstdint>
#include <string_view>

namespace hookbridge::test_support {

inline uint32_t Murmur2(std::string_view data) {
  const uint32_t seed = 0x9747b28c;
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const uint32_t length = static_cast<uint32_t>(data.size());
  uint32_t h = seed ^ length;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t i = 0;
  for (; i + 4 <= data.size(); i += 4) {
    uint32_t k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) |
                 (static_cast<uint32_t>(bytes[i + 3]) << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (data.size() % 4) {
    case 3: h ^= static_cast<uint32_t>(bytes[i + 2]) << 16; [[fallthrough]];
    case 2: h ^= static_cast<uint32_t>(bytes[i + 1]) << 8; [[fallthrough]];
    case 1: h ^= bytes[i]; h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

// The partition a Java producer (and librdkafka's murmur2_random) picks.
inline int32_t JavaPartitionOf(std::string_view key, int32_t partitions) {
  return static_cast<int32_t>((Murmur2(key) & 0x7fffffff) % static_cast<uint32_t>(partitions));
}

}  // namespace hookbridge::test_support
