// One client connection's bytes: the request being read (its head, then its
// body) and the answer being written. It decides nothing about routes,
// limits or time: the connection loop calls it and acts on what it returns.
// Used by one thread at a time: over TLS the handshake thread's until the
// handshake is done (handshake_loop.h), then its connection loop's.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hookbridge/http/chunked_body.h"
#include "hookbridge/http/http_request.h"
#include "hookbridge/http/request_head.h"
#include "hookbridge/http/transport.h"

namespace hookbridge {

// A new random request id (16 hex digits).
std::string NewRequestId();

class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  enum class Phase {
    kHead,       // reading a request head (or idle, waiting for one)
    kBody,       // reading a webhook's body
    kHandling,   // the webhook is published: waiting for its outcome
    kWriting,    // writing the answer
    kLingering,  // our side ended; discarding what the client still sends
  };
  // What reading the request has come to.
  enum class Step { kNeedMore, kRefused, kComplete };

  // Owns `socket` and `tls` (nullptr: plain).
  Connection(int socket, SSL* tls, HeadLimits limits);

  Transport& transport() { return transport_; }
  Phase phase() const { return phase_; }
  void set_phase(Phase phase) { phase_ = phase; }
  HttpRequest& request() { return *request_; }
  // Some of a request has arrived: not an idle connection.
  bool MidRequest() const;

  // A new request, whose first bytes may already be here (pipelined).
  void BeginRequest();
  // Reads once from the socket into the request being read.
  IoStatus Receive(char* scratch, size_t size, Clock::time_point now);
  // Parses what has arrived of the head. kComplete: the head is parsed, the
  // request has its id, and what followed the head waits for the body.
  Step TakeHead(Clock::time_point now);
  // After a complete webhook head: the body comes next, at most `max_body`.
  void BeginBody(size_t max_body);
  Step TakeBody();
  // Once kRefused: the answer that says why.
  HttpResponse Refusal() const;

  // The request's answer, as bytes to send; the request is done with.
  void QueueAnswer(bool close, std::string_view date);
  // Writes what it can of the answer: kDone once all of it is sent.
  IoStatus Flush();
  bool close_after_send() const { return close_after_send_; }
  // Once closing: whether the client may still send (see QueueAnswer()).
  bool linger_after_send() const { return linger_after_send_; }

  // When bytes of the current request last arrived.
  Clock::time_point last_progress() const { return last_progress_; }

  // Owned by the connection loop.
  bool webhook_in_flight = false;  // counted in the loop's in-flight total
  uint64_t ticket = 0;             // while kHandling: the webhook's OutcomeMailbox ticket
  size_t answered = 0;             // answers given on this connection
  bool watched = false;            // in the loop's epoll set (from the first time it would block)
  std::optional<std::multimap<Clock::time_point, Connection*>::iterator> timer;

 private:
  Transport transport_;
  Phase phase_ = Phase::kHead;
  std::string received_;  // read, not yet part of a request (a body, pipelined requests)
  RequestHeadParser head_parser_;
  std::optional<ChunkedBodyDecoder> chunked_;
  std::optional<HttpResponse> refusal_;
  std::unique_ptr<HttpRequest> request_;  // the one being read, handled or answered
  std::string to_send_;
  size_t sent_ = 0;
  bool close_after_send_ = false;
  bool linger_after_send_ = false;
  Clock::time_point last_progress_;
};

}  // namespace hookbridge
