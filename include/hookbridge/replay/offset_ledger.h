// Which records of one partition of the dead-letter topic a replay has
// delivered (2xx), in the form a Kafka offset commit can hold.
//
// Kafka keeps one committed offset per partition: "everything below is
// done". Replay must also leave records behind (a 4xx, or not selected by the
// filters) for a later run to see, while never sending twice what got a 2xx.
// So the committed offset is the first record not delivered, and the records
// delivered above it travel in the commit's metadata string as ranges
// ("v1:105-140,142"). Kafka caps that string (offset.metadata.max.bytes,
// 4096 by default): CanMarkDone() says when one more range would not fit.
// Not thread-safe; one per partition.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hookbridge::replay {

// Kafka's default offset.metadata.max.bytes is 4096; stay below it.
inline constexpr size_t kMaxLedgerMetadataBytes = 4000;

class OffsetLedger {
 public:
  // From what the group committed; `committed` < 0 means nothing was
  // (start at `log_start`). nullopt if `metadata` is not one of ours.
  static std::optional<OffsetLedger> FromCommitted(int64_t committed, std::string_view metadata,
                                                   int64_t log_start);

  // Delivered before, in this run or an earlier one.
  bool IsDone(int64_t offset) const;
  // Whether marking `offset` done keeps the metadata within its limit.
  bool CanMarkDone(int64_t offset) const;
  // [first, last] need no delivery: delivered now, or offsets that hold no
  // record (transaction markers, compaction).
  void MarkDone(int64_t first, int64_t last);

  // The offset to commit: the first one not done.
  int64_t committed() const { return committed_; }
  // The metadata to commit with it.
  std::string Metadata() const;

 private:
  explicit OffsetLedger(int64_t committed) : committed_(committed) {}

  int64_t committed_;
  std::map<int64_t, int64_t>
      done_above_;  // first -> last, disjoint, not touching, above committed_
};

}  // namespace hookbridge::replay
