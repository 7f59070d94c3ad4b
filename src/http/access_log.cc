#include "hookbridge/http/access_log.h"

#include <string>

#include "hookbridge/core/log.h"

namespace hookbridge {

void AccessLog::Record(const HttpRequest& request) {
  const HttpRequest::Clock::duration latency = HttpRequest::Clock::now() - request.start;
  const int status = request.answer.status;
  metrics_.CountRequest(request.route, status, latency);
  if (request.route != Route::kWebhook) return;
  const std::string_view source = request.source ? std::string_view(request.source->name) : "";
  if (request.answer.error) {
    metrics_.CountRejection(RejectionReason(*request.answer.error));
    if (!source.empty())
      metrics_.CountSourceOutcome(source, RejectionReason(*request.answer.error));
  }
  if (!LogEnabled(LogLevel::kInfo)) return;  // the fields cost five strings to build
  const WebhookResult& webhook = request.webhook;
  const bool stored = status == 200;
  lines_ += FormatLogLine(
      LogLevel::kInfo, "webhook",
      {{"request_id", request.id},
       {"source", std::string(source)},
       {"status", std::to_string(status)},
       {"latency_ms", std::to_string(std::chrono::duration<double, std::milli>(latency).count())},
       {"event_id", webhook.event_id},
       {"partition", stored ? std::to_string(webhook.delivery.partition) : ""},
       {"offset", stored ? std::to_string(webhook.delivery.offset) : ""},
       {"reason", request.answer.error ? RejectionReason(*request.answer.error) : ""},
       {"kafka_error", webhook.delivery.error}});
}

void AccessLog::Flush() {
  if (lines_.empty()) return;
  WriteLogLines(lines_);
  lines_.clear();
}

}  // namespace hookbridge
