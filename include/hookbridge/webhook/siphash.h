// SipHash-2-4 with its 128-bit output (Aumasson and Bernstein, "SipHash: a
// fast short-input PRF", 2012; the reference code's vectors_sip128 are the
// known answers in tests/unit/siphash_test.cc): a keyed hash fast on short
// inputs, whose outputs nobody without the key can predict or make collide.
// DedupWindow keys its entries with it.
//
// Fed in pieces: Update() any number of times, then Final() once. Not
// thread-safe; one object per hash, cheap to make (four words).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace hookbridge {

class SipHash128 {
 public:
  // `key`: the 16-byte key as two little-endian words (bytes 0-7, 8-15).
  explicit SipHash128(const std::array<uint64_t, 2>& key);

  void Update(std::string_view bytes);
  // The 16-byte output as two little-endian words (bytes 0-7, 8-15).
  std::array<uint64_t, 2> Final();

 private:
  void Compress(uint64_t block);

  uint64_t v0_, v1_, v2_, v3_;
  uint64_t tail_ = 0;  // the bytes of an incomplete block, little-endian
  size_t length_ = 0;  // bytes seen
};

}  // namespace hookbridge
