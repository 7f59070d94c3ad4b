// The loss checker: drives hookbridge with N profile.updated webhooks, each
// with a unique id, retried the way GetProfile retries (every non-2xx answer
// and every connection error, same body, short backoff, until a 2xx or an
// overall deadline), then reads the topic from the beginning and compares:
// every event that got a 2xx must be in Kafka. With ordered senders, it also
// checks that events of a profile sent one after another are stored in order.
// Each request carries a W3C traceparent whose parent-id is its attempt
// number (the trace-id is the event's), which hookbridge copies into the
// record: so a duplicate record tells whether the bridge stored one request
// twice, or the sender's retry of an event was stored beside an earlier
// attempt.
//
// A run has two phases so that a test can inject faults in between:
//   LoadRun run(options); run.Start();
//   ... wait for run.acknowledged(), kill things, restart things ...
//   run.Wait(...);
//   LossReport report = CheckTopic(run.Outcomes(), options, ...);
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace hookbridge::faults {

using Clock = std::chrono::steady_clock;

struct LoadOptions {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string path = "/webhooks/getprofile";
  std::string api_key;
  std::string run_id;  // empty: a random one; ids are "evt-<run_id>-<n>"
  size_t events = 20000;
  int concurrency = 16;
  size_t profiles = 5000;  // distinct data.profile_id values, round robin
  // Off: the senders share one queue of events, so two events of a profile
  // may be in flight at once. On: sender s owns the profiles p with
  // p % concurrency == s and sends their events in index order, each only
  // after the previous one got its 2xx (as GetProfile sends one profile's
  // events); CheckTopic then checks their order on the topic.
  bool ordered_per_sender = false;
  // Give up on an event (it stays unacknowledged) if it has no 2xx by then,
  // counted from Start().
  std::chrono::milliseconds overall_deadline{180000};
  // Per request: connect and read timeouts. GetProfile gives up after 5 s;
  // hookbridge's own deadline is shorter, so this only catches a wedged server.
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds read_timeout{10000};
  // Events started per second, over all senders (0: as fast as they go).
  // Event n is first sent no earlier than n / rate after Start(), so a run
  // spans a fault that takes long (a rolling restart, a soak), until
  // LoadRun::StopPacing(); retries are not paced.
  double rate_per_second = 0;
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{200};
};

// How one attempt ended, from the client's side.
enum class SendOutcome : uint8_t {
  k2xx,
  k503,
  kOther,          // any other status
  kConnectFailed,  // no connection: nobody was listening (refused, timeout)
  kNoAnswer,       // connected, the request went out (or partly), no answer came back
};

// A send that did not get a 2xx, for looking at what happened when.
struct FailedSend {
  Clock::time_point at;
  SendOutcome outcome;
  // The request went out on a keep-alive connection that had already carried
  // an answered request (else on a connection opened for it).
  bool reused_connection = false;
  std::string error;  // httplib's error name, or the status code
};

struct EventOutcome {
  bool acknowledged = false;
  uint32_t attempts = 0;  // requests sent for this event (1 = no retry)
  Clock::time_point acknowledged_at{};
};

struct SendCounts {
  uint64_t ok_2xx = 0;
  uint64_t status_503 = 0;
  uint64_t status_other = 0;
  uint64_t connect_failed = 0;
  uint64_t no_answer = 0;
  uint64_t no_answer_reused = 0;  // of no_answer: on a reused keep-alive connection
  uint64_t connection_errors() const { return connect_failed + no_answer; }
  uint64_t total() const { return ok_2xx + status_503 + status_other + connect_failed + no_answer; }
};

// The senders. Thread-safe observers may be called while it runs.
class LoadRun {
 public:
  explicit LoadRun(LoadOptions options);
  ~LoadRun();  // stops the senders
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;

  void Start();
  // Waits until every event is acknowledged or given up; false on timeout.
  bool Wait(std::chrono::milliseconds timeout);
  // Stops the senders early (events not yet acknowledged stay so).
  void Stop();
  // From now on the events left are sent as fast as the senders go: the
  // rate's only purpose is to make a run span its fault, so a scenario calls
  // this once the fault and the recovery it waits for are over. Every event
  // is still sent, in the same order per sender, and checked the same way.
  void StopPacing() { paced_ = false; }

  // Live figures.
  size_t acknowledged() const { return acknowledged_; }
  bool done() const {
    return started_ && finished_senders_ == static_cast<size_t>(options_.concurrency);
  }
  SendCounts counts() const;
  std::vector<std::string> other_answers() const;  // a few "<status> <body>" of kOther sends
  // Every answer that was not a 2xx, by status code.
  std::map<int, uint64_t> non_2xx_by_status() const;
  // Connection errors by httplib's error name ("Read", "Connection", ...).
  std::map<std::string, uint64_t> errors_by_kind() const;
  // Every send that did not get a 2xx, in order (bounded: the first 200000).
  std::vector<FailedSend> failures() const;
  // Of those, the ones with `outcome` in [from, to).
  size_t CountFailures(SendOutcome outcome, Clock::time_point from, Clock::time_point to,
                       bool reused_only = false) const;
  // Waits until at least `count` events were acknowledged; false on timeout.
  bool WaitForAcknowledged(size_t count, std::chrono::milliseconds timeout) const;
  // The ids acknowledged so far (copy, for "acknowledged before the fault").
  std::vector<size_t> AcknowledgedSoFar() const;
  // Events whose 2xx arrived in [from, to).
  size_t AcknowledgedBetween(Clock::time_point from, Clock::time_point to) const;
  // Seconds from `at` until the first 2xx that arrived after it; -1 if none.
  double SecondsToFirstAcknowledgementAfter(Clock::time_point at) const;
  // Whole seconds since Start(), up to the last 2xx, in which no 2xx arrived.
  size_t SecondsWithoutAcknowledgement() const;

  const LoadOptions& options() const { return options_; }
  std::string EventId(size_t n) const;
  std::string EventBody(size_t n) const;
  // The traceparent of attempt `attempt` (1, 2, ...) of event n: trace-id
  // from n, parent-id the attempt number.
  static std::string TraceParent(size_t n, uint32_t attempt);
  // The attempt number in a traceparent TraceParent() made; 0 if none.
  static uint32_t AttemptOf(std::string_view traceparent);
  // Only once done() or stopped.
  const std::vector<EventOutcome>& outcomes() const { return outcomes_; }
  std::chrono::duration<double> elapsed() const;

 private:
  void Sender(int sender, unsigned seed);
  // The next event for `sender` to send (options_.events when none is left);
  // *cursor is the sender's own position in ordered mode.
  size_t NextEvent(int sender, size_t* cursor);
  void Record(SendOutcome outcome, bool reused, const std::string& error);

  LoadOptions options_;
  std::vector<EventOutcome> outcomes_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
  std::atomic<size_t> acknowledged_{0};
  std::atomic<size_t> finished_senders_{0};
  std::atomic<bool> stop_{false};
  std::atomic<bool> paced_{true};
  bool started_ = false;
  Clock::time_point start_{};
  std::atomic<int64_t> end_ns_{0};
  mutable std::mutex mutex_;  // outcomes_ entries written by senders; read by observers
  SendCounts counts_;
  std::vector<std::string> other_answers_;
  std::map<int, uint64_t> non_2xx_by_status_;
  std::map<std::string, uint64_t> errors_by_kind_;
  std::vector<FailedSend> failures_;
};

struct LossReport {
  std::string scenario;
  size_t events = 0;
  size_t acknowledged = 0;
  size_t never_acknowledged = 0;         // gave up (overall deadline) without a 2xx
  size_t consumed_records = 0;           // records of this run on the topic
  size_t consumed_distinct = 0;          // distinct ids of this run on the topic
  size_t missing = 0;                    // acknowledged but not on the topic: must be 0
  size_t unacknowledged_but_stored = 0;  // never got a 2xx, yet on the topic
  size_t duplicates = 0;                 // records beyond the first, per id; by cause:
  size_t duplicates_bridge = 0;          // a request stored again (same attempt): goal 0
  size_t duplicates_sender_retry = 0;    // a later attempt stored beside an earlier one
  size_t duplicates_unattributed = 0;    // a copy without the checker's traceparent
  size_t retried = 0;                    // events that needed more than one attempt
  size_t retried_then_stored = 0;        // those of them that are on the topic
  size_t retry_sends = 0;                // requests beyond the first, over all events
  size_t foreign_records = 0;            // records on the topic with an id not of this run
  SendCounts sends;
  double send_seconds = 0;
  double consume_seconds = 0;
  bool consume_complete = false;         // read every partition up to its high watermark
  std::string consume_error;             // why the read is incomplete
  size_t acked_before_fault = SIZE_MAX;  // SIZE_MAX: no fault snapshot given
  size_t acked_before_fault_missing = 0;
  // Order per profile (ordered_per_sender only): pairs of consecutive events
  // of a profile, the first acknowledged and both on the topic, and those of
  // them whose first stored copies are out of order (or in two partitions).
  bool order_checked = false;
  size_t order_pairs = 0;
  size_t order_violations = 0;
  std::vector<std::string> order_violation_sample;  // a few, for the failure message
  std::vector<std::string> other_answers;           // a few "<status> <body>" of kOther sends
  std::map<int, uint64_t> non_2xx_by_status;        // every non-2xx answer, by status
  std::map<std::string, uint64_t> errors_by_kind;   // connection errors by httplib error
  std::vector<std::string> missing_sample;          // a few missing ids, for the failure message

  // One line, key=value, for logs and the report file.
  std::string Line() const;
};

struct ConsumeOptions {
  std::string brokers;
  std::string topic;
  // librdkafka properties besides (a secured broker's credentials).
  std::vector<std::pair<std::string, std::string>> properties;
  std::chrono::milliseconds timeout{90000};
};

// Reads `topic` from the beginning up to its high watermarks (taken when the
// read starts) and compares it with what the run acknowledged. With
// `before_fault` (indices of events acknowledged before a fault was injected),
// also counts those of them that are missing. With ordered senders, also
// checks order per profile: the first stored copy of a profile's event k
// must come before the first stored copy of its event k+1 (later copies are
// retries' duplicates, which at-least-once allows).
LossReport CheckTopic(const LoadRun& run, const ConsumeOptions& consume,
                      const std::vector<size_t>* before_fault = nullptr);

// A random run id: lowercase hex.
std::string RandomRunId();

}  // namespace hookbridge::faults
