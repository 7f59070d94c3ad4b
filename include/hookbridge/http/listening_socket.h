// The listening socket, shared by every thread that accepts from it: the
// connection loops (plain HTTP) or the handshake threads (TLS). Each watches
// it in its own epoll set with EPOLLEXCLUSIVE, so that a new connection wakes
// one of them, preferably one waiting for work, never all of them.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace hookbridge {

// How long accepting pauses when the process is out of file descriptors.
inline constexpr std::chrono::milliseconds kAcceptPause{100};
// Connections accepted per wake-up: a bounded batch, so that a flood of
// connections cannot starve the others (the socket is level-triggered, epoll
// reports the rest).
inline constexpr int kAcceptBatch = 64;

// A listening socket on host:port (port 0: any free one), with *bound_port
// the port it got; -1 and *error (naming the setting) if not.
int Listen(const std::string& host, int port, int* bound_port, std::string* error);

// One thread's watch on the listening socket (a connection loop's, or a
// handshake thread's) in its epoll set, level-triggered with exclusive
// wake-ups and nullptr as the event's data, and its accepting: a batch per
// wake-up, paused for kAcceptPause when the process is out of descriptors.
// Watches from construction until destroyed (accepting ends at stop). Used by
// its thread only.
class ListeningWatch {
 public:
  using Clock = std::chrono::steady_clock;

  // `epoll` and `listen_socket` stay the caller's, and outlive the watch.
  ListeningWatch(int epoll, int listen_socket);
  ~ListeningWatch();
  ListeningWatch(const ListeningWatch&) = delete;
  ListeningWatch& operator=(const ListeningWatch&) = delete;

  // Accepts up to kAcceptBatch pending connections, each non-blocking with
  // Nagle's algorithm off, handing each socket to `take`, which owns it from
  // then on. Out of descriptors, stops watching until kAcceptPause after
  // `now` (the connections wait in the backlog until descriptors free up).
  void AcceptBatch(Clock::time_point now, const std::function<void(int socket)>& take);
  // Watches again once a pause is over; call on every turn of the thread.
  void ResumeIfDue(Clock::time_point now);
  // When a pause ends: a deadline for the thread's epoll_wait.
  std::optional<Clock::time_point> paused_until() const { return paused_until_; }

 private:
  const int epoll_;
  const int listen_socket_;
  std::optional<Clock::time_point> paused_until_;
};

}  // namespace hookbridge
