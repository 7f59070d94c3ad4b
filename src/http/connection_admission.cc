// Admitting new connections to the connection loop: kept, handed to a loop
// with fewer, or past max_connections turned away with a 503 before anything
// is read. (Accepting itself, in batches and with a pause when the process is
// out of file descriptors, is listening_socket.cc's.)
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hookbridge/http/answer_wire.h"
#include "hookbridge/http/connection_loop.h"

namespace hookbridge {

// A connection just accepted (listening_socket.h accepts in batches, and
// pauses when the process is out of descriptors).
void ConnectionLoop::Admit(int socket) {
  if (!limits_.TryOpenConnection()) return TurnAway(socket);
  auto owned = std::make_unique<Connection>(socket, nullptr, options_.head_limits);
  if (ConnectionLoop& least = LeastLoaded(siblings_, this); &least != this) {
    owned = least.Adopt(std::move(owned));
    if (owned == nullptr) return;  // that loop serves it
    // That loop has finished (the server stops): this one, still running, serves it.
  }
  Connection& connection = *owned;
  connections_.emplace(&connection, std::move(owned));
  load_.fetch_add(1, std::memory_order_relaxed);
  // Read at once: a client sends its request right after connecting, so by
  // the time the connection is accepted it has usually arrived (as nginx
  // with `deferred`), and reading now saves a wait for epoll to report it.
  // If not, the read would block, and only then does the socket join the
  // epoll set (AwaitSocket()): one answered and closed without ever
  // blocking, as most that carry one request, costs no epoll_ctl at all.
  StartRequest(connection);
  ReadNextRequest(connection);
}

// A connection past max_connections: nothing is read from it. It is told
// 503 at once (a client reads it after sending its request), and then closed
// like every answer given before the request was read. (Over TLS the
// handshake thread closes it: handshake_loop.cc.)
void ConnectionLoop::TurnAway(int socket) {
  metrics_.CountTurnedAway();
  limits_.OpenConnectionOverLimit();  // until it is closed, as any connection
  const std::string answer = WireAnswerWithoutRequest(
      ErrorResponse(ErrorCode::kOverloaded, "too many connections, retry later"), HttpDate());
  (void)!::send(socket, answer.data(), answer.size(), MSG_NOSIGNAL);  // fits an empty send buffer
  auto owned = std::make_unique<Connection>(socket, nullptr, options_.head_limits);
  Connection& connection = *owned;
  connections_.emplace(&connection, std::move(owned));
  load_.fetch_add(1, std::memory_order_relaxed);
  if (!Watch(EPOLL_CTL_ADD, socket, EPOLLIN | EPOLLRDHUP | EPOLLET, &connection)) {
    return Close(connection);
  }
  connection.watched = true;  // for input only: nothing more is written
  Linger(connection);
}

}  // namespace hookbridge
