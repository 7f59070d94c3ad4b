#include "hookbridge/webhook/dedup_window.h"

#include <openssl/evp.h>

#include <cstring>
#include <string>

namespace hookbridge {

DedupWindow::DedupWindow(Options options) : options_(std::move(options)) {
  entries_.reserve(options_.max_ids < 4096 ? options_.max_ids : 4096);
}

DedupWindow::Key DedupWindow::KeyOf(std::string_view source, std::string_view id) {
  // The source name's length first, so that ("a", "bc") and ("ab", "c") differ.
  std::string input = std::to_string(source.size());
  input += ':';
  input += source;
  input += id;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  Key key;
  std::memcpy(key.data(), digest, sizeof key);
  return key;
}

void DedupWindow::Expire(Clock::time_point now) {
  while (!stored_.empty()) {
    auto entry = entries_.find(stored_.front());
    if (entry->second.stored_at + options_.window > now) return;
    entries_.erase(entry);
    stored_.pop_front();
  }
}

DedupWindow::Verdict DedupWindow::Begin(const Key& key, const MakeWaiter& make_waiter) {
  std::lock_guard<std::mutex> lock(mutex_);
  Expire(options_.clock());
  remembered_.store(entries_.size(), std::memory_order_relaxed);
  auto found = entries_.find(key);
  if (found != entries_.end()) {
    Entry& entry = found->second;
    if (entry.stored_at != Clock::time_point::min()) return Verdict::kStored;
    if (!entry.waiters) entry.waiters = std::make_unique<std::vector<Waiter>>();
    entry.waiters->push_back(make_waiter());
    return Verdict::kWaiting;
  }
  if (entries_.size() >= options_.max_ids) {
    if (stored_.empty()) return Verdict::kFull;
    entries_.erase(stored_.front());
    stored_.pop_front();
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  entries_.emplace(key, Entry{});
  remembered_.store(entries_.size(), std::memory_order_relaxed);
  return Verdict::kFirst;
}

void DedupWindow::Finish(const Key& key, const PublishResult& outcome) {
  std::unique_ptr<std::vector<Waiter>> waiters;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const Clock::time_point now = options_.clock();
    Expire(now);
    remembered_.store(entries_.size(), std::memory_order_relaxed);
    auto found = entries_.find(key);
    // Only an in-flight entry (Begin()'s kFirst) has an outcome to take.
    if (found == entries_.end() || found->second.stored_at != Clock::time_point::min()) return;
    waiters = std::move(found->second.waiters);
    if (outcome.status == PublishStatus::kPersisted) {
      found->second.stored_at = now;
      stored_.push_back(key);
    } else {
      entries_.erase(found);  // the sender's retry must produce
    }
    remembered_.store(entries_.size(), std::memory_order_relaxed);
  }
  if (!waiters) return;
  for (Waiter& waiter : *waiters) waiter(outcome);
}

}  // namespace hookbridge
