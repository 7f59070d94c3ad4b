// The edge deduplication window (docs/deduplication.md): which event ids,
// per source, have a record in flight or PERSISTED, so that a copy of a
// webhook already stored is answered as a duplicate and produces nothing.
//
// An entry is keyed by (source name, event id), kept as a 128-bit SipHash-2-4
// of the pair under a key drawn at random once per process (KeyOf()): the
// memory per entry does not depend on the id's length, and a sender cannot
// choose an id that meets another's, since the outputs of a keyed PRF whose
// key it does not know cannot be aimed; by chance, two keys of a full
// window meet with a probability below 2^-85 (the table compares 126 of the
// 128 bits: two carry the entry's state).
// Its states:
//   in flight  Begin() returned kFirst: the caller publishes the record and
//              reports its outcome with Finish(). Copies that Begin() meanwhile
//              wait (kWaiting) and get that outcome.
//   stored     Finish() with PERSISTED at time t: a copy gets kStored until
//              t + window. A failed first copy's entry is removed, so the
//              sender's next retry produces.
// At most max_ids entries: when full, the oldest stored entry goes first (it
// would expire first anyway) and is counted in evictions(); an in-flight
// entry is never evicted: with every entry in flight, Begin() answers kFull
// and the copy is published without an entry. Expiry is lazy: each Begin()
// and Finish() drops the stored entries whose window has passed, oldest
// first, in O(1) amortised time per call. No thread of its own.
//
// Memory (the cost of a webhook is in bench/micro, its figure in
// docs/deduplication.md): no allocation per entry. The keys live in one flat
// open-addressing table of 16-byte slots, at most 3/4 full, that doubles as
// it fills; the stored entries' order in a ring of (key, time) that doubles
// up to max_ids. Neither shrinks: the memory of the busiest moment stays.
//
// Thread-safe: Begin() runs on the connection loop's thread, Finish() on the
// publisher's (librdkafka's delivery-report thread). Waiters are called by
// Finish() after its lock is released, so a waiter may call Begin() again.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hookbridge/core/config.h"
#include "hookbridge/core/publisher.h"

namespace hookbridge {

// Longer ids are not deduplicated (the copy is published as it would be
// without deduplication): an id is a short token in every sender we know.
inline constexpr size_t kMaxDedupIdBytes = 256;

class DedupWindow {
 public:
  using Clock = std::chrono::steady_clock;
  using Key = std::array<uint64_t, 2>;
  // Gets the first copy's outcome: a copy waiting for it has no record of its own.
  using Waiter = std::function<void(const PublishResult& first)>;
  // Called (under the lock, so it must be quick) only when the copy is to
  // wait: the caller's answer callback then moves into the waiter, and
  // stays the caller's for every other verdict.
  using MakeWaiter = std::function<Waiter()>;

  struct Options {
    std::chrono::milliseconds window = kDefaultDedupWindow;
    size_t max_ids = kDefaultDedupMaxIds;
    std::function<Clock::time_point()> clock = [] { return Clock::now(); };
  };

  enum class Verdict {
    kFirst,    // no entry: now in flight; publish, then Finish()
    kStored,   // PERSISTED within the window: a duplicate, answer at once
    kWaiting,  // the first copy is in flight: `waiter` gets its outcome
    kFull,     // every entry is in flight: publish without an entry (no Finish())
  };

  explicit DedupWindow(Options options);
  DedupWindow(const DedupWindow&) = delete;
  DedupWindow& operator=(const DedupWindow&) = delete;

  // nullopt only if the process's random hash key could not be drawn
  // (OpenSSL's generator failed): the webhook is then not deduplicated, never
  // taken for a copy of another. The same pair gives the same key for the
  // life of the process only.
  static std::optional<Key> KeyOf(std::string_view source, std::string_view id);

  // `make_waiter` is called only when the answer is kWaiting; that waiter
  // is called once, by Finish().
  Verdict Begin(const Key& key, const MakeWaiter& make_waiter);
  // The outcome of the record Begin() answered kFirst for, whenever it comes
  // (also after its webhook was answered at the ack deadline: a late
  // PERSISTED is remembered like any other).
  void Finish(const Key& key, const PublishResult& outcome);

  // Entries in flight or stored.
  size_t remembered() const { return remembered_.load(std::memory_order_relaxed); }
  // Stored entries dropped before their window ended, to make room.
  uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }

 private:
  struct KeyHash {
    size_t operator()(const Key& key) const { return static_cast<size_t>(key[0]); }
  };
  // A stored entry in expiry order.
  struct Stored {
    Key key;
    Clock::time_point at;
  };
  static constexpr size_t kNotFound = static_cast<size_t>(-1);

  // The table's index of `key` (as Normalised()), or kNotFound. Holds mutex_.
  size_t Find(const Key& key) const;
  // Adds `key`, known to be absent, in flight. Holds mutex_.
  void Insert(const Key& key);
  // Empties the slot at `index`, moving later slots of its probe run back so
  // that no tombstone is needed. Holds mutex_.
  void EraseAt(size_t index);
  // Drops the oldest stored entry. Holds mutex_.
  void DropOldestStored();
  // Drops the stored entries whose window has passed. Holds mutex_.
  void Expire(Clock::time_point now);

  const Options options_;
  mutable std::mutex mutex_;
  // Open addressing, linear probing from key[0]; a power of two in size. A
  // slot's key[1] carries two bits of state (Normalised() clears them in
  // what it looks up): kUsedBit, and kStoredBit once PERSISTED.
  std::vector<Key> slots_;
  size_t used_ = 0;
  // The stored entries, oldest first, a ring: stored times only grow, and the
  // window is one for all, so this is also the order they expire in.
  std::vector<Stored> stored_;
  size_t stored_first_ = 0;
  size_t stored_count_ = 0;
  // Copies waiting for an entry in flight: few, and only while a first copy
  // is published, so kept apart from the table.
  std::unordered_map<Key, std::vector<Waiter>, KeyHash> waiters_;
  std::atomic<size_t> remembered_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace hookbridge
