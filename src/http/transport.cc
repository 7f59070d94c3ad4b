#include "hookbridge/http/transport.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace hookbridge {
namespace {

IoStatus SocketStatus(ssize_t result) {
  if (result > 0) return IoStatus::kDone;
  if (result == 0) return IoStatus::kClosed;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return IoStatus::kWouldBlock;
  return IoStatus::kError;
}

}  // namespace

Transport::~Transport() {
  if (tls_ != nullptr) SSL_free(tls_);
  ::close(socket_);
}

// OpenSSL's error queue is per thread, and one thread serves every
// connection: each TLS call starts with it cleared, or a failure on one
// connection would read as a failure of the next call on another.
IoStatus Transport::TlsStatus(int result) {
  switch (SSL_get_error(tls_, result)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: return IoStatus::kWouldBlock;
    case SSL_ERROR_ZERO_RETURN: return IoStatus::kClosed;
    default: return IoStatus::kError;
  }
}

IoStatus Transport::Handshake() {
  if (tls_ == nullptr) return IoStatus::kDone;
  ERR_clear_error();
  int result = SSL_accept(tls_);
  return result == 1 ? IoStatus::kDone : TlsStatus(result);
}

IoStatus Transport::Read(char* buffer, size_t max, size_t* got) {
  *got = 0;
  if (tls_ != nullptr) {
    ERR_clear_error();
    int result = SSL_read(tls_, buffer, static_cast<int>(max));
    if (result <= 0) return TlsStatus(result);
    *got = static_cast<size_t>(result);
    return IoStatus::kDone;
  }
  ssize_t result = ::recv(socket_, buffer, max, 0);
  if (result <= 0) return SocketStatus(result);
  *got = static_cast<size_t>(result);
  return IoStatus::kDone;
}

IoStatus Transport::Write(std::string_view data, size_t* written) {
  *written = 0;
  if (tls_ != nullptr) {
    ERR_clear_error();
    int result = SSL_write(tls_, data.data(), static_cast<int>(data.size()));
    if (result <= 0) return TlsStatus(result);
    *written = static_cast<size_t>(result);
    return IoStatus::kDone;
  }
  ssize_t result = ::send(socket_, data.data(), data.size(), MSG_NOSIGNAL);
  if (result < 0) return SocketStatus(result);
  *written = static_cast<size_t>(result);
  return IoStatus::kDone;
}

void Transport::EndSending() {
  if (tls_ != nullptr) {
    ERR_clear_error();
    SSL_shutdown(tls_);  // one non-blocking try: close_notify
  }
  ::shutdown(socket_, SHUT_WR);
}

IoStatus Transport::Discard() {
  char sink[16384];
  while (true) {
    ssize_t result = ::recv(socket_, sink, sizeof sink, 0);
    if (result <= 0) return SocketStatus(result);
  }
}

}  // namespace hookbridge
