#include "hookbridge/http/routes.h"

#include <utility>

#include "hookbridge/rules/rules.h"
#include "hookbridge/webhook/handshake.h"

namespace hookbridge {
namespace {

// The query of the request target ("" without one).
std::string_view Query(std::string_view target) {
  const size_t mark = target.find('?');
  return mark == std::string_view::npos ? std::string_view() : target.substr(mark + 1);
}

// What the webhook handler reads of a request: header values exactly as sent.
RequestHead WebhookHead(const HttpRequest& request) {
  const HttpRequestHead& head = request.head;
  return RequestHead{head.Values("Authorization"),
                     head.Values("Content-Type"),
                     head.Values("Content-Encoding"),
                     head.Values("traceparent"),
                     head.Values("tracestate"),
                     request.id,
                     [&head](std::string_view name) { return head.Values(name); },
                     Query(head.target)};
}

bool HasBody(const HttpRequestHead& head) {
  return head.framing == BodyFraming::kChunked ||
         (head.framing == BodyFraming::kContentLength && head.content_length > 0);
}

}  // namespace

Routes::Routes(std::function<std::shared_ptr<const SourceSet>()> sources, WebhookHandler& handler,
               Metrics& metrics, std::function<Readiness()> readiness)
    : sources_(std::move(sources)),
      handler_(handler),
      metrics_(metrics),
      readiness_(std::move(readiness)) {}

Route Routes::RouteOf(std::string_view path, std::shared_ptr<const Source>* source) const {
  *source = sources_()->ByPath(path);
  if (*source) return Route::kWebhook;
  if (path == kHealthzPath) return Route::kHealthz;
  if (path == kReadyzPath) return Route::kReadyz;
  if (path == kMetricsPath) return Route::kMetrics;
  return Route::kOther;
}

std::optional<HttpResponse> Routes::CheckWebhookHead(const HttpRequest& request,
                                                     bool overloaded) const {
  const HttpRequestHead& head = request.head;
  if (head.method != "POST") {
    return MethodNotAllowedResponse(request.source->verify_tokens.empty() ? "POST" : "GET, POST");
  }
  if (overloaded) {
    return ErrorResponse(ErrorCode::kOverloaded, "too many requests in flight, retry later");
  }
  if (head.framing == BodyFraming::kNone) {
    return ErrorResponse(ErrorCode::kLengthRequired, "Content-Length is required");
  }
  const size_t max_body = max_body_bytes();
  if (head.framing == BodyFraming::kContentLength && head.content_length > max_body) {
    return ErrorResponse(ErrorCode::kPayloadTooLarge,
                         "body exceeds " + std::to_string(max_body) + " bytes");
  }
  // A bearer key and the content type are decided before a byte of the body
  // is read, on the values exactly as sent; a signature needs the body.
  return handler_.CheckHead(*request.source, WebhookHead(request));
}

bool Routes::AnswerOnHead(HttpRequest& request, const LoopState& state) const {
  const HttpRequestHead& head = request.head;
  request.route = RouteOf(head.path, &request.source);
  std::optional<HttpResponse> answer;
  switch (request.route) {
    case Route::kWebhook:
      // Meta's subscription check, where the source takes one: answered on
      // the head, nothing stored.
      if (head.method == "GET" && !HasBody(head)) {
        answer = AnswerSubscriptionCheck(*request.source, Query(head.target));
        request.webhook.handshake = answer && answer->status == 200;
      }
      if (!answer) answer = CheckWebhookHead(request, state.overloaded);
      break;
    case Route::kOther: answer = ErrorResponse(ErrorCode::kNotFound, "no such endpoint"); break;
    case Route::kHealthz:
    case Route::kReadyz:
    case Route::kMetrics:
      if ((head.method != "GET" && head.method != "HEAD") || HasBody(head)) {
        answer = MethodNotAllowedResponse("GET, HEAD");
      } else if (request.route == Route::kHealthz) {
        answer = AliveResponse();
      } else if (request.route == Route::kReadyz) {
        Readiness now = readiness_();
        metrics_.SetReady(now.ready());
        answer = ReadinessResponse(now);
      } else {
        // Computed at each scrape too, so that an instance nobody probes
        // (systemd has no probe) still shows whether it is ready.
        metrics_.SetReady(readiness_().ready());
        metrics_.SetIdleConnections(state.idle_connections);
        DescribeDedup();
        answer = MetricsResponse(metrics_.Render());
      }
      break;
  }
  if (!answer) return false;
  request.answer = std::move(*answer);
  request.body_unread = HasBody(head);
  return true;
}

void Routes::DescribeDedup() const {
  std::vector<std::string_view> names;
  const std::shared_ptr<const SourceSet> sources = sources_();
  for (const auto& source : sources->sources) names.emplace_back(source->name);
  metrics_.DeclareSources(names);
  if (const DedupWindow* window = handler_.dedup_window()) {
    metrics_.SetDedupWindow(window->remembered(), window->evictions());
  }
}

void Routes::HandleWebhook(HttpRequest& request, WebhookHandler::Done done) const {
  request.webhook.event_id =
      handler_.HandleBody(*request.source, WebhookHead(request), std::move(request.body),
                          request.head_done, std::move(done));
}

}  // namespace hookbridge
