// DedupWindow with an injected clock: expiry, eviction under the bound
// (oldest stored first, never in flight), coalescing of copies in flight,
// and which outcomes are remembered.
#include "hookbridge/webhook/dedup_window.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace hookbridge {
namespace {

using Verdict = DedupWindow::Verdict;

PublishResult Outcome(PublishStatus status) {
  PublishResult result;
  result.status = status;
  if (status == PublishStatus::kPersisted) {
    result.partition = 2;
    result.offset = 41;
  } else {
    result.error = "Local: Message timed out";
  }
  return result;
}

class DedupWindowTest : public ::testing::Test {
 protected:
  DedupWindow::Options Options(std::chrono::milliseconds window, size_t max_ids) {
    DedupWindow::Options options;
    options.window = window;
    options.max_ids = max_ids;
    options.clock = [this] { return now_; };
    return options;
  }
  static DedupWindow::Key Id(const std::string& id) { return *DedupWindow::KeyOf("github", id); }
  static DedupWindow::MakeWaiter NoWaiter() {
    return []() -> DedupWindow::Waiter {
      ADD_FAILURE() << "a copy was made to wait";
      return [](const PublishResult&) {};
    };
  }
  // A waiter that is `waiter`.
  static DedupWindow::MakeWaiter Wait(DedupWindow::Waiter waiter) {
    return [waiter] { return waiter; };
  }
  // Begin() then Finish() with `status`.
  static void Produce(DedupWindow& window, const std::string& id, PublishStatus status) {
    ASSERT_EQ(window.Begin(Id(id), NoWaiter()), Verdict::kFirst) << id;
    window.Finish(Id(id), Outcome(status));
  }

  DedupWindow::Clock::time_point now_{std::chrono::hours(1)};
};

TEST_F(DedupWindowTest, KeysDifferBySourceAndIdAndTheirBoundary) {
  ASSERT_TRUE(DedupWindow::KeyOf("a", "bc"));
  EXPECT_EQ(DedupWindow::KeyOf("a", "bc"), DedupWindow::KeyOf("a", "bc"));
  EXPECT_NE(DedupWindow::KeyOf("a", "bc"), DedupWindow::KeyOf("ab", "c"));
  EXPECT_NE(DedupWindow::KeyOf("github", "x"), DedupWindow::KeyOf("stripe", "x"));
  EXPECT_NE(DedupWindow::KeyOf("github", "x"), DedupWindow::KeyOf("github", "y"));
}

TEST_F(DedupWindowTest, APersistedIdIsADuplicateUntilItsWindowEnds) {
  DedupWindow window(Options(std::chrono::seconds(10), 100));
  Produce(window, "d1", PublishStatus::kPersisted);
  now_ += std::chrono::milliseconds(9999);
  EXPECT_EQ(window.Begin(Id("d1"), NoWaiter()), Verdict::kStored);
  now_ += std::chrono::milliseconds(1);  // stored + window: expired
  EXPECT_EQ(window.Begin(Id("d1"), NoWaiter()), Verdict::kFirst);
  EXPECT_EQ(window.remembered(), 1u);
}

TEST_F(DedupWindowTest, ExpiryIsCountedFromPersistedNotFromArrival) {
  DedupWindow window(Options(std::chrono::seconds(10), 100));
  ASSERT_EQ(window.Begin(Id("slow"), NoWaiter()), Verdict::kFirst);
  now_ += std::chrono::seconds(8);  // a slow delivery report
  window.Finish(Id("slow"), Outcome(PublishStatus::kPersisted));
  now_ += std::chrono::seconds(9);
  EXPECT_EQ(window.Begin(Id("slow"), NoWaiter()), Verdict::kStored);
}

TEST_F(DedupWindowTest, ExpiredEntriesAreDroppedOnLaterCalls) {
  DedupWindow window(Options(std::chrono::seconds(10), 100));
  for (int i = 0; i < 5; ++i) Produce(window, "e" + std::to_string(i), PublishStatus::kPersisted);
  EXPECT_EQ(window.remembered(), 5u);
  now_ += std::chrono::seconds(11);
  Produce(window, "later", PublishStatus::kPersisted);
  EXPECT_EQ(window.remembered(), 1u);
  EXPECT_EQ(window.evictions(), 0u);  // expiry is no eviction
}

TEST_F(DedupWindowTest, WhenFullTheOldestStoredGoesFirstAndIsCounted) {
  DedupWindow window(Options(std::chrono::minutes(10), 3));
  Produce(window, "oldest", PublishStatus::kPersisted);
  now_ += std::chrono::seconds(1);
  Produce(window, "middle", PublishStatus::kPersisted);
  now_ += std::chrono::seconds(1);
  Produce(window, "newest", PublishStatus::kPersisted);
  Produce(window, "fourth", PublishStatus::kPersisted);
  EXPECT_EQ(window.evictions(), 1u);
  EXPECT_EQ(window.remembered(), 3u);
  EXPECT_EQ(window.Begin(Id("middle"), NoWaiter()), Verdict::kStored);
  EXPECT_EQ(window.Begin(Id("newest"), NoWaiter()), Verdict::kStored);
  EXPECT_EQ(window.Begin(Id("fourth"), NoWaiter()), Verdict::kStored);
  // Evicted: a copy of it produces again.
  EXPECT_EQ(window.Begin(Id("oldest"), NoWaiter()), Verdict::kFirst);
  EXPECT_EQ(window.evictions(), 2u);  // "middle" made room for it
}

TEST_F(DedupWindowTest, AnInFlightEntryIsNeverEvicted) {
  DedupWindow window(Options(std::chrono::minutes(10), 2));
  ASSERT_EQ(window.Begin(Id("flying"), NoWaiter()), Verdict::kFirst);
  Produce(window, "stored", PublishStatus::kPersisted);
  // Full: "stored" goes, never "flying".
  ASSERT_EQ(window.Begin(Id("next"), NoWaiter()), Verdict::kFirst);
  EXPECT_EQ(window.evictions(), 1u);
  // Full of in-flight entries: the copy is published without an entry.
  EXPECT_EQ(window.Begin(Id("another"), NoWaiter()), Verdict::kFull);
  EXPECT_EQ(window.evictions(), 1u);
  std::optional<PublishResult> waited;
  EXPECT_EQ(window.Begin(Id("flying"), Wait([&waited](const PublishResult& r) { waited = r; })),
            Verdict::kWaiting);
  window.Finish(Id("flying"), Outcome(PublishStatus::kPersisted));
  ASSERT_TRUE(waited);
  EXPECT_EQ(waited->status, PublishStatus::kPersisted);
}

TEST_F(DedupWindowTest, CopiesInFlightGetTheFirstsPersistedOutcome) {
  DedupWindow window(Options(std::chrono::minutes(10), 100));
  ASSERT_EQ(window.Begin(Id("c"), NoWaiter()), Verdict::kFirst);
  std::vector<PublishResult> waited;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(
        window.Begin(Id("c"), Wait([&waited](const PublishResult& r) { waited.push_back(r); })),
        Verdict::kWaiting);
  }
  EXPECT_TRUE(waited.empty());  // nothing before the first's outcome
  window.Finish(Id("c"), Outcome(PublishStatus::kPersisted));
  ASSERT_EQ(waited.size(), 3u);
  for (const PublishResult& r : waited) {
    EXPECT_EQ(r.status, PublishStatus::kPersisted);
    EXPECT_EQ(r.offset, 41);
  }
  EXPECT_EQ(window.Begin(Id("c"), NoWaiter()), Verdict::kStored);
}

