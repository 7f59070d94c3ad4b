#include "hookbridge/http/http_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <system_error>

#include "hookbridge/http/connection_loop.h"
#include "hookbridge/http/routes.h"
#include "hookbridge/http/tls_context.h"

namespace hookbridge {
namespace {

// A listening socket on host:port (port 0: any free one); -1 and *error if not.
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
    // same port and silently take half the traffic.
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

}  // namespace

// What a running server is made of, in the order it is built and the
// reverse order it goes.
class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& options, WebhookHandler& handler, Metrics& metrics,
       std::function<Readiness()> readiness, const LoopEventSource& events, int listen_socket,
       TlsContext tls, const std::atomic<bool>& closing)
      : tls_(std::move(tls)),
        routes_(options.sources, handler, metrics, std::move(readiness)),
        loop_(listen_socket, tls_.get(), options, routes_, metrics, events, closing),
        thread_([this] {
          pthread_setname_np(pthread_self(), "hb-loop");  // names the thread in top, perf and /proc
          loop_.Run();
        }) {}

  ~Impl() {
    loop_.Stop();
    thread_.join();
  }

 private:
  TlsContext tls_;
  Routes routes_;
  ConnectionLoop loop_;
  std::thread thread_;
};

HttpServer::HttpServer(HttpServerOptions options, WebhookHandler& handler, Metrics& metrics,
                       std::function<Readiness()> readiness, LoopEventSource events)
    : options_(std::move(options)),
      handler_(handler),
      metrics_(metrics),
      readiness_(std::move(readiness)),
      events_(std::move(events)) {}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(std::string* error) {
  if (!options_.sources) {  // a wiring mistake, not a setting
    *error = "no webhook sources given to the HTTP server";
    return false;
  }
  TlsContext tls;
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    tls = LoadTlsContext(options_.tls_cert_file, options_.tls_key_file, error);
    if (!tls) return false;
  }
  int listen_socket = Listen(options_.host, options_.port, &port_, error);
  if (listen_socket < 0) return false;
  impl_ = std::make_unique<Impl>(options_, handler_, metrics_, readiness_, events_, listen_socket,
                                 std::move(tls), closing_connections_);
  return true;
}

void HttpServer::Stop() { impl_.reset(); }

}  // namespace hookbridge
