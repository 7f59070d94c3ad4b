// Which dead letters a replay run sends: by reason (the record's
// hookbridge_dead_letter_reason header) and by time (the record's Kafka
// timestamp, which hookbridge sets when it produced the dead letter, moments
// after the webhook was received). The rest are left for a later run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbridge::replay {

struct RecordSelection {
  std::vector<std::string> reasons;  // empty: every reason
  std::optional<int64_t> since_ms;   // ms since the epoch, inclusive
  std::optional<int64_t> until_ms;   // ms since the epoch, exclusive

  bool Selects(std::string_view reason, int64_t timestamp_ms) const;
};

// The reasons a dead letter can have (RejectionReason()'s names).
const std::vector<std::string>& DeadLetterReasons();

// "2026-12-02T09:30:00Z" or "2026-12-02T09:30:00.250Z" (RFC 3339, UTC) as ms
// since the epoch; nullopt if it is not that.
std::optional<int64_t> ParseUtcTime(std::string_view text);

}  // namespace hookbridge::replay
