#include "hookbridge/http/http_server.h"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <system_error>
#include <vector>

#include "hookbridge/http/connection_loop.h"
#include "hookbridge/http/handshake_loop.h"
#include "hookbridge/http/instance_limits.h"
#include "hookbridge/http/listening_socket.h"
#include "hookbridge/http/routes.h"
#include "hookbridge/http/tls_context.h"

namespace hookbridge {

// What a running server is made of, in the order it is built and the
// reverse order it goes.
class HttpServer::Impl {
 public:
  Impl(const HttpServerOptions& options, WebhookHandler& handler, Metrics& metrics,
       std::function<Readiness()> readiness, const LoopEventSource& events, int listen_socket,
       TlsContext tls, const std::atomic<bool>& closing)
      : listen_socket_(listen_socket),
        start_thread_(options.start_thread),
        tls_(std::move(tls)),
        limits_(options.max_connections, options.max_in_flight, metrics.webhooks_in_flight()),
        routes_(options.sources, handler, metrics, std::move(readiness)) {
    const size_t count = std::max<size_t>(options.loops, 1);
    for (size_t i = 0; i < count; ++i) {
      // Over TLS the loops take their connections from the handshake threads.
      loops_.push_back(
          std::make_unique<ConnectionLoop>(tls_ ? -1 : listen_socket_, options, routes_, metrics,
                                           limits_, i == 0 ? events : LoopEventSource{}, closing));
    }
    for (const auto& loop : loops_) loop_list_.push_back(loop.get());
    for (const auto& loop : loops_) {
      std::vector<ConnectionLoop*> siblings;
      for (const auto& other : loops_) {
        if (other != loop) siblings.push_back(other.get());
      }
      loop->set_siblings(std::move(siblings));
    }
    if (tls_) {
      for (size_t i = 0; i < count; ++i) {
        handshakes_.push_back(std::make_unique<HandshakeLoop>(
            listen_socket_, tls_.get(), options, limits_, metrics,
            [this](std::unique_ptr<Connection> connection) { HandOff(std::move(connection)); }));
      }
    }
    // Names the threads in top, perf and /proc.
    for (const auto& loop : loops_) {
      StartThread(loop_threads_, [loop = loop.get()] {
        pthread_setname_np(pthread_self(), "hb-loop");
        loop->Run();
      });
    }
    for (const auto& handshake : handshakes_) {
      StartThread(handshake_threads_, [handshake = handshake.get()] {
        pthread_setname_np(pthread_self(), "hb-tls");
        handshake->Run();
      });
    }
  }

  // Why a thread did not start (then the server does not run); empty if all did.
  const std::string& start_error() const { return start_error_; }

  ~Impl() {
    // The handshake threads end first: a handshake that completes while they
    // stop is handed to a loop that still serves it, never to one that has
    // finished (which would refuse it).
    for (const auto& handshake : handshakes_) handshake->Stop();
    for (std::thread& thread : handshake_threads_) thread.join();
    for (const auto& loop : loops_) loop->Stop();
    // Loops whose thread did not start (the last ones) stop here, the first
    // loop last: it waits for the others (connection_loop.h).
    for (size_t i = loops_.size(); i-- > loop_threads_.size();) loops_[i]->Run();
    // Ends listening (pending connections are reset, new ones refused) while
    // the loops finish the requests in progress.
    ::shutdown(listen_socket_, SHUT_RDWR);
    for (std::thread& thread : loop_threads_) thread.join();
    handshakes_.clear();
    loops_.clear();
    ::close(listen_socket_);
  }

 private:
  // Starts a thread unless one has failed to start already: then the server
  // does not start, and what did start stops as at any stop (~Impl()).
  void StartThread(std::vector<std::thread>& threads, std::function<void()> body) {
    if (!start_error_.empty()) return;
    try {
      threads.push_back(start_thread_(std::move(body)));
    } catch (const std::system_error& error) {
      start_error_ = std::string("cannot start a thread of the HTTP server: ") + error.what();
    }
  }

  // An established TLS connection goes to the loop with the fewest.
  void HandOff(std::unique_ptr<Connection> connection) {
    // Refused only by a loop that has finished, which cannot happen while the
    // handshake threads run (they end first); closed then, as if dropped.
    if (ConnectionLoop::LeastLoaded(loop_list_).Adopt(std::move(connection)) != nullptr) {
      limits_.CloseConnection();
    }
  }

  const int listen_socket_;
  const std::function<std::thread(std::function<void()>)> start_thread_;
  std::string start_error_;
  TlsContext tls_;
  InstanceLimits limits_;
  Routes routes_;
  std::vector<std::unique_ptr<ConnectionLoop>> loops_;
  std::vector<ConnectionLoop*> loop_list_;  // the same loops, as LeastLoaded() takes them
  std::vector<std::unique_ptr<HandshakeLoop>> handshakes_;
  std::vector<std::thread> loop_threads_;
  std::vector<std::thread> handshake_threads_;
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
  if (!impl_->start_error().empty()) {
    *error = impl_->start_error();
    impl_.reset();  // stops the threads that did start, and closes the socket
    return false;
  }
  return true;
}

void HttpServer::Stop() { impl_.reset(); }

}  // namespace hookbridge
