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

bool WatchListening(int epoll, int listen_socket, void* tag) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLEXCLUSIVE;
  event.data.ptr = tag;
  return epoll_ctl(epoll, EPOLL_CTL_ADD, listen_socket, &event) == 0;
}

void UnwatchListening(int epoll, int listen_socket) {
  epoll_ctl(epoll, EPOLL_CTL_DEL, listen_socket, nullptr);
}

int AcceptConnection(int listen_socket, bool* out_of_descriptors) {
  *out_of_descriptors = false;
  int socket = accept4(listen_socket, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (socket < 0) {
    *out_of_descriptors = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
    return -1;  // EAGAIN: none left; anything else concerns that one connection only
  }
  int yes = 1;  // else Nagle and delayed ACKs add about 40 ms to each keep-alive answer
  setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  return socket;
}

}  // namespace hookbridge
