#include "raw_http.h"

#include <arpa/inet.h>
#include <brotli/encode.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "../support/loopback.h"

namespace hookbridge::hostile {
namespace {

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Parses one response from the front of `buffer` (removing it); nothing if
// it is incomplete. *malformed is set when the bytes cannot be a response.
std::optional<RawResponse> TakeResponse(std::string& buffer, bool* malformed) {
  *malformed = false;
  size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    *malformed = buffer.size() >= 5 && buffer.compare(0, 5, "HTTP/") != 0;
    return std::nullopt;
  }
  RawResponse response;
  response.head = buffer.substr(0, head_end + 2);
  if (response.head.compare(0, 9, "HTTP/1.1 ") != 0 || response.head.size() < 12) {
    *malformed = true;
    return std::nullopt;
  }
  response.status = std::atoi(response.head.substr(9, 3).c_str());
  size_t line_start = response.head.find("\r\n") + 2;
  while (line_start < response.head.size()) {
    size_t line_end = response.head.find("\r\n", line_start);
    std::string line = response.head.substr(line_start, line_end - line_start);
    line_start = line_end + 2;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      *malformed = true;
      return std::nullopt;
    }
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    response.headers.emplace(line.substr(0, colon), value);
  }
  size_t length = 0;
  if (response.HeaderCount("Content-Length") == 1) {
    length = std::strtoull(response.Header("Content-Length").c_str(), nullptr, 10);
  }
  if (buffer.size() < head_end + 4 + length) return std::nullopt;
  response.body = buffer.substr(head_end + 4, length);
  buffer.erase(0, head_end + 4 + length);
  return response;
}

}  // namespace

bool CaseInsensitiveLess::operator()(const std::string& a, const std::string& b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return Lower(x) < Lower(y); });
}

std::string RawResponse::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

RawConnection::RawConnection(int port) {
  socket_ = test_support::ConnectLoopback(port);
  if (socket_ < 0) return;
  int yes = 1;
  setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
}

RawConnection::~RawConnection() {
  if (socket_ >= 0) ::close(socket_);
}

bool RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t sent = ::send(socket_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

int RawConnection::Fill(std::chrono::milliseconds timeout) {
  if (ended_) return 0;
  pollfd descriptor{socket_, POLLIN, 0};
  int ready = ::poll(&descriptor, 1, static_cast<int>(std::max<int64_t>(timeout.count(), 0)));
  if (ready == 0) return -1;
  char chunk[16384];
  ssize_t received;
  do {
    received = ::recv(socket_, chunk, sizeof chunk, 0);
  } while (received < 0 && errno == EINTR);
  if (received <= 0) {  // closed, or reset (ECONNRESET)
    ended_ = true;
    return 0;
  }
  buffer_.append(chunk, static_cast<size_t>(received));
  return static_cast<int>(received);
}

std::optional<RawResponse> RawConnection::ReadResponse(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    bool malformed = false;
    if (auto response = TakeResponse(buffer_, &malformed)) return response;
    if (malformed) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0 || Fill(left) <= 0) return std::nullopt;
  }
}

bool RawConnection::WaitForClose(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    int filled = Fill(left);
    if (filled == 0) return buffer_.empty();
    if (filled < 0) return false;
  }
}

void RawConnection::Abort() {
  if (socket_ >= 0) ::shutdown(socket_, SHUT_RDWR);
}

ExchangeResult Exchange(int port, const std::string& request, size_t responses,
                        std::chrono::milliseconds wait_for_close,
                        std::chrono::milliseconds timeout) {
  ExchangeResult result;
  auto start = Clock::now();
  RawConnection connection(port);
  if (!connection.connected()) return result;
  // The start of the request is written at once, not when the sender thread
  // gets to run: a server that gives a connection a bounded time to start its
  // request (hookbridge's overflow threads: 1 s) is then measured, not this
  // process's scheduling. 16 KiB fit in a new connection's send buffer.
  const size_t at_once = std::min(request.size(), size_t{16384});
  const bool at_once_failed = !connection.Send(std::string_view(request).substr(0, at_once));
  std::thread sender([&] {
    if (!at_once_failed) connection.Send(std::string_view(request).substr(at_once));
  });
  auto deadline = start + timeout;
  while (result.responses.size() < responses) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto response = connection.ReadResponse(left);
    if (!response) break;
    result.responses.push_back(std::move(*response));
  }
  if (wait_for_close.count() > 0) result.closed_after = connection.WaitForClose(wait_for_close);
  result.unexpected = connection.unexpected();
  result.elapsed = Clock::now() - start;
  connection.Abort();
  sender.join();
  return result;
}

std::string Request(const std::string& request_line, const std::vector<std::string>& headers,
                    const std::string& body) {
  std::string bytes = request_line + "\r\n";
  for (const auto& header : headers) bytes += header + "\r\n";
  return bytes + "\r\n" + body;
}

std::string Chunked(const std::string& body, size_t chunk_size) {
  std::string coded;
  for (size_t at = 0; at < body.size(); at += chunk_size) {
    size_t size = std::min(chunk_size, body.size() - at);
    char line[32];
    std::snprintf(line, sizeof line, "%zx\r\n", size);
    coded += line + body.substr(at, size) + "\r\n";
  }
  return coded + "0\r\n\r\n";
}

std::string Gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string Brotli(const std::string& data) {
  size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string out(size, '\0');
  BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                        data.size(), reinterpret_cast<const uint8_t*>(data.data()), &size,
                        reinterpret_cast<uint8_t*>(out.data()));
  out.resize(size);
  return out;
}

pid_t BridgePid() {
  pid_t found = -1;
  const std::string self = std::to_string(getpid());
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return -1;
  while (dirent* entry = readdir(proc)) {
    std::string pid = entry->d_name;
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) continue;
    // /proc/PID/stat: "PID (comm) STATE PPID ..."
    std::string stat = ReadFile("/proc/" + pid + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 2));
    std::string state;
    std::string parent;
    fields >> state >> parent;
    if (parent != self || state == "Z") continue;
    char exe[PATH_MAX] = {};
    if (readlink(("/proc/" + pid + "/exe").c_str(), exe, sizeof exe - 1) < 0) continue;
    if (std::string(exe) != HOOKBRIDGE_BINARY) continue;
    if (found != -1) {
      found = -1;
      break;
    }
    found = static_cast<pid_t>(std::stol(pid));
  }
  closedir(proc);
  return found;
}

namespace {
long StatusField(pid_t pid, const std::string& field) {
  std::istringstream status(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::strtol(line.c_str() + field.size(), nullptr, 10);
  }
  return -1;
}
}  // namespace

long ResidentKiB(pid_t pid) { return StatusField(pid, "VmRSS:"); }
long ThreadCount(pid_t pid) { return StatusField(pid, "Threads:"); }

}  // namespace hookbridge::hostile
