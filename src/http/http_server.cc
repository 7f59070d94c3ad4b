#include "hookbridge/http/http_server.h"

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "hookbridge/core/log.h"
#include "hookbridge/core/text.h"
#include "hookbridge/http/connection_stream.h"

namespace hookbridge {
namespace {

// Set by a handler whose request body stays (partly) unread: the connection
// loop then closes the connection after the answer. A connection is served
// by one worker thread from start to end, so a thread-local is exact.
thread_local bool t_close_connection = false;

void Send(const HttpResponse& answer, httplib::Response& res) {
  res.status = answer.status;
  for (const auto& [name, value] : answer.headers) res.set_header(name.c_str(), value);
  if (t_close_connection) res.set_header("Connection", "close");
  res.set_content(answer.body, "application/json");
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

bool IsDecimal(std::string_view text) {
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Reasons cpp-httplib answers on its own (before any handler ran).
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

}  // namespace

// cpp-httplib's Server with hookbridge's own connection loop.
class HttpServer::Server final : public httplib::Server {
 public:
  explicit Server(const HttpServerOptions& options) : options_(options) {}

 private:
  bool process_and_close_socket(socket_t sock) override {
    ConnectionStream stream(sock, options_.read_timeout, options_.write_timeout);
    bool ok = true;
    for (size_t served = 0; served < options_.keep_alive_max_requests; ++served) {
      if (!stream.WaitForRequest(options_.keep_alive_timeout,
                                 [this] { return svr_sock_ != INVALID_SOCKET; })) {
        break;
      }
      stream.set_deadline(ConnectionStream::Clock::now() + options_.request_timeout);
      t_close_connection = false;
      bool client_asked_close = false;
      bool last = served + 1 == options_.keep_alive_max_requests;
      ok = process_request(stream, last, client_asked_close, nullptr);
      if (!ok || client_asked_close || t_close_connection) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  const HttpServerOptions options_;
};

HttpServer::HttpServer(HttpServerOptions options, WebhookHandler& handler)
    : server_(std::make_unique<Server>(options)), host_port_(options.host, options.port) {
  Server& server = *server_;
  server.set_tcp_nodelay(true);  // else Nagle + delayed ACK add ~40 ms per keep-alive POST
  server.set_keep_alive_max_count(options.keep_alive_max_requests);
  server.set_keep_alive_timeout(options.keep_alive_timeout.count());
  server.set_read_timeout(options.read_timeout.count());
  server.set_write_timeout(options.write_timeout.count());
  server.set_payload_max_length(options.max_body_bytes);
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };

  server.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                  std::exception_ptr) {
    Log(LogLevel::kError, "unexpected exception while handling a request");
    t_close_connection = true;
    Send(ErrorResponse(ErrorCode::kInternalError, "internal error"), res);
  });
  // Gives cpp-httplib's own error answers (malformed request line, ...) a
  // JSON body; the connection state is then unknown, so it is closed.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours
        t_close_connection = true;
        Send(LibraryError(res.status), res);
        return httplib::Server::HandlerResponse::Handled;
      }));

  const std::string path = options.webhook_path;
  server.set_pre_routing_handler([path](const httplib::Request& req, httplib::Response& res) {
    if (req.path == path && req.method == "POST") return httplib::Server::HandlerResponse::Unhandled;
    t_close_connection = HasBody(req);  // answered without reading the body
    Send(req.path == path ? ErrorResponse(ErrorCode::kMethodNotAllowed, "use POST")
                          : ErrorResponse(ErrorCode::kNotFound, "no such endpoint"),
         res);
    return httplib::Server::HandlerResponse::Handled;
  });

  const size_t max_body = options.max_body_bytes;
  server.Post(".*", [&handler, max_body](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& read_body) {
    auto received = WebhookHandler::Clock::now();
    auto refuse = [&](const HttpResponse& answer) {
      t_close_connection = HasBody(req);  // the body was not read
      Send(answer, res);
    };

    // Framing first: a body whose length is ambiguous is never read.
    std::vector<std::string_view> transfer_encoding = HeaderValues(req, "Transfer-Encoding");
    std::vector<std::string_view> content_length = HeaderValues(req, "Content-Length");
    size_t length = 0;
    if (!transfer_encoding.empty()) {
      if (transfer_encoding.size() != 1 || !EqualsIgnoreCase(Trim(transfer_encoding[0]), "chunked") ||
          !content_length.empty()) {
        return refuse(ErrorResponse(ErrorCode::kBadRequest,
                                    "Transfer-Encoding must be 'chunked' alone, without "
                                    "Content-Length"));
      }
    } else if (content_length.empty()) {
      return refuse(ErrorResponse(ErrorCode::kLengthRequired, "Content-Length is required"));
    } else if (content_length.size() != 1 || !IsDecimal(content_length[0])) {
      return refuse(ErrorResponse(ErrorCode::kBadRequest, "malformed Content-Length"));
    } else {
      length = std::stoull(std::string(content_length[0]));
      if (length > max_body) {
        return refuse(ErrorResponse(ErrorCode::kPayloadTooLarge,
                                    "body exceeds " + std::to_string(max_body) + " bytes"));
      }
    }

    RequestHead head{HeaderValues(req, "Authorization"), HeaderValues(req, "Content-Type"),
                     HeaderValues(req, "Content-Encoding")};
    if (std::optional<HttpResponse> answer = handler.CheckHead(head)) return refuse(*answer);

    std::string body;
    body.reserve(length);
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
      t_close_connection = true;
      return Send(too_large ? ErrorResponse(ErrorCode::kPayloadTooLarge,
                                            "body exceeds " + std::to_string(max_body) + " bytes")
                            : ErrorResponse(ErrorCode::kBadRequest,
                                            "request body incomplete or malformed"),
                  res);
    }
    Send(handler.HandleBody(std::move(body), received), res);
  });
}

HttpServer::~HttpServer() { Stop(); }

bool HttpServer::Start(std::string* error) {
  if (host_port_.second == 0) {
    port_ = server_->bind_to_any_port(host_port_.first);
  } else if (server_->bind_to_port(host_port_.first, host_port_.second)) {
    port_ = host_port_.second;
  }
  if (port_ <= 0) {
    *error = "HOOKBRIDGE_LISTEN: cannot listen on " + host_port_.first + ":" +
             std::to_string(host_port_.second);
    return false;
  }
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
    server_->stop();
    listener_.join();
  }
}

}  // namespace hookbridge
