// A connection loop: one thread, one epoll set, its share of the client
// sockets from accept (or, over TLS, from the end of the handshake) to close.
// An instance runs HOOKBRIDGE_HTTP_LOOPS of them (http_server.h); they share
// the listening socket and the instance's limits, nothing else.
//
// A connection moves through these phases (each with its own deadline):
//
//   accept (plain) ------------->  kHead --> kBody --> kHandling --> kWriting
//   Adopt() (TLS, handshake done    ^  \________\__________________/   |
//   on a handshake thread) ------>  |    answered on the head, or a    |
//                                   |    bad or late request           |
//                                   +------------ keep-alive ----------+
//                                                   close --> kLingering --> closed
//
// The loop reads each request whole (or refuses it) before anything runs.
// A complete webhook is handled here too: parsed and handed to the publisher,
// which never blocks. No thread waits for Kafka: the outcome comes back
// through the OutcomeMailbox when the delivery report does, and the loop
// answers it, or answers 503 when the acknowledgement deadline passes first.
// Overload is decided by the loops against the instance's limits
// (instance_limits.h): past max_in_flight webhooks a new one is answered 503
// on its head, and past max_connections a new plain connection is answered
// 503 before its request is read (over TLS the handshake thread closes it).
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hookbridge/core/metrics.h"
#include "hookbridge/http/access_log.h"
#include "hookbridge/http/connection.h"
#include "hookbridge/http/http_request.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/http/instance_limits.h"
#include "hookbridge/http/listening_socket.h"
#include "hookbridge/http/outcome_mailbox.h"
#include "hookbridge/http/routes.h"

namespace hookbridge {

class ConnectionLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // `listen_socket`: bound and listening, shared with the other loops and
  // still the caller's; -1 for a loop that takes its connections by Adopt()
  // only (TLS). `events`: served by this loop (one loop of the instance).
  ConnectionLoop(int listen_socket, const HttpServerOptions& options, const Routes& routes,
                 Metrics& metrics, InstanceLimits& limits, const LoopEventSource& events,
                 const std::atomic<bool>& closing_connections);
  ~ConnectionLoop();
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  // Serves until Stop(), then answers what is in progress (and each request
  // that has arrived on a connection it has, or is handed, by then) and
  // returns once every connection is closed; the loop that serves Kafka's
  // events returns last, once every other loop has (their answers wait for
  // those events). Run on the loop's own thread (or, for a loop whose thread
  // did not start, on the one that stops the server).
  void Run();
  // Any thread.
  void Stop();
  // A connection for this loop to serve from its first request on: accepted
  // by another loop that had more, or established by a handshake thread.
  // Counted in the limits already. Returns nullptr when taken; the connection
  // itself once this loop has finished (Run() returned or is returning): the
  // caller still has it, to serve or to close. Any thread.
  [[nodiscard]] std::unique_ptr<Connection> Adopt(std::unique_ptr<Connection> connection);
  // The connections this loop serves, and those handed to it not yet taken.
  // Any thread.
  size_t load() const { return load_.load(std::memory_order_relaxed); }

  // The loop of `loops` a new connection goes to, by their load(): the one
  // that accepted it (`holder`, if any) keeps it unless another has clearly
  // fewer. The one place that chooses a loop. Any thread.
  static ConnectionLoop& LeastLoaded(const std::vector<ConnectionLoop*>& loops,
                                     ConnectionLoop* holder = nullptr);

  // The other loops of the instance: a new connection goes to one of them
  // when it has fewer (LeastLoaded()), and /metrics adds their idle
  // connections to this loop's. Set before Run().
  void set_siblings(std::vector<ConnectionLoop*> siblings) { siblings_ = std::move(siblings); }
  // This loop's idle connections as last counted (at most a second ago while
  // anything happens on it). Any thread.
  size_t counted_idle_connections() const { return counted_idle_.load(std::memory_order_relaxed); }

 private:
  using Timers = std::multimap<Clock::time_point, Connection*>;

  bool Watch(int operation, int socket, uint32_t events, void* source);
  // After an I/O step on the connection would block: false if it could not
  // be watched, and is closed.
  bool AwaitSocket(Connection& connection);
  void Admit(int socket);
  void TurnAway(int socket);
  void Drive(Connection& connection);
  void ReadRequest(Connection& connection);
  // Takes what was received; false once the request stops being read.
  bool OnHead(Connection& connection);
  void StartRequest(Connection& connection);
  // Reads what has arrived of the next request; once stopping, closes the
  // connection if nothing has.
  void ReadNextRequest(Connection& connection);
  void Dispatch(Connection& connection);
  void TakeOutcomes();
  void TakeAdopted();
  void StopWaiting(Connection& connection);
  void AnswerWebhook(Connection& connection, WebhookResult outcome);
  // Answers on the loop: records the answer, then sends it.
  void Answer(Connection& connection, HttpResponse answer, bool body_unread);
  void Send(Connection& connection);
  void Flush(Connection& connection);
  void Linger(Connection& connection);
  void Close(Connection& connection);
  void SetDeadline(Connection& connection, Clock::time_point deadline);
  void Expire(Connection& connection);
  void BeginStop();
  // Whether Run() may return; once it says so, Adopt() refuses connections.
  bool TryFinish();
  size_t IdleConnections() const;
  void CountIdleConnections(Clock::time_point now);
  int NextTimeoutMs(Clock::time_point now) const;

  const HttpServerOptions& options_;
  const Routes& routes_;
  Metrics& metrics_;
  InstanceLimits& limits_;
  AccessLog access_log_;
  LoopEventSource events_;  // served when readable; its callbacks may post outcomes
  const std::atomic<bool>& closing_connections_;
  int epoll_ = -1;
  std::optional<ListeningWatch> listening_;  // none once stopping, nor in a TLS loop
  // Shared with every pending publish callback; its eventfd also carries Stop().
  const std::shared_ptr<OutcomeMailbox> mailbox_;

  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  Timers timers_;
  std::vector<Connection*> next_requests_;  // answered and kept alive: read the next request
  // Webhooks published and not yet answered, by ticket (never 0).
  std::unordered_map<OutcomeMailbox::Ticket, Connection*> waiting_;
  OutcomeMailbox::Ticket last_ticket_ = 0;
  bool stopping_ = false;
  std::string date_;  // the Date header, for the second below
  std::time_t date_second_ = 0;
  std::array<char, 64 * 1024> scratch_;  // each read lands here first

  std::atomic<bool> stop_requested_{false};

  std::mutex adopted_mutex_;  // Adopt() hands connections over here, then wakes the mailbox
  std::vector<std::unique_ptr<Connection>> adopted_;
  bool adoption_closed_ = false;  // under adopted_mutex_: finished, Adopt() refuses

  std::vector<ConnectionLoop*> siblings_;
  std::atomic<size_t> load_{0};
  std::atomic<size_t> counted_idle_{0};
  std::atomic<bool> finished_{false};  // Run() has returned
  bool idle_census_due_ = false;       // something happened since the last count
  Clock::time_point next_idle_census_{};
};

}  // namespace hookbridge
