// The listening socket, shared by every thread that accepts from it: the
// connection loops (plain HTTP) or the handshake threads (TLS). Each watches
// it in its own epoll set with EPOLLEXCLUSIVE, so that a new connection wakes
// one of them, preferably one waiting for work, never all of them.
#pragma once

#include <chrono>
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

// Adds the listening socket to `epoll` (level-triggered, exclusive wake-ups)
// with `tag` as its event data, or removes it: accepting pauses when the
// process is out of descriptors, and ends at stop. (EPOLLEXCLUSIVE cannot be
// changed with EPOLL_CTL_MOD, hence add and remove.)
bool WatchListening(int epoll, int listen_socket, void* tag);
void UnwatchListening(int epoll, int listen_socket);

// The next pending connection, non-blocking, with Nagle's algorithm off:
// its socket, or -1 when there is none or accepting it failed. Then
// *out_of_descriptors says whether to pause accepting for a while (the
// connections wait in the backlog until descriptors free up).
int AcceptConnection(int listen_socket, bool* out_of_descriptors);

}  // namespace hookbridge
