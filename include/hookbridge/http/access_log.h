// What every answered request leaves behind: its count and duration in the
// metrics, and for a webhook a rejection count and one access-log line.
// Called once per request, on whichever thread decided its answer.
#pragma once

#include "hookbridge/core/metrics.h"
#include "hookbridge/http/http_request.h"

namespace hookbridge {

void RecordAnswer(Metrics& metrics, const HttpRequest& request);

}  // namespace hookbridge
