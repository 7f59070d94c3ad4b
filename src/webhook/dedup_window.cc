#include "hookbridge/webhook/dedup_window.h"

#include <openssl/rand.h>

#include <algorithm>

#include "hookbridge/webhook/siphash.h"

namespace hookbridge {
namespace {

// The state a slot's key[1] carries in its two low bits.
constexpr uint64_t kUsedBit = 1;    // the slot holds an entry
constexpr uint64_t kStoredBit = 2;  // PERSISTED (else in flight)
constexpr uint64_t kStateBits = kUsedBit | kStoredBit;

// What the table holds and compares: 126 bits of the key, used, in flight.
DedupWindow::Key Normalised(const DedupWindow::Key& key) {
  return {key[0], (key[1] & ~kStateBits) | kUsedBit};
}

bool SameKey(const DedupWindow::Key& slot, const DedupWindow::Key& normalised) {
  return slot[0] == normalised[0] && (slot[1] & ~kStoredBit) == normalised[1];
}

// The process's SipHash key, drawn once; nullopt if the generator failed.
const std::optional<std::array<uint64_t, 2>>& HashKey() {
  static const std::optional<std::array<uint64_t, 2>> key =
      []() -> std::optional<std::array<uint64_t, 2>> {
    std::array<uint64_t, 2> drawn{};
    if (RAND_bytes(reinterpret_cast<unsigned char*>(drawn.data()), sizeof drawn) != 1) {
      return std::nullopt;
    }
    return drawn;
  }();
  return key;
}

constexpr size_t kFirstTableSize = 16;  // a power of two

}  // namespace

DedupWindow::DedupWindow(Options options) : options_(std::move(options)) {
  // Drawn now (seeding OpenSSL's generator takes milliseconds), not on the
  // first webhook.
  HashKey();
}

std::optional<DedupWindow::Key> DedupWindow::KeyOf(std::string_view source, std::string_view id) {
  const std::optional<std::array<uint64_t, 2>>& hash_key = HashKey();
  if (!hash_key) return std::nullopt;
  SipHash128 hash(*hash_key);
  // The source name's length first, so that ("a", "bc") and ("ab", "c") differ.
  uint64_t source_length = source.size();
  hash.Update(
      std::string_view(reinterpret_cast<const char*>(&source_length), sizeof source_length));
  hash.Update(source);
  hash.Update(id);
  return hash.Final();
}

size_t DedupWindow::Find(const Key& key) const {
  if (slots_.empty()) return kNotFound;
  const size_t mask = slots_.size() - 1;
  for (size_t index = key[0] & mask;; index = (index + 1) & mask) {
    const Key& slot = slots_[index];
    if ((slot[1] & kUsedBit) == 0) return kNotFound;
    if (SameKey(slot, key)) return index;
  }
}

void DedupWindow::Insert(const Key& key) {
  // At most 3/4 full, so that a probe run stays a few slots long.
  if ((used_ + 1) * 4 > slots_.size() * 3) {
    std::vector<Key> previous = std::move(slots_);
    slots_.assign(previous.empty() ? kFirstTableSize : previous.size() * 2, Key{0, 0});
    const size_t mask = slots_.size() - 1;
    for (const Key& moved : previous) {
      if ((moved[1] & kUsedBit) == 0) continue;
      size_t index = moved[0] & mask;
      while ((slots_[index][1] & kUsedBit) != 0) index = (index + 1) & mask;
      slots_[index] = moved;
    }
  }
  const size_t mask = slots_.size() - 1;
  size_t index = key[0] & mask;
  while ((slots_[index][1] & kUsedBit) != 0) index = (index + 1) & mask;
  slots_[index] = key;
  ++used_;
}

void DedupWindow::EraseAt(size_t index) {
  const size_t mask = slots_.size() - 1;
  size_t hole = index;
  for (size_t next = (hole + 1) & mask; (slots_[next][1] & kUsedBit) != 0;
       next = (next + 1) & mask) {
    // A slot whose home lies cyclically in (hole, next] is still reached
    // from its home without the hole; any other must move into it.
    const size_t home = slots_[next][0] & mask;
    const bool reachable =
        hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (reachable) continue;
    slots_[hole] = slots_[next];
    hole = next;
  }
  slots_[hole] = Key{0, 0};
  --used_;
}

void DedupWindow::DropOldestStored() {
  const size_t found = Find(stored_[stored_first_].key);
  if (found != kNotFound) EraseAt(found);
  stored_first_ = stored_first_ + 1 == stored_.size() ? 0 : stored_first_ + 1;
  --stored_count_;
}

void DedupWindow::Expire(Clock::time_point now) {
  while (stored_count_ > 0 && stored_[stored_first_].at + options_.window <= now) {
    DropOldestStored();
  }
}

DedupWindow::Verdict DedupWindow::Begin(const Key& key, const MakeWaiter& make_waiter) {
  const Key wanted = Normalised(key);
  std::lock_guard<std::mutex> lock(mutex_);
  Expire(options_.clock());
  remembered_.store(used_, std::memory_order_relaxed);
  const size_t found = Find(wanted);
  if (found != kNotFound) {
    if ((slots_[found][1] & kStoredBit) != 0) return Verdict::kStored;
    waiters_[wanted].push_back(make_waiter());
    return Verdict::kWaiting;
  }
  if (used_ >= options_.max_ids) {
    if (stored_count_ == 0) return Verdict::kFull;
    DropOldestStored();
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  Insert(wanted);
  remembered_.store(used_, std::memory_order_relaxed);
  return Verdict::kFirst;
}

void DedupWindow::Finish(const Key& key, const PublishResult& outcome) {
  const Key wanted = Normalised(key);
  std::vector<Waiter> waiters;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const Clock::time_point now = options_.clock();
    Expire(now);
    remembered_.store(used_, std::memory_order_relaxed);
    const size_t found = Find(wanted);
    // Only an in-flight entry (Begin()'s kFirst) has an outcome to take.
    if (found == kNotFound || (slots_[found][1] & kStoredBit) != 0) return;
    if (!waiters_.empty()) {
      auto waiting = waiters_.find(wanted);
      if (waiting != waiters_.end()) {
        waiters = std::move(waiting->second);
        waiters_.erase(waiting);
      }
    }
    if (outcome.status == PublishStatus::kPersisted) {
      slots_[found][1] |= kStoredBit;
      if (stored_count_ == stored_.size()) {
        // Full ring: twice the room (up to max_ids, the most ever stored),
        // oldest first again.
        const size_t room = std::min(std::max<size_t>(stored_.size() * 2, kFirstTableSize),
                                     std::max<size_t>(options_.max_ids, 1));
        std::vector<Stored> grown;
        grown.reserve(room);
        for (size_t i = 0; i < stored_count_; ++i) {
          grown.push_back(stored_[(stored_first_ + i) % stored_.size()]);
        }
        grown.resize(room);
        stored_.swap(grown);
        stored_first_ = 0;
      }
      stored_[(stored_first_ + stored_count_) % stored_.size()] = Stored{wanted, now};
      ++stored_count_;
    } else {
      EraseAt(found);  // the sender's retry must produce
    }
    remembered_.store(used_, std::memory_order_relaxed);
  }
  for (Waiter& waiter : waiters) waiter(outcome);
}

}  // namespace hookbridge
