// One replay run: reads the dead letters the topic holds, sends the selected
// ones, commits each 2xx before taking the next record, reports the rest, and
// says how it ended. A stop request (SIGTERM) is honoured between records:
// the record in hand is finished first (committed only if it got a 2xx), and
// a back-off wait is cut short (that record is not committed).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>

#include "hookbridge/replay/replay_options.h"

namespace hookbridge::replay {

struct ReplayTally {
  int64_t read = 0;                 // records taken from the topic in this run
  int64_t delivered = 0;            // 2xx: committed
  int64_t dead_lettered_again = 0;  // 200 dead_lettered: committed, a new dead letter stands for it
  int64_t refused = 0;              // 4xx (or 3xx): left in the topic for a later run
  int64_t not_selected = 0;         // outside --reason, --since, --until: left for a later run
  int64_t sent_before = 0;          // delivered by an earlier run (the ledger says so)
  int64_t listed = 0;               // --dry-run: would be sent
};

enum class ReplayEnd {
  kFinished,     // every record of the run was handled
  kStopped,      // a stop request came first
  kKafkaFailed,  // reading or committing failed; the error was printed
};

// `records` gets one line per record worth an operator's look (refused,
// dead-lettered again, or listed by --dry-run); `progress` a progress line
// about every second and a summary at the end. Neither ever gets the key.
ReplayEnd RunReplay(const ReplayOptions& options, const std::atomic<bool>& stop_requested,
                    std::FILE* records, std::FILE* progress, ReplayTally* tally);

}  // namespace hookbridge::replay
