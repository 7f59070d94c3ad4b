// Reads a dead-letter topic for a replay run: every partition, from where the
// replay's consumer group left it, up to the end each partition had when the
// run started. Keeps each partition's OffsetLedger and commits it (offset and
// metadata, synchronously) when asked. Partitions are assigned, not
// subscribed: one replay per group at a time (docs/replay.md).
// Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hookbridge/replay/offset_ledger.h"
#include "hookbridge/replay/replay_options.h"

struct rd_kafka_s;

namespace hookbridge::replay {

struct DeadLetter {
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp_ms = -1;  // the record's Kafka timestamp
  std::string key;
  std::string body;
  std::string reason;       // hookbridge_dead_letter_reason; empty if none
  std::string received_at;  // hookbridge_received_at; empty if none
  std::vector<std::pair<std::string, std::string>> trace_headers;  // traceparent, tracestate
};

class DeadLetterReader {
 public:
  enum class Poll { kRecord, kNothingYet, kEnd, kError };

  static std::unique_ptr<DeadLetterReader> Open(const ReplayOptions& options, std::string* error);
  ~DeadLetterReader();

  // The next record within the run's end, skipping none: the caller decides.
  Poll Next(std::chrono::milliseconds wait, DeadLetter* record, std::string* error);

  OffsetLedger& LedgerOf(int32_t partition) { return partitions_.at(partition).ledger; }
  // Commits the partition's ledger: its offset, and its metadata.
  bool Commit(int32_t partition, std::string* error);
  // Reads no more of the partition in this run (its ledger is full).
  void Stop(int32_t partition);

  // Records from where each partition starts to its end, summed.
  int64_t records_in_run() const { return records_in_run_; }

 private:
  struct PartitionState {
    OffsetLedger ledger;
    int64_t end = 0;            // the high watermark when the run started
    int64_t next_expected = 0;  // offsets below, up to the last record read, hold no record
    bool finished = false;
  };

  DeadLetterReader() = default;
  bool Start(const ReplayOptions& options, std::string* error);

  rd_kafka_s* consumer_ = nullptr;
  std::string topic_;
  std::map<int32_t, PartitionState> partitions_;
  int64_t records_in_run_ = 0;
};

}  // namespace hookbridge::replay
