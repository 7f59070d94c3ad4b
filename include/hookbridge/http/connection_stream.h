// One client connection as a cpp-httplib Stream, living as long as the
// connection (cpp-httplib 0.11.4 makes a new stream per request and loses
// read-ahead bytes of pipelined requests with it). Plain TCP, or TLS when
// given an established OpenSSL session.
//
// Every read waits at most `read_timeout` for data, and no read succeeds
// after the per-request deadline, so a client trickling a request one byte at
// a time is cut off. Writes wait at most `write_timeout` for buffer space.
#pragma once

#include <httplib.h>
#include <poll.h>

#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

namespace hookbridge {

class ConnectionStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // `tls`: an accepted session on `socket`, or nullptr for plain TCP. Not owned.
  ConnectionStream(int socket, SSL* tls, std::chrono::milliseconds read_timeout,
                   std::chrono::milliseconds write_timeout);

  // Waits until the next request starts to arrive, or the peer closes (true),
  // or `timeout` passes (false).
  bool WaitForRequest(std::chrono::milliseconds timeout) const;
  // No read succeeds after `deadline`.
  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  // Reads fail once `bytes` more have been read: bounds a request's line and
  // headers, which cpp-httplib 0.11.4 reads without limit. While a budget is
  // set, the bytes read are kept in head(), so that the request head can be
  // checked as received (cpp-httplib 0.11.4 silently drops header lines it
  // cannot parse).
  void set_read_budget(size_t bytes) {
    read_budget_ = bytes;
    head_.clear();
  }
  const std::string& head() const { return head_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return socket_; }

 private:
  bool PollFor(short events, std::chrono::milliseconds timeout) const;

  bool Buffered() const;

  int socket_;
  SSL* tls_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  size_t read_budget_ = SIZE_MAX;
  std::string head_;
  std::array<char, 4096> buffer_{};
  size_t buffer_begin_ = 0;
  size_t buffer_end_ = 0;
};

}  // namespace hookbridge
