#include "hookbridge/http/listening_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace hookbridge {
namespace {

// EPOLLEXCLUSIVE cannot be changed with EPOLL_CTL_MOD, hence add and remove.
bool WatchListening(int epoll, int listen_socket) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLEXCLUSIVE;
  event.data.ptr = nullptr;
  return epoll_ctl(epoll, EPOLL_CTL_ADD, listen_socket, &event) == 0;
}

void UnwatchListening(int epoll, int listen_socket) {
  epoll_ctl(epoll, EPOLL_CTL_DEL, listen_socket, nullptr);
}

// The next pending connection: its socket, or -1 when there is none or
// accepting it failed; then *out_of_descriptors says whether to pause.
int AcceptConnection(int listen_socket, bool* out_of_descriptors) {
  *out_of_descriptors = false;
  int socket = accept4(listen_socket, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (socket < 0) {
    *out_of_descriptors = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
    return -1;  // EAGAIN: none left; anything else concerns that one connection only
  }
  return socket;  // TCP_NODELAY already, from the listening socket (Listen())
}

}  // namespace

int Listen(const std::string& host, int port, int* bound_port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  const std::string service = std::to_string(port);
  const std::string where = "HOOKBRIDGE_LISTEN: cannot listen on " + host + ":" + service;
  if (int failed = getaddrinfo(host.c_str(), service.c_str(), &hints, &addresses); failed != 0) {
    *error = where + " (" + gai_strerror(failed) + ")";
    return -1;
  }
  int socket = -1;
  std::string reason;
  for (addrinfo* address = addresses; address != nullptr && socket < 0;
       address = address->ai_next) {
    socket = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      address->ai_protocol);
    if (socket < 0) continue;
    // SO_REUSEADDR only: SO_REUSEPORT would let a second instance bind the
    // same port and silently take half the traffic. The loops share this
    // one socket instead (EPOLLEXCLUSIVE).
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // Else Nagle and delayed ACKs add about 40 ms to each keep-alive answer.
    // Set here once, not per connection: Linux copies it to every socket
    // accepted from this one (a system call less per new connection).
    setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (::bind(socket, address->ai_addr, address->ai_addrlen) != 0 ||
        ::listen(socket, SOMAXCONN) != 0) {
      reason = std::generic_category().message(errno);  // strerror is not thread safe
      ::close(socket);
      socket = -1;
    }
  }
  freeaddrinfo(addresses);
  if (socket < 0) {
    *error = where + (reason.empty() ? "" : " (" + reason + ")");
    return -1;
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  getsockname(socket, reinterpret_cast<sockaddr*>(&bound), &length);
  *bound_port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return socket;
}

ListeningWatch::ListeningWatch(int epoll, int listen_socket)
    : epoll_(epoll), listen_socket_(listen_socket) {
  // Level-triggered: accepted until empty, by whichever thread is woken.
  WatchListening(epoll_, listen_socket_);
}

ListeningWatch::~ListeningWatch() {
  if (!paused_until_) UnwatchListening(epoll_, listen_socket_);
}

void ListeningWatch::AcceptBatch(Clock::time_point now,
                                 const std::function<void(int socket)>& take) {
  for (int accepted = 0; accepted < kAcceptBatch; ++accepted) {
    bool out_of_descriptors = false;
    const int socket = AcceptConnection(listen_socket_, &out_of_descriptors);
    if (socket < 0) {
      // The connections wait in the backlog; watching now would wake this
      // thread again at once for each of them.
      if (out_of_descriptors && !paused_until_) {
        UnwatchListening(epoll_, listen_socket_);
        paused_until_ = now + kAcceptPause;
      }
      return;
    }
    take(socket);
  }
}

void ListeningWatch::ResumeIfDue(Clock::time_point now) {
  if (!paused_until_ || now < *paused_until_) return;
  paused_until_.reset();
  WatchListening(epoll_, listen_socket_);
}

}  // namespace hookbridge
