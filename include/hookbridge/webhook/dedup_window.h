// The edge deduplication window (docs/deduplication.md): which event ids,
// per source, have a record in flight or PERSISTED, so that a copy of a
// webhook already stored is answered as a duplicate and produces nothing.
//
// An entry is keyed by (source name, event id), kept as 16 bytes of their
// SHA-256: the memory per entry does not depend on the id's length, and two
// different keys never meet in practice (a collision would need 2^64 ids).
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
// Thread-safe: Begin() runs on the connection loop's thread, Finish() on the
// publisher's (librdkafka's delivery-report thread). Waiters are called by
// Finish() after its lock is released, so a waiter may call Begin() again.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
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

  static Key KeyOf(std::string_view source, std::string_view id);

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
  struct Entry {
    // Clock::time_point::min() while in flight.
    Clock::time_point stored_at = Clock::time_point::min();
    // Copies waiting for an in-flight entry; null when none (the usual case).
    std::unique_ptr<std::vector<Waiter>> waiters;
  };

  // Drops the stored entries whose window has passed. Holds mutex_.
  void Expire(Clock::time_point now);

  const Options options_;
  mutable std::mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  // The stored entries' keys, oldest first: stored times only grow, and the
  // window is one for all, so this is also the order they expire in.
  std::deque<Key> stored_;
  std::atomic<size_t> remembered_{0};
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace hookbridge
