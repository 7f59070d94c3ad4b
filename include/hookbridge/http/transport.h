// One accepted socket, plain TCP or TLS, read and written without blocking.
// Every call returns at once; kWouldBlock means "call again when epoll says
// the socket is ready". Used by the connection loop's thread only.
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace hookbridge {

enum class IoStatus {
  kDone,        // progress was made (or the handshake is complete)
  kWouldBlock,  // nothing to do until the socket is ready again
  kClosed,      // the peer closed its side
  kError,       // the connection is broken
};

class Transport {
 public:
  // Takes ownership of `socket` (non-blocking) and of `tls` (nullptr: plain).
  Transport(int socket, SSL* tls) : socket_(socket), tls_(tls) {}
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int socket() const { return socket_; }
  bool is_tls() const { return tls_ != nullptr; }

  // TLS: one step of the server handshake; kDone once established. Plain: kDone.
  IoStatus Handshake();
  // Reads at most `max` bytes that have arrived into `buffer`; *got says how many.
  IoStatus Read(char* buffer, size_t max, size_t* got);
  // Writes from `data`; *written says how much went out.
  IoStatus Write(std::string_view data, size_t* written);
  // Ends our sending side after the last answer: TLS close_notify (best
  // effort), then a TCP half-close. What the peer still sends can be read.
  void EndSending();
  // Reads what has arrived and throws it away, undecrypted.
  IoStatus Discard();

 private:
  IoStatus TlsStatus(int result);

  const int socket_;
  SSL* const tls_;
};

}  // namespace hookbridge