TEST_F(DedupWindowTest, CopiesInFlightGetTheFirstsFailureAndTheIdIsForgotten) {
  DedupWindow window(Options(std::chrono::minutes(10), 100));
  ASSERT_EQ(window.Begin(Id("f"), NoWaiter()), Verdict::kFirst);
  std::vector<PublishResult> waited;
  EXPECT_EQ(window.Begin(Id("f"), Wait([&waited](const PublishResult& r) { waited.push_back(r); })),
            Verdict::kWaiting);
  window.Finish(Id("f"), Outcome(PublishStatus::kFailed));
  ASSERT_EQ(waited.size(), 1u);
  EXPECT_EQ(waited[0].status, PublishStatus::kFailed);
  EXPECT_EQ(window.remembered(), 0u);
  // The sender's retry produces.
  EXPECT_EQ(window.Begin(Id("f"), NoWaiter()), Verdict::kFirst);
}

TEST_F(DedupWindowTest, RefusedRecordsAreNotRemembered) {
  DedupWindow window(Options(std::chrono::minutes(10), 100));
  for (PublishStatus status :
       {PublishStatus::kQueueFull, PublishStatus::kRecordTooLarge, PublishStatus::kFailed}) {
    Produce(window, "r", status);
    EXPECT_EQ(window.remembered(), 0u);
  }
  EXPECT_EQ(window.Begin(Id("r"), NoWaiter()), Verdict::kFirst);
}

// The webhook was answered 503 at its ack deadline, then its record was
// PERSISTED: the sender's retry must not make a second record.
TEST_F(DedupWindowTest, ALatePersistedIsRemembered) {
  DedupWindow window(Options(std::chrono::minutes(10), 100));
  ASSERT_EQ(window.Begin(Id("late"), NoWaiter()), Verdict::kFirst);
  now_ += std::chrono::seconds(30);  // long after any ack deadline
  window.Finish(Id("late"), Outcome(PublishStatus::kPersisted));
  EXPECT_EQ(window.Begin(Id("late"), NoWaiter()), Verdict::kStored);
}

TEST_F(DedupWindowTest, AWaiterMayBeginAgainFromItsCallback) {
  DedupWindow window(Options(std::chrono::minutes(10), 100));
  ASSERT_EQ(window.Begin(Id("w"), NoWaiter()), Verdict::kFirst);
  std::optional<Verdict> again;
  window.Begin(Id("w"),
               Wait([&](const PublishResult&) { again = window.Begin(Id("w"), NoWaiter()); }));
  window.Finish(Id("w"), Outcome(PublishStatus::kFailed));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, Verdict::kFirst);  // no deadlock: the lock was released
}

