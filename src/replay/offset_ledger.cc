#include "hookbridge/replay/offset_ledger.h"

#include <charconv>
#include <iterator>

namespace hookbridge::replay {
namespace {

constexpr std::string_view kVersionPrefix = "v1:";

bool ParseOffset(std::string_view text, int64_t* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out >= 0;
}

}  // namespace

std::optional<OffsetLedger> OffsetLedger::FromCommitted(int64_t committed,
                                                        std::string_view metadata,
                                                        int64_t log_start) {
  OffsetLedger ledger(committed < log_start ? log_start : committed);
  if (metadata.empty()) return ledger;
  if (metadata.substr(0, kVersionPrefix.size()) != kVersionPrefix) return std::nullopt;
  metadata.remove_prefix(kVersionPrefix.size());
  while (!metadata.empty()) {
    size_t comma = metadata.find(',');
    std::string_view range = metadata.substr(0, comma);
    metadata = comma == std::string_view::npos ? std::string_view() : metadata.substr(comma + 1);
    size_t dash = range.find('-');
    int64_t first = 0;
    int64_t last = 0;
    if (!ParseOffset(range.substr(0, dash), &first)) return std::nullopt;
    last = first;
    if (dash != std::string_view::npos && !ParseOffset(range.substr(dash + 1), &last)) {
      return std::nullopt;
    }
    if (last < first) return std::nullopt;
    ledger.MarkDone(first, last);
  }
  return ledger;
}

bool OffsetLedger::IsDone(int64_t offset) const {
  if (offset < committed_) return true;
  auto after = done_above_.upper_bound(offset);
  return after != done_above_.begin() && std::prev(after)->second >= offset;
}

bool OffsetLedger::CanMarkDone(int64_t offset) const {
  OffsetLedger trial = *this;
  trial.MarkDone(offset, offset);
  return trial.Metadata().size() <= kMaxLedgerMetadataBytes;
}

void OffsetLedger::MarkDone(int64_t first, int64_t last) {
  if (last < committed_) return;
  if (first < committed_) first = committed_;
  // Merge with every range that overlaps or touches [first, last].
  auto it = done_above_.upper_bound(first);
  if (it != done_above_.begin() && std::prev(it)->second + 1 >= first) --it;
  while (it != done_above_.end() && it->first <= last + 1) {
    if (it->first < first) first = it->first;
    if (it->second > last) last = it->second;
    it = done_above_.erase(it);
  }
  done_above_.emplace(first, last);
  // The range that starts at the committed offset is no longer "above" it.
  auto lowest = done_above_.begin();
  if (lowest->first == committed_) {
    committed_ = lowest->second + 1;
    done_above_.erase(lowest);
  }
}

std::string OffsetLedger::Metadata() const {
  if (done_above_.empty()) return "";
  std::string text(kVersionPrefix);
  for (const auto& [first, last] : done_above_) {
    if (text.size() > kVersionPrefix.size()) text += ',';
    text += std::to_string(first);
    if (last != first) text += '-' + std::to_string(last);
  }
  return text;
}

}  // namespace hookbridge::replay
