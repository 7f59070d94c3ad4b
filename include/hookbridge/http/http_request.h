// One HTTP request from its first byte to its answer: everything the
// connection loop, the routes and the access log know about it, in one object
// passed explicitly.
//
// Owned by its connection for its whole life, used on the connection loop's
// thread only (a webhook's outcome reaches it through the loop). Views in
// `head` point into `head_bytes`, so a request is never moved or copied once
// its head is in.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "hookbridge/core/http_response.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/http/request_head.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {

struct HttpRequest {
  using Clock = std::chrono::steady_clock;

  HttpRequest() = default;
  HttpRequest(const HttpRequest&) = delete;
  HttpRequest& operator=(const HttpRequest&) = delete;

  Clock::time_point start;      // its first byte arrived
  Clock::time_point head_done;  // its head was complete: the ack deadline counts from here
  std::string head_bytes;       // the head as received
  HttpRequestHead head;         // parsed from head_bytes; empty if the head was refused
  std::string body;             // decoded (chunked) or as received
  std::string id;               // X-Request-Id: the client's if well-formed, else a new one
  Route route = Route::kOther;
  // A webhook's source as routed: kept until the answer, whatever a reload does.
  std::shared_ptr<const Source> source;
  bool body_unread = false;  // answered before the body was read whole: the connection closes
  HttpResponse answer;
  WebhookResult webhook;  // event id, then the outcome, once the webhook is handled
};

}  // namespace hookbridge
