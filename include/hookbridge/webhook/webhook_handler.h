// Handling of one webhook request of one source (sources/source.h), free of
// any HTTP or Kafka library: the pipeline every request takes, whichever
// source it came to. The source's event contract (sources/event_contract.h)
// turns the body into a record, or labels its dead letter; this file knows
// no contract.
//
// The HTTP adapter calls CheckHead() once the headers are in (a bearer key is
// decided before a byte of the body is read), reads the body up to
// max_body_bytes(), then calls HandleBody(), which verifies a signature over
// the raw body first, then parses and publishes and never waits: the outcome
// comes through a callback when Kafka's delivery report does. The adapter
// keeps the acknowledgement deadline: with no outcome by then it answers
// AckDeadlinePassed(). Thread-safe.
//
// Edge deduplication (docs/deduplication.md): once the request is
// authenticated and its contract accepted it, the webhook's dedup id is
// looked up in the DedupWindow (dedup_window.h). A copy of one PERSISTED
// within the window is answered 200 as a duplicate at once; a copy of one
// still in flight gets the first's outcome when it comes (the adapter keeps
// the copy's own ack deadline). Neither produces a record.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hookbridge/core/config.h"
#include "hookbridge/core/http_response.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/publisher.h"
#include "hookbridge/sources/source.h"
#include "hookbridge/webhook/dedup_window.h"

namespace hookbridge {

// The request headers that matter, each with every value received, and the
// request id the answer carries. Views into the request: valid during a call.
struct RequestHead {
  std::vector<std::string_view> authorization;
  std::vector<std::string_view> content_type;
  std::vector<std::string_view> content_encoding;
  std::vector<std::string_view> traceparent;
  std::vector<std::string_view> tracestate;
  std::string_view request_id;
  // Any header by name (case-insensitive): signatures and CloudEvents
  // attributes of the source read theirs. Unset: no other header.
  HeaderLookup headers;
  // The request target's query as received, without the '?' ("" if none):
  // Twilio signs it as part of the URL.
  std::string_view query;
};

struct WebhookOptions {
  std::chrono::milliseconds ack_timeout =
      kDefaultAckTimeout;  // answer 503 if not PERSISTED by then
  size_t max_body_bytes = kDefaultMaxBodyBytes;
  std::chrono::milliseconds dedup_window = kDefaultDedupWindow;
  size_t dedup_max_ids = kDefaultDedupMaxIds;  // 0: no deduplication
  // The window's clock (tests inject one).
  std::function<DedupWindow::Clock::time_point()> dedup_clock = [] {
    return DedupWindow::Clock::now();
  };
};

// What became of a webhook's body: the answer, and for the access log and
// the metrics (the HTTP adapter records them from the answer it finally
// sends) the event id, where Kafka stored it (partition and offset when
// PERSISTED) and what the answer alone does not say.
struct WebhookResult {
  HttpResponse response;
  std::string event_id;  // empty when the body was not a valid event
  PublishResult delivery;
  std::string source;  // the source's name once its record was published
  // A sender's endpoint check answered (handshake.h): a 200, nothing stored.
  bool handshake = false;
  // The refusal whose body is PERSISTED on the dead-letter topic (the answer is a 200).
  std::optional<ErrorCode> dead_lettered;
  // From receiving the webhook to its record's PERSISTED delivery report.
  std::optional<std::chrono::steady_clock::duration> ack_latency;
  // A copy of a webhook in flight or stored: no record of its own; the
  // answer is the first copy's outcome (200 duplicate, or its failure), and
  // `delivery` that of the first copy's record.
  bool duplicate = false;
};

class WebhookHandler {
 public:
  using Clock = std::chrono::steady_clock;
  using Done = std::function<void(WebhookResult)>;

  WebhookHandler(const KeyStore& keys, Publisher& publisher, WebhookOptions options);

  // An answer if the request is refused on its headers alone; nullopt means
  // "read the body and call HandleBody" (with the source's dead-letter topic,
  // a content type not taken is refused only then, as a dead letter; for a
  // signed source everything is decided with the body, the signature first).
  std::optional<HttpResponse> CheckHead(const Source& source, const RequestHead& head) const;

  // `done` is called exactly once: before HandleBody() returns when the body
  // is refused or Kafka refuses the record at once, otherwise on the
  // publisher's thread with the delivery report. `received` is when the
  // request arrived: the acknowledgement latency counts from there. Returns
  // the event id ("" if the body is no event), for the log when no outcome
  // comes in time. The record goes to source.topic; a refusal
  // IsDeadLetterRefusal() takes, with a source.dead_letter_topic, becomes a
  // dead letter there (labelled by source.contract), answered 200 once
  // PERSISTED. `source` need only live until HandleBody() returns.
  std::string HandleBody(const Source& source, const RequestHead& head, std::string body,
                         Clock::time_point received, Done done);

  // The answer when no outcome came within ack_timeout() of `received`.
  static WebhookResult AckDeadlinePassed(std::string event_id);

  std::chrono::milliseconds ack_timeout() const { return options_.ack_timeout; }
  // Null when deduplication is off; for the metrics.
  const DedupWindow* dedup_window() const { return window_.get(); }
  size_t max_body_bytes() const { return options_.max_body_bytes; }

 private:
  // The 415 for a content type or coding not taken; nullopt if they are fine.
  static std::optional<HttpResponse> CheckContent(const RequestHead& head);
  // Publishes `record` for `source` and answers 200 with `event_id` once
  // PERSISTED; with `dedup_key`, reports the outcome to the window too.
  void Publish(const Source& source, KafkaRecord record, std::string event_id,
               Clock::time_point received, std::optional<DedupWindow::Key> dedup_key, Done done);
  // A refused body: its dead letter when the source keeps them and the
  // refusal is one, otherwise its 4xx, at once.
  void Refuse(const Source& source, const RequestHead& head, const HeaderLookup& headers,
              std::string body, Clock::time_point received, Refusal refusal, Done done);
  // Produces the dead letter of a body refused with `refusal` on the
  // source's dead-letter topic, and answers 200 once it is PERSISTED.
  void DeadLetter(const Source& source, const RequestHead& head, const HeaderLookup& headers,
                  std::string body, Clock::time_point received, Refusal refusal, Done done);

  const KeyStore& keys_;
  Publisher& publisher_;
  WebhookOptions options_;
  // Shared with the delivery-report callbacks, which may outlive this handler.
  std::shared_ptr<DedupWindow> window_;
};

// True for "application/json" with optional parameters, of which charset may
// only be utf-8 (RFC 8259 8.1).
bool IsJsonContentType(std::string_view content_type);

}  // namespace hookbridge
