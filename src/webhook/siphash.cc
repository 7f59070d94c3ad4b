#include "hookbridge/webhook/siphash.h"

#include <cstring>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "SipHash128 reads blocks as little-endian words");

namespace hookbridge {
namespace {

constexpr uint64_t RotateLeft(uint64_t x, int bits) { return (x << bits) | (x >> (64 - bits)); }

void Round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = RotateLeft(v1, 13);
  v1 ^= v0;
  v0 = RotateLeft(v0, 32);
  v2 += v3;
  v3 = RotateLeft(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = RotateLeft(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = RotateLeft(v1, 17);
  v1 ^= v2;
  v2 = RotateLeft(v2, 32);
}

}  // namespace

SipHash128::SipHash128(const std::array<uint64_t, 2>& key)
    : v0_(key[0] ^ 0x736f6d6570736575ULL),
      // 0xee: the 128-bit output variant.
      v1_(key[1] ^ 0x646f72616e646f6dULL ^ 0xeeULL),
      v2_(key[0] ^ 0x6c7967656e657261ULL),
      v3_(key[1] ^ 0x7465646279746573ULL) {}

void SipHash128::Compress(uint64_t block) {
  v3_ ^= block;
  Round(v0_, v1_, v2_, v3_);  // SipHash-2-4: two rounds per block
  Round(v0_, v1_, v2_, v3_);
  v0_ ^= block;
}

void SipHash128::Update(std::string_view bytes) {
  size_t next = 0;
  // Whole blocks straight from the input once no partial block is pending.
  while (next < bytes.size()) {
    if (length_ % 8 == 0 && bytes.size() - next >= 8) {
      uint64_t block;
      std::memcpy(&block, bytes.data() + next, sizeof block);
      Compress(block);  // little-endian host: the block's words as SipHash reads them
      next += 8;
      length_ += 8;
      continue;
    }
    const size_t filled = length_ % 8;
    tail_ |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[next])) << (8 * filled);
    ++next;
    ++length_;
    if (filled == 7) {
      Compress(tail_);
      tail_ = 0;
    }
  }
}

std::array<uint64_t, 2> SipHash128::Final() {
  Compress(tail_ | (static_cast<uint64_t>(length_ & 0xff) << 56));
  v2_ ^= 0xee;
  for (int i = 0; i < 4; ++i) Round(v0_, v1_, v2_, v3_);  // four finalisation rounds
  const uint64_t first = v0_ ^ v1_ ^ v2_ ^ v3_;
  v1_ ^= 0xdd;
  for (int i = 0; i < 4; ++i) Round(v0_, v1_, v2_, v3_);
  return {first, v0_ ^ v1_ ^ v2_ ^ v3_};
}

}  // namespace hookbridge
