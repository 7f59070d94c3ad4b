// What hookbridge answers to which request: the one place that knows the
// paths and methods.
//
//   POST <a source's path>         the webhook: checked on its head, then its
//                                  body is read and HandleWebhook() publishes it
//   GET|HEAD /healthz /readyz /metrics   answered at once, on the connection loop
//   another method on these paths  405 with Allow
//   any other path                 404
//
// A request refused on its head alone is answered without its body being
// read; the connection then closes (see HttpRequest::body_unread).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "hookbridge/core/metrics.h"
#include "hookbridge/core/readiness.h"
#include "hookbridge/http/http_request.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {

class Routes {
 public:
  // What the connection loop knows when a head is complete.
  struct LoopState {
    bool overloaded = false;  // the webhooks in flight are at their limit
    size_t idle_connections = 0;
  };

  // `sources` gives the sources in force (a fixed list without a sources
  // file: BuiltInSources()); it is asked on every request's head.
  Routes(std::function<std::shared_ptr<const SourceSet>()> sources, WebhookHandler& handler,
         Metrics& metrics, std::function<Readiness()> readiness);

  // Sets request.route (and request.source for a webhook) and, unless the
  // webhook's body is to be read next, request.answer: true when the request
  // is answered.
  bool AnswerOnHead(HttpRequest& request, const LoopState& state) const;

  // The webhook with its whole body: published; `done` gets the outcome once
  // (see WebhookHandler::HandleBody). Sets request.webhook.event_id.
  void HandleWebhook(HttpRequest& request, WebhookHandler::Done done) const;

  std::chrono::milliseconds ack_timeout() const { return handler_.ack_timeout(); }
  // The largest webhook body taken, however it is framed.
  size_t max_body_bytes() const { return handler_.max_body_bytes(); }

 private:
  // The route, and for a webhook its source.
  Route RouteOf(std::string_view path, std::shared_ptr<const Source>* source) const;
  std::optional<HttpResponse> CheckWebhookHead(const HttpRequest& request, bool overloaded) const;
  // Before /metrics is rendered: the deduplication window's figures, and a
  // duplicates count for every source in force.
  void DescribeDedup() const;

  const std::function<std::shared_ptr<const SourceSet>()> sources_;
  WebhookHandler& handler_;
  Metrics& metrics_;
  const std::function<Readiness()> readiness_;
};

}  // namespace hookbridge
