// Admitting new connections to the connection loop: accepted in batches, a
// pause when the process is out of file descriptors, and past max_connections
// turned away with a 503 before anything is read.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "hookbridge/http/answer_wire.h"
#include "hookbridge/http/connection_loop.h"

namespace hookbridge {
namespace {

// How long accepting pauses when the process is out of file descriptors.
constexpr std::chrono::milliseconds kAcceptPause{100};
// Connections accepted per wake-up.
constexpr int kAcceptBatch = 64;

}  // namespace

void ConnectionLoop::Accept() {
  // A bounded batch: the listening socket is level-triggered, so epoll reports
  // the rest, and a flood of connections cannot starve the others.
  for (int accepted = 0; accepted < kAcceptBatch && !stopping_; ++accepted) {
    int socket = accept4(listen_socket_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (socket < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // The pending connections wait in the backlog until descriptors free up.
        Watch(EPOLL_CTL_MOD, listen_socket_, 0, nullptr);
        accept_paused_until_ = options_.clock() + kAcceptPause;
      }
      return;  // EAGAIN: none left; anything else concerns that one connection only
    }
    int yes = 1;  // else Nagle and delayed ACKs add about 40 ms to each keep-alive answer
    setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (connections_.size() >= options_.max_connections) {
      TurnAway(socket);
      continue;
    }
    SSL* session = nullptr;
    if (tls_ != nullptr &&
        ((session = SSL_new(tls_)) == nullptr || SSL_set_fd(session, socket) != 1)) {
      if (session != nullptr) SSL_free(session);
      ::close(socket);
      continue;
    }
    auto owned = std::make_unique<Connection>(socket, session, options_.head_limits);
    Connection& connection = *owned;
    connections_.emplace(&connection, std::move(owned));
    // Edge-triggered, both ways, once: each phase tries its I/O and waits
    // for the next edge only when the socket says it would block.
    if (!Watch(EPOLL_CTL_ADD, socket, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &connection)) {
      Close(connection);  // never driven otherwise
      continue;
    }
    if (session != nullptr) {
      connection.set_phase(Connection::Phase::kHandshake);
      SetDeadline(connection, options_.clock() + options_.request_timeout);
    } else {
      StartRequest(connection);  // epoll reports the request's bytes
    }
  }
}

// A connection past max_connections: nothing is read from it. Over plain
// HTTP it is told 503 at once (a client reads it after sending its request),
// and then closed like every answer given before the request was read. A TLS
// connection cannot be answered without a handshake, so it is closed.
void ConnectionLoop::TurnAway(int socket) {
  metrics_.CountTurnedAway();
  if (tls_ != nullptr) {
    ::close(socket);
    return;
  }
  const std::string answer = WireAnswerWithoutRequest(
      ErrorResponse(ErrorCode::kOverloaded, "too many connections, retry later"), HttpDate());
  (void)!::send(socket, answer.data(), answer.size(), MSG_NOSIGNAL);  // fits an empty send buffer
  auto owned = std::make_unique<Connection>(socket, nullptr, options_.head_limits);
  Connection& connection = *owned;
  connections_.emplace(&connection, std::move(owned));
  if (!Watch(EPOLL_CTL_ADD, socket, EPOLLIN | EPOLLRDHUP | EPOLLET, &connection)) {
    return Close(connection);
  }
  Linger(connection);
}

}  // namespace hookbridge
