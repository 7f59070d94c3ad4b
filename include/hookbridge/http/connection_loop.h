// The connection loop: one thread, one epoll set, every client socket from
// accept to close.
//
// A connection moves through these phases (each with its own deadline):
//
//   accept --TLS--> kHandshake --> kHead --> kBody --> kHandling --> kWriting
//                                   ^  \________\__________________/   |
//                                   |    answered on the head, or a    |
//                                   |    bad or late request           |
//                                   +------------ keep-alive ----------+
//                                                   close --> kLingering --> closed
//
// The loop reads each request whole (or refuses it) before anything runs.
// A complete webhook is handled here too: parsed and handed to the publisher,
// which never blocks. No thread waits for Kafka: the outcome comes back
// through the OutcomeMailbox when the delivery report does, and the loop
// answers it, or answers 503 when the acknowledgement deadline passes first.
// Overload is decided here, in one place: past max_in_flight webhooks a new
// one is answered 503 on its head, and past max_connections a new connection
// is answered 503 before its request is read (plain HTTP; over TLS it is
// closed).
#pragma once

#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "hookbridge/core/metrics.h"
#include "hookbridge/http/access_log.h"
#include "hookbridge/http/connection.h"
#include "hookbridge/http/http_request.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/http/outcome_mailbox.h"
#include "hookbridge/http/routes.h"

namespace hookbridge {

class ConnectionLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // `listen_socket`: bound and listening, now owned by the loop (closed when
  // it stops). `tls`: nullptr for plain HTTP.
  ConnectionLoop(int listen_socket, SSL_CTX* tls, const HttpServerOptions& options,
                 const Routes& routes, Metrics& metrics, const LoopEventSource& events,
                 const std::atomic<bool>& closing_connections);
  ~ConnectionLoop();
  ConnectionLoop(const ConnectionLoop&) = delete;
  ConnectionLoop& operator=(const ConnectionLoop&) = delete;

  // Serves until Stop(), then answers what is in progress and returns once
  // every connection is closed. Run on the loop's own thread.
  void Run();
  // Any thread.
  void Stop();

 private:
  using Timers = std::multimap<Clock::time_point, Connection*>;

  bool Watch(int operation, int socket, uint32_t events, void* source);
  void Accept();
  void TurnAway(int socket);
  void Drive(Connection& connection);
  void ReadRequest(Connection& connection);
  // Takes what was received; false once the request stops being read.
  bool OnHead(Connection& connection);
  bool StartRequest(Connection& connection);
  void Dispatch(Connection& connection);
  void TakeOutcomes();
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
  size_t IdleConnections() const;
  int NextTimeoutMs(Clock::time_point now) const;

  int listen_socket_;
  SSL_CTX* const tls_;
  const HttpServerOptions& options_;
  const Routes& routes_;
  Metrics& metrics_;
  AccessLog access_log_;
  LoopEventSource events_;  // served when readable; its callbacks may post outcomes
  const std::atomic<bool>& closing_connections_;
  int epoll_ = -1;
  // Shared with every pending publish callback; its eventfd also carries Stop().
  const std::shared_ptr<OutcomeMailbox> mailbox_;

  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
  Timers timers_;
  std::vector<Connection*> next_requests_;  // answered and kept alive: read the next request
  // Webhooks published and not yet answered, by ticket (never 0).
  std::unordered_map<OutcomeMailbox::Ticket, Connection*> waiting_;
  OutcomeMailbox::Ticket last_ticket_ = 0;
  size_t in_flight_ = 0;  // webhooks past their head and not yet answered
  bool stopping_ = false;
  std::optional<Clock::time_point> accept_paused_until_;  // out of file descriptors
  std::string date_;                                      // the Date header, for the second below
  std::time_t date_second_ = 0;
  std::array<char, 64 * 1024> scratch_;  // each read lands here first

  std::atomic<bool> stop_requested_{false};
};

}  // namespace hookbridge