// The flat table and the expiry ring against a plain model: thousands of
// ids begun, waited for, stored, failed, expired and evicted in a shuffled
// order, so that the table grows, probe runs wrap around its end and lose
// members in their middle, and the ring wraps and grows.
TEST_F(DedupWindowTest, AgreesWithAPlainModelOverManyInterleavedCalls) {
  constexpr size_t kMaxIds = 300;
  constexpr auto kWindow = std::chrono::seconds(40);
  DedupWindow window(Options(kWindow, kMaxIds));
  struct Remembered {
    bool stored = false;
    int waiting = 0;  // copies made to wait, not yet answered
  };
  std::map<int, Remembered> model;
  std::deque<std::pair<int, DedupWindow::Clock::time_point>> stored_order;  // oldest first
  std::map<int, int> answered;  // waiters called, per id
  uint64_t evictions = 0;
  std::mt19937 random(20261206);
  const auto id = [](int n) { return Id("evt_" + std::to_string(n)); };
  const auto drop_oldest = [&] {
    model.erase(stored_order.front().first);
    stored_order.pop_front();
  };
  for (int step = 0; step < 20000; ++step) {
    // Mostly small steps (the bound is reached), now and then a long one
    // (most of the window expires at once).
    now_ += random() % 500 == 0 ? std::chrono::milliseconds(30000)
                                : std::chrono::milliseconds(random() % 40);
    while (!stored_order.empty() && stored_order.front().second + kWindow <= now_) drop_oldest();
    std::vector<int> in_flight;
    for (const auto& [remembered_id, entry] : model) {
      if (!entry.stored) in_flight.push_back(remembered_id);
    }
    const bool finish = !in_flight.empty() && random() % 2 == 0;
    const int n =
        finish ? in_flight[random() % in_flight.size()] : static_cast<int>(random() % 1000);
    auto in_model = model.find(n);
    if (!finish) {
      Verdict expected = Verdict::kFirst;
      if (in_model != model.end()) {
        expected = in_model->second.stored ? Verdict::kStored : Verdict::kWaiting;
      } else if (model.size() >= kMaxIds) {
        if (stored_order.empty()) {
          expected = Verdict::kFull;
        } else {
          drop_oldest();
          ++evictions;
        }
      }
      const Verdict verdict =
          window.Begin(id(n), Wait([&answered, n](const PublishResult&) { ++answered[n]; }));
      ASSERT_EQ(verdict, expected) << "step " << step << ", id " << n;
      if (verdict == Verdict::kFirst) model[n] = Remembered{};
      if (verdict == Verdict::kWaiting) ++model[n].waiting;
    } else {  // the outcome of an id in flight
      const bool persisted = random() % 4 != 0;
      const int waiting = in_model->second.waiting;
      answered[n] = 0;
      window.Finish(id(n), Outcome(persisted ? PublishStatus::kPersisted : PublishStatus::kFailed));
      ASSERT_EQ(answered[n], waiting) << "step " << step << ", id " << n;
      if (persisted) {
        in_model->second = Remembered{true, 0};
        stored_order.emplace_back(n, now_);
      } else {
        model.erase(in_model);
      }
    }
    ASSERT_EQ(window.remembered(), model.size()) << "step " << step;
    ASSERT_EQ(window.evictions(), evictions) << "step " << step;
  }
  EXPECT_GT(evictions, 0u);  // the bound was reached, so eviction was exercised
}

// The figure docs/deduplication.md gives: heap bytes per stored entry.
TEST_F(DedupWindowTest, BytesPerEntryStayBelowTheDocumentedFigure) {
  constexpr size_t kEntries = 100000;
  // Large blocks (the table, the ring) are mmapped chunks, counted apart.
  const auto heap_bytes = [] {
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
  };
  const size_t before = heap_bytes();
  {
    DedupWindow window(Options(std::chrono::minutes(10), kEntries));
    for (size_t i = 0; i < kEntries; ++i) {
      // A Standard Webhooks id is about this long; the length does not matter.
      const DedupWindow::Key key = Id("msg_2LJQ9Xvx4sR8pTqVb3NcK7mYhZ" + std::to_string(i));
      ASSERT_EQ(window.Begin(key, NoWaiter()), Verdict::kFirst);
      window.Finish(key, Outcome(PublishStatus::kPersisted));
    }
    const size_t after = heap_bytes();
    // A sanitizer's allocator keeps its own books: glibc's then say nothing.
    if (after < before + kEntries * 16) GTEST_SKIP() << "the heap is not glibc's malloc";
    const size_t per_entry = (after - before) / kEntries;
    RecordProperty("bytes_per_entry", static_cast<int>(per_entry));
    std::printf("dedup window: %zu bytes per stored entry\n", per_entry);
    EXPECT_LE(per_entry, 100u);
  }
}

}  // namespace
}  // namespace hookbridge
