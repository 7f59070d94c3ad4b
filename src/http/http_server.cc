#include "hookbridge/http/http_server.h"

#include <fcntl.h>
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "hookbridge/core/log.h"
#include "hookbridge/core/text.h"
#include "hookbridge/http/connection_parker.h"
#include "hookbridge/http/connection_stream.h"
#include "hookbridge/http/worker_pool.h"

namespace hookbridge {
namespace {

using Clock = std::chrono::steady_clock;

// What the connection loop and the handlers know about the request being
// served. A request is served by one worker thread from start to end (a
// connection may move between threads only between requests), so a
// thread-local is exact.
struct RequestContext {
  Clock::time_point start;
  Route route = Route::kOther;
  std::string request_id;
  bool close_connection = false;  // closed after the answer
  const std::atomic<bool>* draining = nullptr;  // the server's "close after each answer"
  bool body_unread = false;  // answered before all of the body was read: the client may still send
  std::optional<ErrorCode> error;
  const WebhookResult* webhook = nullptr;  // set while a webhook answer is written
  ConnectionStream* stream = nullptr;
};
thread_local RequestContext t_request;

constexpr const char* kHealthzPath = "/healthz";
constexpr const char* kReadyzPath = "/readyz";
constexpr const char* kMetricsPath = "/metrics";
// The overflow thread answers 503 to one request per connection, and gives
// it only this long to arrive.
constexpr std::chrono::seconds kOverflowRequestTimeout{1};
// How long a worker waits for the next request on a keep-alive connection
// before parking it: long enough for a client that sends its next request as
// soon as it has the answer (saving the trip through the parker), short
// enough that an idle connection never holds a worker.
constexpr std::chrono::milliseconds kLingerForNextRequest{2};
// A request that waits longer than this for a worker is answered 503 at once:
// with the ack deadline on top, the sender (5 s) would give up on it anyway.
constexpr std::chrono::seconds kMaxWaitForWorker{1};
// After an answer given before the body was read, how long what the client
// still sends is discarded, so that it gets to read the answer (see
// CloseLingering). Long enough for the rest of a body several times the
// limit over a fast link; short enough that lingering sockets stay few.
constexpr std::chrono::seconds kLingerAfterUnreadBody{1};

bool IsWellFormedRequestId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ':';
  });
}

std::string NewRequestId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  char id[17];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(random()));
  return id;
}

// X-Request-Id is honoured only when well-formed: it is echoed and logged.
void AssignRequestId(const httplib::Request& req) {
  const std::string& given = req.get_header_value("X-Request-Id");
  t_request.request_id = IsWellFormedRequestId(given) ? given : NewRequestId();
}

// Decided when the answer is written, not when the request started: an
// answer written after a drain began says that the connection closes, so that
// no client sends another request on it as the server goes away.
bool ClosesAfterThisAnswer() {
  if (t_request.draining != nullptr && *t_request.draining) t_request.close_connection = true;
  return t_request.close_connection;
}

void Send(const HttpResponse& answer, httplib::Response& res) {
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers) res.set_header(name.c_str(), value);
  if (t_request.request_id.empty()) t_request.request_id = NewRequestId();
  res.set_header("X-Request-Id", t_request.request_id);
  if (ClosesAfterThisAnswer()) res.set_header("Connection", "close");
  t_request.error = answer.error;
  res.set_content(answer.body, "application/json");
}

// `answer` as the bytes of a whole HTTP/1.1 answer that closes the
// connection, for when cpp-httplib has no request to answer.
std::string RawAnswer(const HttpResponse& answer, const char* reason_phrase) {
  std::string raw = "HTTP/1.1 " + std::to_string(answer.status) + " " + reason_phrase + "\r\n";
  for (const auto& [name, value] : answer.headers) raw += name + ": " + value + "\r\n";
  raw += "Content-Type: application/json\r\nContent-Length: " + std::to_string(answer.body.size()) +
         "\r\nConnection: close\r\n\r\n" + answer.body;
  return raw;
}

HttpResponse MethodNotAllowed(const char* allow) {
  HttpResponse answer = ErrorResponse(ErrorCode::kMethodNotAllowed, std::string("use ") + allow);
  for (auto& [name, value] : answer.headers) {
    if (name == "Allow") value = allow;
  }
  return answer;
}

