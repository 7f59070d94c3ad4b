// OffsetLedger: what a replay run commits so that a later run sends nothing
// twice that got a 2xx, yet still sees every record left behind.
#include "hookbridge/replay/offset_ledger.h"

#include <gtest/gtest.h>

#include <string>

namespace hookbridge::replay {
namespace {

OffsetLedger Fresh(int64_t log_start = 0) {
  std::optional<OffsetLedger> ledger = OffsetLedger::FromCommitted(-1001, "", log_start);
  EXPECT_TRUE(ledger);
  return *ledger;
}

TEST(OffsetLedgerTest, NothingCommittedStartsAtTheLogStart) {
  OffsetLedger ledger = Fresh(7);
  EXPECT_EQ(ledger.committed(), 7);
  EXPECT_TRUE(ledger.IsDone(6));
  EXPECT_FALSE(ledger.IsDone(7));
  EXPECT_EQ(ledger.Metadata(), "");
}

TEST(OffsetLedgerTest, DeliveriesInOrderMoveTheCommittedOffset) {
  OffsetLedger ledger = Fresh();
  ledger.MarkDone(0, 0);
  ledger.MarkDone(1, 1);
  EXPECT_EQ(ledger.committed(), 2);
  EXPECT_EQ(ledger.Metadata(), "");
}

TEST(OffsetLedgerTest, ARecordLeftBehindHoldsTheOffsetAndTheLaterDeliveriesGoInTheMetadata) {
  OffsetLedger ledger = Fresh();
  ledger.MarkDone(0, 0);
  // 1 got a 4xx: not marked.
  ledger.MarkDone(2, 2);
  ledger.MarkDone(3, 3);
  ledger.MarkDone(5, 5);  // 4 not selected
  EXPECT_EQ(ledger.committed(), 1);
  EXPECT_EQ(ledger.Metadata(), "v1:2-3,5");
  EXPECT_FALSE(ledger.IsDone(1));
  EXPECT_TRUE(ledger.IsDone(2));
  EXPECT_TRUE(ledger.IsDone(3));
  EXPECT_FALSE(ledger.IsDone(4));
  EXPECT_TRUE(ledger.IsDone(5));
  EXPECT_FALSE(ledger.IsDone(6));
}

TEST(OffsetLedgerTest, ALaterRunReadsTheCommitBackAndCatchesUp) {
  std::optional<OffsetLedger> ledger = OffsetLedger::FromCommitted(1, "v1:2-3,5", 0);
  ASSERT_TRUE(ledger);
  EXPECT_FALSE(ledger->IsDone(1));
  EXPECT_TRUE(ledger->IsDone(3));
  EXPECT_FALSE(ledger->IsDone(4));
  ledger->MarkDone(1, 1);  // fixed: the 4xx record now gets its 2xx
  EXPECT_EQ(ledger->committed(), 4);
  EXPECT_EQ(ledger->Metadata(), "v1:5");
  ledger->MarkDone(4, 4);
  EXPECT_EQ(ledger->committed(), 6);
  EXPECT_EQ(ledger->Metadata(), "");
}

TEST(OffsetLedgerTest, RangesMergeWhenTheyTouchOrOverlap) {
  OffsetLedger ledger = Fresh();
  ledger.MarkDone(10, 12);
  ledger.MarkDone(14, 15);
  ledger.MarkDone(13, 13);
  EXPECT_EQ(ledger.Metadata(), "v1:10-15");
  ledger.MarkDone(8, 11);
  EXPECT_EQ(ledger.Metadata(), "v1:8-15");
  ledger.MarkDone(0, 7);
  EXPECT_EQ(ledger.committed(), 16);
}

TEST(OffsetLedgerTest, ACommittedOffsetBelowTheLogStartStartsAtTheLogStart) {
  std::optional<OffsetLedger> ledger = OffsetLedger::FromCommitted(3, "v1:5", 10);
  ASSERT_TRUE(ledger);
  EXPECT_EQ(ledger->committed(), 10);
  EXPECT_EQ(ledger->Metadata(), "");
}

TEST(OffsetLedgerTest, MetadataNotOursIsRefused) {
  for (const char* metadata : {"x", "v2:1", "v1:a", "v1:5-3", "v1:-1", "v1:1-", "v1:1,,2"}) {
    EXPECT_FALSE(OffsetLedger::FromCommitted(0, metadata, 0)) << metadata;
  }
}

TEST(OffsetLedgerTest, MetadataNeverGrowsPastKafkasLimit) {
  OffsetLedger ledger = Fresh();
  int64_t offset = 1;  // 0 is left behind, and every other record after it
  while (ledger.CanMarkDone(offset)) {
    ledger.MarkDone(offset, offset);
    offset += 2;
  }
  EXPECT_LE(ledger.Metadata().size(), kMaxLedgerMetadataBytes);
  EXPECT_GT(ledger.Metadata().size(), kMaxLedgerMetadataBytes - 16);
  // Filling a gap merges two ranges: that always fits.
  EXPECT_TRUE(ledger.CanMarkDone(2));
}

}  // namespace
}  // namespace hookbridge::replay
