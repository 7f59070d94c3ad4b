#include "hookbridge/http/connection_stream.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hookbridge {
namespace {

void AddressOf(const sockaddr_storage& address, std::string& ip, int& port) {
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&address), sizeof address, host, sizeof host,
                  service, sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(service);
  }
}

}  // namespace

ConnectionStream::ConnectionStream(int socket, SSL* tls, std::chrono::milliseconds read_timeout,
                                   std::chrono::milliseconds write_timeout)
    : socket_(socket), tls_(tls), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

// Bytes already received: in our buffer, or decrypted and held by OpenSSL.
bool ConnectionStream::Buffered() const {
  return buffer_begin_ < buffer_end_ || (tls_ != nullptr && SSL_pending(tls_) > 0);
}

bool ConnectionStream::PollFor(short events, std::chrono::milliseconds timeout) const {
  pollfd descriptor{socket_, events, 0};
  int ready;
  do {
    ready = ::poll(&descriptor, 1, static_cast<int>(std::max<int64_t>(timeout.count(), 0)));
  } while (ready < 0 && errno == EINTR);
  return ready > 0;
}

bool ConnectionStream::WaitForRequest(std::chrono::milliseconds timeout) const {
  return Buffered() || PollFor(POLLIN, timeout);  // buffered: a pipelined request is here
}

bool ConnectionStream::is_readable() const {
  if (Buffered()) return true;
  auto now = Clock::now();
  if (now >= deadline_) return false;
  auto until_deadline = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now);
  return PollFor(POLLIN, std::min(read_timeout_, until_deadline));
}

bool ConnectionStream::is_writable() const { return PollFor(POLLOUT, write_timeout_); }

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (read_budget_ == 0) return -1;
  size = std::min(size, read_budget_);
  if (buffer_begin_ == buffer_end_) {
    if (!is_readable()) return -1;
    ssize_t received;
    if (tls_ != nullptr) {
      received = SSL_read(tls_, buffer_.data(), static_cast<int>(buffer_.size()));
    } else {
      do {
        received = ::recv(socket_, buffer_.data(), buffer_.size(), 0);
      } while (received < 0 && errno == EINTR);
    }
    if (received <= 0) return received;
    buffer_begin_ = 0;
    buffer_end_ = static_cast<size_t>(received);
  }
  size_t n = std::min(size, buffer_end_ - buffer_begin_);
  std::memcpy(ptr, buffer_.data() + buffer_begin_, n);
  buffer_begin_ += n;
  if (read_budget_ != SIZE_MAX) {
    read_budget_ -= n;
    head_.append(ptr, n);
  }
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  if (!is_writable()) return -1;
  if (tls_ != nullptr) return SSL_write(tls_, ptr, static_cast<int>(std::min<size_t>(size, 1 << 30)));
  ssize_t sent;
  do {
    sent = ::send(socket_, ptr, size, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return sent;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getpeername(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    AddressOf(address, ip, port);
  }
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    AddressOf(address, ip, port);
  }
}

}  // namespace hookbridge