std::vector<std::string_view> HeaderValues(const httplib::Request& req, const char* name) {
  std::vector<std::string_view> values;
  auto [begin, end] = req.headers.equal_range(name);
  for (auto it = begin; it != end; ++it) values.emplace_back(it->second);
  return values;
}

bool HasBody(const httplib::Request& req) {
  return req.has_header("Transfer-Encoding") ||
         (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
}

// The answer is given without reading (all of) the body: the connection
// cannot be reused, and is closed lingering after the answer.
void LeaveBodyUnread() {
  t_request.close_connection = true;
  t_request.body_unread = true;
}

// RFC 9110 5.6.2: the characters of a token, such as a field name.
bool IsTokenChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

// The request head as received: every line ends in CR LF, with no other CR
// or LF; each header line is a token, a colon and a value without control
// characters (RFC 9112 2.2, 5.1, 5.2; RFC 9110 5.5). cpp-httplib 0.11.4 is
// lenient here: it drops a line ending in a bare LF or without a colon, and
// keeps "Content-Length : 5" or a folded " Content-Length: 5" under a name no
// check matches. hookbridge would then frame the body differently from a proxy
// that reads such a line as Content-Length or Transfer-Encoding, and the body
// could be taken for the next request: request smuggling.
bool IsCleanHead(std::string_view head) {
  bool request_line = true;
  size_t start = 0;
  while (start < head.size()) {
    size_t end = head.find('\n', start);
    if (end == std::string_view::npos || end == start || head[end - 1] != '\r') return false;
    std::string_view line = head.substr(start, end - 1 - start);
    start = end + 1;
    if (line.find('\r') != std::string_view::npos) return false;
    if (line.empty()) {
      if (request_line) continue;  // empty lines before the request line are ignored
      break;                       // the end of the head
    }
    if (request_line) {  // cpp-httplib checks the request line itself
      request_line = false;
      continue;
    }
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    for (char c : line.substr(0, colon)) {
      if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
    }
    for (char c : line.substr(colon + 1)) {
      auto byte = static_cast<unsigned char>(c);
      if ((byte < 0x20 && byte != '\t') || byte == 0x7F) return false;
    }
  }
  return true;
}

bool IsDecimal(std::string_view text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Answers cpp-httplib gives on its own, before any handler ran.
HttpResponse LibraryError(int status) {
  switch (status) {
    case 413: return ErrorResponse(ErrorCode::kPayloadTooLarge, "request body too large");
    case 404: return ErrorResponse(ErrorCode::kNotFound, "no such endpoint");
    default: {
      HttpResponse answer = ErrorResponse(ErrorCode::kBadRequest, "malformed HTTP request");
      answer.status = status;
      return answer;
    }
  }
}

HttpResponse TooLarge(size_t max_body) {
  return ErrorResponse(ErrorCode::kPayloadTooLarge, "body exceeds " + std::to_string(max_body) + " bytes");
}

// The framing of a webhook POST: a body whose length is ambiguous is never
// read. Sets *length to the Content-Length (0 when chunked).
std::optional<HttpResponse> CheckFraming(const httplib::Request& req, size_t max_body, size_t* length) {
  std::vector<std::string_view> transfer_encoding = HeaderValues(req, "Transfer-Encoding");
  std::vector<std::string_view> content_length = HeaderValues(req, "Content-Length");
  *length = 0;
  if (!transfer_encoding.empty()) {
    if (transfer_encoding.size() != 1 || !EqualsIgnoreCase(Trim(transfer_encoding[0]), "chunked") ||
        !content_length.empty()) {
      return ErrorResponse(ErrorCode::kBadRequest,
                           "Transfer-Encoding must be 'chunked' alone, without Content-Length");
    }
    return std::nullopt;
  }
  if (content_length.empty()) {
    return ErrorResponse(ErrorCode::kLengthRequired, "Content-Length is required");
  }
  if (content_length.size() != 1 || !IsDecimal(content_length[0])) {
    return ErrorResponse(ErrorCode::kBadRequest, "malformed Content-Length");
  }
  *length = std::stoull(std::string(content_length[0]));
  if (*length > max_body) return TooLarge(max_body);
  return std::nullopt;
}

void LogWebhook(int status, Clock::duration latency) {
  if (!LogEnabled(LogLevel::kInfo)) return;  // the fields cost five strings to build
  const WebhookResult* webhook = t_request.webhook;
  bool stored = webhook != nullptr && status == 200;
  std::string latency_ms =
      std::to_string(std::chrono::duration<double, std::milli>(latency).count());
  Log(LogLevel::kInfo, "webhook",
      {{"request_id", t_request.request_id},
       {"status", std::to_string(status)},
       {"latency_ms", latency_ms},
       {"event_id", webhook != nullptr ? webhook->event_id : ""},
       {"partition", stored ? std::to_string(webhook->delivery.partition) : ""},
       {"offset", stored ? std::to_string(webhook->delivery.offset) : ""},
       {"reason", t_request.error ? RejectionReason(*t_request.error) : ""},
       {"kafka_error", webhook != nullptr ? webhook->delivery.error : ""}});
}

// The TLS handshake, done by `deadline`. A blocking SSL_accept() is bounded
// only per read: a client trickling its ClientHello a byte at a time would
// hold the worker for hours.
bool Handshake(SSL* session, int sock, Clock::time_point deadline,
               std::chrono::milliseconds read_timeout) {
  const int flags = fcntl(sock, F_GETFL, 0);
  fcntl(sock, F_SETFL, flags | O_NONBLOCK);
  bool done = false;
  while (true) {
    int result = SSL_accept(session);
    if (result == 1) {
      done = true;
      break;
    }
    int error = SSL_get_error(session, result);
    short events = error == SSL_ERROR_WANT_READ    ? POLLIN
                   : error == SSL_ERROR_WANT_WRITE ? POLLOUT
                                                   : 0;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (events == 0 || left.count() <= 0) break;
    pollfd descriptor{sock, events, 0};
    if (::poll(&descriptor, 1, static_cast<int>(std::min(left, read_timeout).count())) <= 0) break;
  }
  fcntl(sock, F_SETFL, flags);
  return done;
}

struct SslContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using SslContext = std::unique_ptr<SSL_CTX, SslContextDeleter>;

SslContext NewTlsContext(const std::string& cert_file, const std::string& key_file,
                         std::string* error) {
  SslContext context(SSL_CTX_new(TLS_server_method()));
  if (!context || SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate_chain_file(context.get(), cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(context.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(context.get()) != 1) {
    char reason[256];
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    *error = "HOOKBRIDGE_TLS_CERT_FILE/HOOKBRIDGE_TLS_KEY_FILE: " + std::string(reason);
    return nullptr;
  }
  SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION);
  return context;
}

}  // namespace

// cpp-httplib's Server with hookbridge's own connection loop (plain or TLS).
// A worker thread serves a connection while requests keep coming, then parks
// it with the ConnectionParker until its next request arrives.
class HttpServer::Server final : public httplib::Server {
 public:
  Server(const HttpServerOptions& options, Metrics& metrics, const std::atomic<bool>& closing)
      : options_(options),
        metrics_(metrics),
        closing_connections_(closing),
        parker_([this](IdleConnection connection) { Resume(connection); }, &Close,
                kMaxParkedConnections) {}

  SslContext tls;  // set: every connection is TLS
  WorkerPool* pool = nullptr;  // made by cpp-httplib's listen loop through new_task_queue
  int listen_socket = -1;      // the bound socket, once bound

  // Closes the idle connections; busy ones close after their answer.
  void StopParking() { parker_.Stop(); }
  size_t idle_connections() const { return parker_.parked(); }

 private:
  // Open connections waiting for their next request. Each costs a file
  // descriptor and a few hundred bytes, no thread.
  static constexpr size_t kMaxParkedConnections = 10000;

  // A new connection from cpp-httplib's accept loop.
  bool process_and_close_socket(socket_t sock) override {
    IdleConnection connection{sock, nullptr, 0};
    if (WorkerPool::CurrentMode() == WorkerPool::Mode::kTurnAway) {
      TurnAway(connection);
      return false;
    }
    if (tls && !StartTls(connection)) {
      Close(connection);
      return false;
    }
    Serve(connection);
    return true;
  }

  // A parked connection whose next request arrived: back to a worker.
  void Resume(IdleConnection connection) {
    pool->enqueue([this, connection] {
      if (WorkerPool::CurrentMode() == WorkerPool::Mode::kTurnAway) return TurnAway(connection);
      Serve(connection);
    });
  }

  // A connection past every bound (the in-flight limit and the overflow
  // threads), on the thread that handed it to the pool (the accept loop, the
  // parker or the pool's shedder): nothing may read or block here. A plain
  // one is sent a 503 before its request is read (a client reads it after
  // sending), then closed lingering like any answer given before the request
  // was read. A TLS one cannot be answered without a handshake, so it is
  // closed.
  void TurnAway(IdleConnection connection) {
    metrics_.CountTurnedAway();
    if (tls) return Close(connection);
    AnswerOverloadedUnread(connection);
  }

  // Answers a plain connection 503 overloaded without reading its request,
  // then closes it lingering, as after any answer given before the request was
  // read.
  void AnswerOverloadedUnread(IdleConnection connection) {
    static const std::string answer =
        RawAnswer(ErrorResponse(ErrorCode::kOverloaded, "too many connections, retry later"),
                  "Service Unavailable");
    // Into an empty send buffer: a few hundred bytes never block.
    [[maybe_unused]] ssize_t sent =
        ::send(connection.socket, answer.data(), answer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    CloseLingering(connection);
  }

  static void Close(IdleConnection connection) {
    EndTls(connection);
    ::shutdown(connection.socket, SHUT_RDWR);
    ::close(connection.socket);
  }

  // Sends TLS's close_notify and frees the session; the socket stays open.
  static void EndTls(IdleConnection& connection) {
    if (connection.tls == nullptr) return;
    SSL_shutdown(connection.tls);
    SSL_free(connection.tls);
    connection.tls = nullptr;
  }

  bool StartTls(IdleConnection& connection) {
    // Bounds OpenSSL's blocking reads and writes on the socket.
    timeval timeout{static_cast<time_t>(options_.read_timeout.count()), 0};
    setsockopt(connection.socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(connection.socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    connection.tls = SSL_new(tls.get());
    const bool overflowing = WorkerPool::CurrentMode() == WorkerPool::Mode::kAnswerOverloaded;
    auto deadline =
        Clock::now() + (overflowing ? kOverflowRequestTimeout : options_.request_timeout);
    return connection.tls != nullptr && SSL_set_fd(connection.tls, connection.socket) == 1 &&
           Handshake(connection.tls, connection.socket, deadline, options_.read_timeout);
  }

  // Serves the requests that arrive on `connection` without delay; then
  // parks it while idle, or closes it.
  void Serve(IdleConnection connection) {
    ConnectionStream stream(connection.socket, connection.tls, options_.read_timeout,
                            options_.write_timeout);
    const bool overflow = WorkerPool::CurrentMode() == WorkerPool::Mode::kAnswerOverloaded;
    bool body_unread = false;
    while (connection.served < options_.keep_alive_max_requests) {
      // An overflow connection gets a second to send the request it is
      // answered 503 for. Otherwise the next request is waited for briefly
      // here, for clients that send one right after the other, but not while
      // other connections wait for a worker.
      auto wait = overflow           ? std::chrono::milliseconds(kOverflowRequestTimeout)
                  : pool->HasWaiting() ? std::chrono::milliseconds(0)
                                       : kLingerForNextRequest;
      if (!stream.WaitForRequest(wait)) {
        // Nothing arrived in time on an overflow connection: it is told that
        // we are overloaded rather than closed unanswered (a client sends its
        // request, then reads this).
        if (overflow && connection.tls == nullptr) return AnswerOverloadedUnread(connection);
        if (overflow) break;
        return parker_.Park(connection, options_.keep_alive_timeout);
      }
      stream.set_deadline(Clock::now() + (overflow ? kOverflowRequestTimeout : options_.request_timeout));
      stream.set_read_budget(options_.max_head_bytes);
      t_request = RequestContext{};
      t_request.start = Clock::now();
      t_request.stream = &stream;
      t_request.draining = &closing_connections_;
      t_request.close_connection = overflow;
      bool client_asked_close = false;
      bool last = ++connection.served == options_.keep_alive_max_requests;
      metrics_.AddInFlight(1);
      bool ok = process_request(stream, last, client_asked_close, nullptr);
      metrics_.AddInFlight(-1);
      body_unread = t_request.body_unread;
      if (!ok || client_asked_close || t_request.close_connection) break;
    }
    if (body_unread) return CloseLingering(connection);
    Close(connection);
  }

  // Closing a socket with unread input makes the kernel send a reset instead
  // of an orderly close: the client's write of the rest of its body fails, and
  // most clients then never read the 413 or 401 already sent. They see a
  // network error, which a sender retries, instead of being told the request
  // is wrong. So, as nginx's lingering close does: end our side after the
  // answer, then have the parker discard what the client still sends until it
  // closes, for at most kLingerAfterUnreadBody. No worker waits for that.
  void CloseLingering(IdleConnection connection) {
    EndTls(connection);  // close_notify first; what follows is discarded undecrypted
    ::shutdown(connection.socket, SHUT_WR);
    parker_.Linger(connection, kLingerAfterUnreadBody);
  }

  const HttpServerOptions options_;
  Metrics& metrics_;
  const std::atomic<bool>& closing_connections_;
  ConnectionParker parker_;
};

HttpServer::HttpServer(HttpServerOptions options, WebhookHandler& handler, Metrics& metrics,
                       std::function<Readiness()> readiness)
    : options_(options), server_(std::make_unique<Server>(options, metrics, closing_connections_)) {
  Server& server = *server_;
  server.set_tcp_nodelay(true);  // else Nagle + delayed ACK add ~40 ms per keep-alive POST
  server.set_socket_options([&server](socket_t sock) {
    // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which lets a
    // second instance bind the same port and silently take half the traffic.
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    server.listen_socket = sock;
  });
  server.set_keep_alive_max_count(options.keep_alive_max_requests);
  server.set_keep_alive_timeout(options.keep_alive_timeout.count());
  server.set_read_timeout(options.read_timeout.count());
  server.set_write_timeout(options.write_timeout.count());
  server.set_payload_max_length(options.max_body_bytes);
  server.new_task_queue = [&server, options] {
    server.pool = new WorkerPool(static_cast<size_t>(options.threads),
                                 static_cast<size_t>(options.max_in_flight - options.threads),
                                 kMaxWaitForWorker);
    return server.pool;
  };

  server.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) {
    Log(LogLevel::kError, "unexpected exception while handling a request",
        {{"request_id", t_request.request_id}});
    LeaveBodyUnread();  // how much of the body was read is unknown
    Send(ErrorResponse(ErrorCode::kInternalError, "internal error"), res);
  });
  // Gives cpp-httplib's own error answers (malformed request line, ...) a
  // JSON body; the connection state is then unknown, so it is closed.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours
        LeaveBodyUnread();  // framing unknown: whatever follows is not read
        Send(LibraryError(res.status), res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  // Runs after each answer is written: metrics and the access log.
  server.set_logger([&metrics](const httplib::Request&, const httplib::Response& res) {
    Clock::duration latency = Clock::now() - t_request.start;
    metrics.CountRequest(t_request.route, res.status, latency);
    if (t_request.route != Route::kWebhook) return;
    if (t_request.error) metrics.CountRejection(RejectionReason(*t_request.error));
    LogWebhook(res.status, latency);
  });

  // Routing, before any body is read.
  const std::string webhook_path = options.webhook_path;
  server.set_pre_routing_handler([webhook_path](const httplib::Request& req, httplib::Response& res) {
    AssignRequestId(req);
    // A malformed head is never framed or routed: answered, then closed.
    if (!IsCleanHead(t_request.stream->head())) {
      if (req.path == webhook_path) t_request.route = Route::kWebhook;
      LeaveBodyUnread();  // framing unknown: whatever follows is not read
      Send(ErrorResponse(ErrorCode::kBadRequest, "malformed header field"), res);
      return httplib::Server::HandlerResponse::Handled;
    }
    const bool is_get = req.method == "GET" || req.method == "HEAD";
    if (req.path == webhook_path) {
      t_request.route = Route::kWebhook;
      if (req.method == "POST" && WorkerPool::CurrentMode() == WorkerPool::Mode::kAnswerOverloaded) {
        LeaveBodyUnread();
        Send(ErrorResponse(ErrorCode::kOverloaded, "too many requests in flight, retry later"), res);
        return httplib::Server::HandlerResponse::Handled;
      }
      if (req.method == "POST") return httplib::Server::HandlerResponse::Unhandled;
    } else if (req.path == kHealthzPath || req.path == kReadyzPath || req.path == kMetricsPath) {
      t_request.route = req.path == kHealthzPath  ? Route::kHealthz
                        : req.path == kReadyzPath ? Route::kReadyz
                                                  : Route::kMetrics;
      if (is_get && !HasBody(req)) return httplib::Server::HandlerResponse::Unhandled;
    }
    if (HasBody(req)) LeaveBodyUnread();
    if (t_request.route == Route::kOther) {
      Send(ErrorResponse(ErrorCode::kNotFound, "no such endpoint"), res);
    } else {
      Send(MethodNotAllowed(t_request.route == Route::kWebhook ? "POST" : "GET, HEAD"), res);
    }
    return httplib::Server::HandlerResponse::Handled;
  });

  server.Get(kHealthzPath, [](const httplib::Request&, httplib::Response& res) {
    HttpResponse alive;
    alive.body = R"({"status":"alive"})";
    Send(alive, res);
  });
  server.Get(kReadyzPath, [readiness, &metrics](const httplib::Request&, httplib::Response& res) {
    Readiness now = readiness();
    metrics.SetReady(now.ready());
    Send(ReadinessResponse(now), res);
  });
  server.Get(kMetricsPath, [&metrics, &server](const httplib::Request&, httplib::Response& res) {
    metrics.SetIdleConnections(server.idle_connections());
    res.set_header("X-Request-Id", t_request.request_id);
    if (ClosesAfterThisAnswer()) res.set_header("Connection", "close");
    res.set_content(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });

  const size_t max_body = options.max_body_bytes;
  server.Post(".*", [&handler, max_body](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& read_body) {
    auto received = WebhookHandler::Clock::now();
    auto refuse = [&](const HttpResponse& answer) {
      if (HasBody(req)) LeaveBodyUnread();
      Send(answer, res);
    };

    size_t length = 0;
    if (auto answer = CheckFraming(req, max_body, &length)) return refuse(*answer);
    RequestHead head{HeaderValues(req, "Authorization"), HeaderValues(req, "Content-Type"),
                     HeaderValues(req, "Content-Encoding")};
    if (auto answer = handler.CheckHead(head)) return refuse(*answer);

    std::string body;
    body.reserve(length);
    t_request.stream->set_read_budget(SIZE_MAX);  // the body is bounded by max_body below
    bool too_large = false;
    bool complete = read_body([&](const char* data, size_t size) {
      if (body.size() + size > max_body) {
        too_large = true;
        return false;
      }
      body.append(data, size);
      return true;
    });
    if (!complete) {
      LeaveBodyUnread();
      return Send(too_large ? TooLarge(max_body)
                            : ErrorResponse(ErrorCode::kBadRequest, "request body incomplete or malformed"),
                  res);
    }
    // The result must outlive the logger call that follows the write.
    thread_local WebhookResult result;
    result = handler.HandleBody(std::move(body), received);
    t_request.webhook = &result;
    Send(result.response, res);
  });
}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(std::string* error) {
  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    server_->tls = NewTlsContext(options_.tls_cert_file, options_.tls_key_file, error);
    if (!server_->tls) return false;
  }
  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
  } else if (server_->bind_to_port(options_.host, options_.port)) {
    port_ = options_.port;
  }
  if (port_ <= 0) {
    *error = "HOOKBRIDGE_LISTEN: cannot listen on " + options_.host + ":" + std::to_string(options_.port);
    return false;
  }
  // cpp-httplib 0.11.4 listens with a backlog of 5 (compiled into the
  // library): a burst of connections overflows it, and the rest wait for TCP
  // retransmits (1 s, 3 s, ...) before hookbridge even sees them, so a 503
  // meant to come at once came seconds late. Listening again raises it.
  ::listen(server_->listen_socket, SOMAXCONN);
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  // cpp-httplib 0.11.4 has no wait_until_ready(): poll until it runs.
  for (int waited_ms = 0; waited_ms < 5000; ++waited_ms) {
    if (server_->is_running()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  *error = "HTTP server did not start";
  return false;
}

void HttpServer::Stop() {
  if (listener_.joinable()) {
    server_->StopParking();  // before the worker pool it hands connections to goes
    server_->stop();
    listener_.join();
  }
}

}  // namespace hookbridge
