// Idle keep-alive connections wait here instead of in a worker thread.
//
// One thread watches every parked connection with epoll and hands a
// connection back (through `resume`) as soon as its next request starts to
// arrive, or the peer closes it. A connection idle for longer than its
// keep-alive timeout is closed here. So a worker thread is held only while a
// request is read, handled and answered: open connections are bounded by
// file descriptors, not by threads, and a connection waiting for a worker is
// one whose request has actually arrived.
//
// The same thread does lingering closes: after an answer given before the
// request was read in full, it discards what the client still sends until the
// client closes, so that no worker waits for that.
#pragma once

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace hookbridge {

// An open client connection between two requests.
struct IdleConnection {
  int socket = -1;
  SSL* tls = nullptr;  // owned: the TLS session, or nullptr for plain TCP
  size_t served = 0;   // requests answered on it so far
};

class ConnectionParker {
 public:
  using Clock = std::chrono::steady_clock;
  // Called on the parker's thread: must hand the connection on, not serve it there.
  using Resume = std::function<void(IdleConnection)>;
  using Close = std::function<void(IdleConnection)>;

  // `max_parked`: past it, a connection to be parked is closed instead.
  ConnectionParker(Resume resume, Close close, size_t max_parked);
  ~ConnectionParker();  // Stop()s
  ConnectionParker(const ConnectionParker&) = delete;
  ConnectionParker& operator=(const ConnectionParker&) = delete;

  // Watches `connection` until it is readable or `idle_timeout` passes.
  void Park(IdleConnection connection, std::chrono::milliseconds idle_timeout);
  // Discards what the peer of `connection` still sends until it closes or
  // `linger` passes, then closes it. The caller has answered, ended TLS and
  // shut down its sending side.
  void Linger(IdleConnection connection, Clock::duration linger);
  // Closes every connection held here; from now on Park() and Linger() close at once.
  void Stop();
  // Connections parked between requests (not those lingering).
  size_t parked() const;

 private:
  struct Entry {
    IdleConnection connection;
    Clock::time_point deadline;
    bool lingering = false;
  };

  bool Watch(const IdleConnection& connection, Clock::time_point deadline, bool lingering);
  void Run();
  // Closes the lingering connections of `sockets`: their peers have closed.
  void ClosePeerClosed(const std::vector<int>& sockets);
  void CloseExpired(Clock::time_point now);
  // Stops watching `entry` and removes it; the caller holds the lock.
  IdleConnection Forget(std::unordered_map<int, Entry>::iterator entry);

  const Resume resume_;
  const Close close_;
  const size_t max_parked_;
  int epoll_ = -1;
  int wake_ = -1;  // eventfd: Stop() wakes the thread with it
  mutable std::mutex mutex_;
  std::unordered_map<int, Entry> parked_;  // by socket, lingering ones too
  size_t lingering_ = 0;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace hookbridge
