// What every answered request leaves behind: its count and duration in the
// metrics, and for a webhook its outcome (accepted, dead letter or the
// rejection reason), counted from the answer that went on the wire, and one
// access-log line. The one place that records a webhook's outcome, and a
// delivery report that comes after the answer (RecordLate).
//
// Used by the connection loop's thread only. The lines are written once per
// turn of the loop, all with one system call: at thousands of webhooks a
// second, a write per line is a large share of a request's cost. A crash
// loses at most the lines of the turn in progress.
#pragma once

#include <string>

#include "hookbridge/core/metrics.h"
#include "hookbridge/http/http_request.h"

namespace hookbridge {

class AccessLog {
 public:
  explicit AccessLog(Metrics& metrics) : metrics_(metrics) {}
  ~AccessLog() { Flush(); }
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Once per request, when its answer is decided; now is read from the clock
  // that stamped request.start (the loop's, which may be injected).
  void Record(const HttpRequest& request, HttpRequest::Clock::time_point now);
  // A webhook's outcome that came when nobody waited for it any more: its
  // request was answered at the ack deadline, or its client had gone.
  void RecordLate(const WebhookResult& outcome);
  // Writes the lines recorded since the last Flush().
  void Flush();

 private:
  Metrics& metrics_;
  std::string lines_;
};

}  // namespace hookbridge
