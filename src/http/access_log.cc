#include "hookbridge/http/access_log.h"

#include <cstdint>
#include <optional>
#include <string>

#include "hookbridge/core/log.h"

namespace hookbridge {
namespace {

// A record's partition or offset, left out of the line when nothing was stored.
std::optional<int64_t> IfStored(bool stored, int64_t value) {
  return stored ? std::optional<int64_t>(value) : std::nullopt;
}

}  // namespace

void AccessLog::Record(const HttpRequest& request, HttpRequest::Clock::time_point now) {
  const HttpRequest::Clock::duration latency = now - request.start;
  const int status = request.answer.status;
  metrics_.CountRequest(request.route, status, latency);
  if (request.route != Route::kWebhook) return;
  const std::string_view source = request.source ? std::string_view(request.source->name) : "";
  const WebhookResult& webhook = request.webhook;
  // From the answer on the wire: a 503 at the ack deadline is the outcome,
  // whatever Kafka reports after it (RecordLate).
  std::string_view outcome;
  if (request.answer.error) {
    outcome = RejectionReason(*request.answer.error);
    metrics_.CountRejection(outcome);
  } else if (webhook.duplicate) {
    metrics_.CountDuplicate(source);
    outcome = "duplicate";
  } else if (webhook.handshake) {
    outcome = "handshake";
  } else if (webhook.dead_lettered) {
    metrics_.CountDeadLetter(RejectionReason(*webhook.dead_lettered));
    outcome = "dead_letter";
  } else {
    outcome = "accepted";
  }
  if (!source.empty()) metrics_.CountSourceOutcome(source, outcome);
  if (webhook.ack_latency) metrics_.ObserveAck(*webhook.ack_latency);
  if (!LogEnabled(LogLevel::kInfo)) return;  // the fields cost strings to build
  const bool stored = status == 200;
  lines_ +=
      FormatLogLine(LogLevel::kInfo, "webhook",
                    {{"request_id", request.id},
                     {"source", source},
                     {"status", status},
                     {"latency_ms", std::chrono::duration<double, std::milli>(latency).count()},
                     {"event_id", webhook.event_id},
                     {"partition", IfStored(stored, webhook.delivery.partition)},
                     {"offset", IfStored(stored, webhook.delivery.offset)},
                     {"reason", request.answer.error ? RejectionReason(*request.answer.error) : ""},
                     {"outcome", outcome},
                     {"kafka_error", webhook.delivery.error}});
}

void AccessLog::RecordLate(const WebhookResult& outcome) {
  // A copy's outcome is its first copy's: no delivery report of its own.
  if (outcome.duplicate) return;
  const bool stored = outcome.delivery.status == PublishStatus::kPersisted;
  metrics_.CountLateDelivery(outcome.source, stored);
  // Kafka's latency, whoever was still waiting for it.
  if (outcome.ack_latency) metrics_.ObserveAck(*outcome.ack_latency);
  if (!LogEnabled(LogLevel::kInfo)) return;
  lines_ += FormatLogLine(LogLevel::kInfo, "late delivery report",
                          {{"source", outcome.source},
                           {"event_id", outcome.event_id},
                           {"stored", stored},
                           {"partition", IfStored(stored, outcome.delivery.partition)},
                           {"offset", IfStored(stored, outcome.delivery.offset)},
                           {"kafka_error", outcome.delivery.error}});
}

void AccessLog::Flush() {
  if (lines_.empty()) return;
  WriteLogLines(lines_);
  lines_.clear();
}

}  // namespace hookbridge
