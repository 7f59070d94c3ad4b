// Raw HTTP/1.1 over a plain socket, for requests that a client library would
// refuse to send or would normalise: malformed framing, smuggled requests,
// pipelining, trickled bytes. Also small helpers about the hookbridge process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookbridge::hostile {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct RawResponse {
  int status = 0;
  std::string head;  // status line and header lines as received
  std::multimap<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;

  std::string Header(const std::string& name) const;  // "" when absent
  size_t HeaderCount(const std::string& name) const { return headers.count(name); }
};

// One client connection. Reads are bounded by the deadlines given.
class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return socket_ >= 0; }
  // Sends all of `bytes`; false if the server closed or reset the connection first.
  bool Send(std::string_view bytes);
  // The next complete response, or nothing if none arrived by `timeout`
  // (or the connection ended, or the bytes are not an HTTP response).
  std::optional<RawResponse> ReadResponse(std::chrono::milliseconds timeout);
  // True if the server closes (or resets) the connection within `timeout`
  // without sending anything more; bytes that arrive instead are kept in
  // unexpected().
  bool WaitForClose(std::chrono::milliseconds timeout);
  const std::string& unexpected() const { return buffer_; }
  // Unblocks a Send() running in another thread, and ends the connection.
  void Abort();
  int socket() const { return socket_; }

 private:
  // Reads what is there (waiting up to `timeout`): >0 bytes appended, 0 on
  // close or reset, -1 on timeout.
  int Fill(std::chrono::milliseconds timeout);

  int socket_ = -1;
  bool ended_ = false;
  std::string buffer_;
};

// Sends `request` (from another thread, so the server can answer and close
// before all of it is sent) and reads up to `responses` answers.
struct ExchangeResult {
  std::vector<RawResponse> responses;
  bool closed_after = false;  // the server closed the connection after them
  std::string unexpected;     // bytes after the answers that are not one
  Clock::duration elapsed{};
};
// `wait_for_close`: after the answers, wait this long for the server to close
// the connection (0: do not wait, leave it open).
ExchangeResult Exchange(int port, const std::string& request, size_t responses,
                        std::chrono::milliseconds wait_for_close,
                        std::chrono::milliseconds timeout = 10s);

// A request as bytes: request line, header lines, empty line, body. Each
// header is given as a full line without its CR LF.
std::string Request(const std::string& request_line, const std::vector<std::string>& headers,
                    const std::string& body = "");

// The body as a chunked transfer coding, in chunks of `chunk_size`.
std::string Chunked(const std::string& body, size_t chunk_size);

std::string Gzip(const std::string& data);
std::string Brotli(const std::string& data);

// The hookbridge process that this test process started (its child running
// HOOKBRIDGE_BINARY); -1 if none or several.
pid_t BridgePid();
// VmRSS of `pid` in KiB, or -1.
long ResidentKiB(pid_t pid);
// Threads of `pid`, or -1.
long ThreadCount(pid_t pid);

}  // namespace hookbridge::hostile
