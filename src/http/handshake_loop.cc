#include "hookbridge/http/handshake_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>

#include "hookbridge/http/epoll_timeout.h"

namespace hookbridge {

HandshakeLoop::HandshakeLoop(int listen_socket, SSL_CTX* tls, const HttpServerOptions& options,
                             InstanceLimits& limits, Metrics& metrics, HandOff hand_off)
    : tls_(tls),
      options_(options),
      limits_(limits),
      metrics_(metrics),
      hand_off_(std::move(hand_off)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      listening_(std::in_place, epoll_, listen_socket) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = this;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
}

HandshakeLoop::~HandshakeLoop() {
  for (size_t i = 0; i < handshaking_.size(); ++i) limits_.CloseConnection();
  handshaking_.clear();
  listening_.reset();  // before its epoll set goes
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
        listening_->AcceptBatch(options_.clock(), [this](int socket) { Admit(socket); });
      } else if (source != this) {
        auto found = handshaking_.find(static_cast<Connection*>(source));
        if (found != handshaking_.end()) Continue(*found->second);
      }
    }
    const Clock::time_point now = options_.clock();
    listening_->ResumeIfDue(now);
    while (!timers_.empty() && timers_.begin()->first <= now) Drop(*timers_.begin()->second);
  }
  listening_.reset();
}

int HandshakeLoop::NextTimeoutMs(Clock::time_point now) const {
  std::optional<Clock::time_point> next_timer;
  if (!timers_.empty()) next_timer = timers_.begin()->first;
  std::optional<Clock::time_point> accept_pause;
  if (listening_) accept_pause = listening_->paused_until();
  return EpollTimeoutMs(now, {next_timer, accept_pause});
}

void HandshakeLoop::Admit(int socket) {
  // Past the connection limit: a TLS connection cannot be answered without
  // a handshake, so it is closed.
  if (!limits_.TryOpenConnection()) {
    metrics_.CountTurnedAway();
    ::close(socket);
    return;
  }
  SSL* session = SSL_new(tls_);
  if (session == nullptr || SSL_set_fd(session, socket) != 1) {
    if (session != nullptr) SSL_free(session);
    ::close(socket);
    limits_.CloseConnection();
    return;
  }
  auto owned = std::make_unique<Connection>(socket, session, options_.head_limits);
  Connection& connection = *owned;
  handshaking_.emplace(&connection, std::move(owned));
  connection.timer = timers_.emplace(options_.clock() + options_.request_timeout, &connection);
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  event.data.ptr = &connection;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, socket, &event) != 0) return Drop(connection);
  Continue(connection);  // the client's hello has usually arrived with the connection
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
