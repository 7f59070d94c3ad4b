// TLS handshakes, off the connection loops: one thread with its own epoll
// set accepts TLS connections from the shared listening socket, runs each
// server handshake without blocking, and hands every established connection
// to a connection loop (HandOff), which reads its requests from then on.
//
// A full handshake costs hundreds of times the CPU of answering a webhook (a
// signature and a key exchange). Run on the connection loop, handshakes made
// every answer on that loop wait behind them (docs/http-threads.md). Here
// they run on threads of their own, which the kernel preempts when a loop
// wakes with an answer to write.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

#include "hookbridge/core/metrics.h"
#include "hookbridge/http/connection.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/http/instance_limits.h"
#include "hookbridge/http/listening_socket.h"

namespace hookbridge {

class HandshakeLoop {
 public:
  using Clock = std::chrono::steady_clock;
  // Takes an established connection; any thread may be the caller.
  using HandOff = std::function<void(std::unique_ptr<Connection>)>;

  // `listen_socket` stays the caller's.
  HandshakeLoop(int listen_socket, SSL_CTX* tls, const HttpServerOptions& options,
                InstanceLimits& limits, Metrics& metrics, HandOff hand_off);
  ~HandshakeLoop();
  HandshakeLoop(const HandshakeLoop&) = delete;
  HandshakeLoop& operator=(const HandshakeLoop&) = delete;

  // Serves until Stop(); the handshakes then in progress are abandoned.
  // Run on the handshake thread.
  void Run();
  // Any thread.
  void Stop();

 private:
  void Admit(int socket);
  void Continue(Connection& connection);
  void Drop(Connection& connection);
  int NextTimeoutMs(Clock::time_point now) const;

  SSL_CTX* const tls_;
  const HttpServerOptions& options_;
  InstanceLimits& limits_;
  Metrics& metrics_;
  const HandOff hand_off_;
  const int epoll_;
  const int wake_;                           // an eventfd: Stop()
  std::optional<ListeningWatch> listening_;  // until Run() ends
  std::unordered_map<Connection*, std::unique_ptr<Connection>> handshaking_;
  std::multimap<Clock::time_point, Connection*> timers_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace hookbridge
