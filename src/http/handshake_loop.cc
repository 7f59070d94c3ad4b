#include "hookbridge/http/handshake_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "hookbridge/http/listening_socket.h"

namespace hookbridge {

HandshakeLoop::HandshakeLoop(int listen_socket, SSL_CTX* tls, const HttpServerOptions& options,
                             InstanceLimits& limits, Metrics& metrics, HandOff hand_off)
    : listen_socket_(listen_socket),
      tls_(tls),
      options_(options),
      limits_(limits),
      metrics_(metrics),
      hand_off_(std::move(hand_off)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  WatchListening(epoll_, listen_socket_, nullptr);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = this;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
}

HandshakeLoop::~HandshakeLoop() {
  for (size_t i = 0; i < handshaking_.size(); ++i) limits_.CloseConnection();
  handshaking_.clear();
  ::close(wake_);
  ::close(epoll_);
}

void HandshakeLoop::Stop() {
  stop_requested_ = true;
  const uint64_t one = 1;
  (void)!::write(wake_, &one, sizeof one);
}

void HandshakeLoop::Run() {
  std::array<epoll_event, 64> events;
  while (!stop_requested_) {
    int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                           NextTimeoutMs(options_.clock()));
    for (int i = 0; i < ready && !stop_requested_; ++i) {
      void* source = events[i].data.ptr;
      if (source == nullptr) {
        Accept();
      } else if (source != this) {
        auto found = handshaking_.find(static_cast<Connection*>(source));
        if (found != handshaking_.end()) Continue(*found->second);
      }
    }
    const Clock::time_point now = options_.clock();
    if (accept_paused_until_ && now >= *accept_paused_until_) {
      accept_paused_until_.reset();
      WatchListening(epoll_, listen_socket_, nullptr);
    }
    while (!timers_.empty() && timers_.begin()->first <= now) Drop(*timers_.begin()->second);
  }
  UnwatchListening(epoll_, listen_socket_);
}

int HandshakeLoop::NextTimeoutMs(Clock::time_point now) const {
  std::optional<Clock::time_point> next;
  if (!timers_.empty()) next = timers_.begin()->first;
  if (accept_paused_until_ && (!next || *accept_paused_until_ < *next)) next = accept_paused_until_;
  if (!next) return -1;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(*next - now).count() + 1;
  return static_cast<int>(std::clamp<long long>(wait, 0, 60000));
}

void HandshakeLoop::Accept() {
  for (int accepted = 0; accepted < kAcceptBatch; ++accepted) {
    bool out_of_descriptors = false;
    const int socket = AcceptConnection(listen_socket_, &out_of_descriptors);
    if (socket < 0) {
      if (out_of_descriptors) {
        UnwatchListening(epoll_, listen_socket_);
        accept_paused_until_ = options_.clock() + kAcceptPause;
      }
      return;
    }
    // Past the connection limit: a TLS connection cannot be answered without
    // a handshake, so it is closed.
    if (!limits_.TryOpenConnection()) {
      metrics_.CountTurnedAway();
      ::close(socket);
      continue;
    }
    SSL* session = SSL_new(tls_);
    if (session == nullptr || SSL_set_fd(session, socket) != 1) {
      if (session != nullptr) SSL_free(session);
      ::close(socket);
      limits_.CloseConnection();
      continue;
    }
    auto owned = std::make_unique<Connection>(socket, session, options_.head_limits);
    Connection& connection = *owned;
    connection.set_phase(Connection::Phase::kHandshake);
    handshaking_.emplace(&connection, std::move(owned));
    connection.timer = timers_.emplace(options_.clock() + options_.request_timeout, &connection);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = &connection;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, socket, &event) != 0) {
      Drop(connection);
      continue;
    }
    Continue(connection);  // the client's hello has usually arrived with the connection
  }
}

void HandshakeLoop::Continue(Connection& connection) {
  switch (connection.transport().Handshake()) {
    case IoStatus::kDone: break;
    case IoStatus::kWouldBlock: return;
    default: return Drop(connection);
  }
  epoll_ctl(epoll_, EPOLL_CTL_DEL, connection.transport().socket(), nullptr);
  timers_.erase(*connection.timer);
  connection.timer.reset();
  auto owned = handshaking_.find(&connection);
  std::unique_ptr<Connection> established = std::move(owned->second);
  handshaking_.erase(owned);
  hand_off_(std::move(established));
}

void HandshakeLoop::Drop(Connection& connection) {
  timers_.erase(*connection.timer);
  handshaking_.erase(&connection);  // closes the socket, which leaves the epoll set
  limits_.CloseConnection();
}

}  // namespace hookbridge
