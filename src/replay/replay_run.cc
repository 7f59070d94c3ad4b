#include "hookbridge/replay/replay_run.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "hookbridge/replay/dead_letter_reader.h"
#include "hookbridge/replay/webhook_sender.h"

namespace hookbridge::replay {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPollWait{200};
constexpr std::chrono::milliseconds kFirstBackoff{250};
constexpr std::chrono::milliseconds kMaxBackoff{10000};
constexpr std::chrono::milliseconds kStopCheck{50};
constexpr std::chrono::seconds kProgressEvery{1};

// Sleeps `duration`, or less if a stop is requested; false if one was.
bool SleepUnlessStopped(std::chrono::milliseconds duration,
                        const std::atomic<bool>& stop_requested) {
  const auto until = Clock::now() + duration;
  while (Clock::now() < until) {
    if (stop_requested) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(kStopCheck, until - Clock::now()));
  }
  return !stop_requested;
}

// Sends until the answer is final (2xx or 4xx); nullopt if stopped first.
std::optional<SendResult> SendWithRetries(WebhookSender& sender, const DeadLetter& record,
                                          const std::atomic<bool>& stop_requested,
                                          std::FILE* progress) {
  std::chrono::milliseconds backoff = kFirstBackoff;
  while (true) {
    SendResult result = sender.Send(record.body, record.trace_headers);
    if (result.outcome != SendOutcome::kRetry) return result;
    const std::chrono::milliseconds wait =
        std::max<std::chrono::milliseconds>(backoff, result.retry_after);
    std::fprintf(progress, "replay: partition %d offset %lld: %s; retrying in %lld ms\n",
                 record.partition, static_cast<long long>(record.offset),
                 result.description.c_str(), static_cast<long long>(wait.count()));
    std::fflush(progress);
    if (!SleepUnlessStopped(wait, stop_requested)) return std::nullopt;
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

// Header values and keys come from senders: no control byte reaches the terminal.
std::string Printable(const std::string& text) {
  if (text.empty()) return "-";
  std::string out = text;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  }
  return out;
}

void PrintRecord(std::FILE* out, const char* what, const DeadLetter& record,
                 const std::string& detail) {
  std::fprintf(out, "%s partition=%d offset=%lld key=%s reason=%s received_at=%s bytes=%zu%s%s\n",
               what, record.partition, static_cast<long long>(record.offset),
               Printable(record.key).c_str(), Printable(record.reason).c_str(),
               Printable(record.received_at).c_str(), record.body.size(),
               detail.empty() ? "" : ": ", detail.empty() ? "" : Printable(detail).c_str());
  std::fflush(out);
}

void PrintProgress(std::FILE* out, const char* label, int64_t in_run, const ReplayTally& tally) {
  std::fprintf(
      out,
      "replay: %s %lld of %lld records read: delivered %lld, refused %lld, dead-lettered again "
      "%lld, not selected %lld, delivered before %lld%s\n",
      label, static_cast<long long>(tally.read), static_cast<long long>(in_run),
      static_cast<long long>(tally.delivered), static_cast<long long>(tally.refused),
      static_cast<long long>(tally.dead_lettered_again), static_cast<long long>(tally.not_selected),
      static_cast<long long>(tally.sent_before),
      tally.listed > 0 ? (", would send " + std::to_string(tally.listed)).c_str() : "");
  std::fflush(out);
}

}  // namespace

ReplayEnd RunReplay(const ReplayOptions& options, const std::atomic<bool>& stop_requested,
                    std::FILE* records, std::FILE* progress, ReplayTally* tally) {
  std::string error;
  std::unique_ptr<DeadLetterReader> reader = DeadLetterReader::Open(options, &error);
  if (!reader) {
    std::fprintf(progress, "replay: %s\n", error.c_str());
    return ReplayEnd::kKafkaFailed;
  }
  WebhookSender sender(options.url, options.api_key);
  ReplayEnd end = ReplayEnd::kFinished;
  auto next_progress = Clock::now() + kProgressEvery;
  DeadLetter record;
  while (true) {
    if (stop_requested) {
      end = ReplayEnd::kStopped;
      break;
    }
    if (Clock::now() >= next_progress) {
      PrintProgress(progress, "progress:", reader->records_in_run(), *tally);
      next_progress = Clock::now() + kProgressEvery;
    }
    DeadLetterReader::Poll poll = reader->Next(kPollWait, &record, &error);
    if (poll == DeadLetterReader::Poll::kEnd) break;
    if (poll == DeadLetterReader::Poll::kNothingYet) continue;
    if (poll == DeadLetterReader::Poll::kError) {
      std::fprintf(progress, "replay: reading the topic failed: %s\n", error.c_str());
      end = ReplayEnd::kKafkaFailed;
      break;
    }
    ++tally->read;
    OffsetLedger& ledger = reader->LedgerOf(record.partition);
    if (ledger.IsDone(record.offset)) {
      ++tally->sent_before;
      continue;
    }
    if (!options.selection.Selects(record.reason, record.timestamp_ms)) {
      ++tally->not_selected;
      continue;
    }
    if (options.dry_run) {
      ++tally->listed;
      PrintRecord(records, "would-send", record, "");
      continue;
    }
    if (!ledger.CanMarkDone(record.offset)) {
      // Too many records left behind below this one for the commit metadata
      // to name what was delivered above them: stop this partition here.
      PrintRecord(records, "partition-stopped", record,
                  "too many records left behind below this one; replay those first");
      reader->Stop(record.partition);
      continue;
    }
    std::optional<SendResult> sent = SendWithRetries(sender, record, stop_requested, progress);
    if (!sent) {
      end = ReplayEnd::kStopped;
      break;
    }
    if (sent->outcome == SendOutcome::kRefused) {
      ++tally->refused;
      PrintRecord(records, "refused", record, sent->description);
      continue;
    }
    ledger.MarkDone(record.offset, record.offset);
    if (!reader->Commit(record.partition, &error)) {
      PrintRecord(records, "delivered-not-committed", record,
                  error + " (a later run sends it again)");
      end = ReplayEnd::kKafkaFailed;
      break;
    }
    if (sent->outcome == SendOutcome::kDeadLetteredAgain) {
      ++tally->dead_lettered_again;
      PrintRecord(records, "dead-lettered-again", record, sent->description);
    } else {
      ++tally->delivered;
    }
  }
  PrintProgress(progress,
                end == ReplayEnd::kFinished ? "done:" : "stopped:", reader->records_in_run(),
                *tally);
  return end;
}

}  // namespace hookbridge::replay
