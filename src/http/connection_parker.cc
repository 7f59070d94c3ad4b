#include "hookbridge/http/connection_parker.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace hookbridge {
namespace {

// Idle timeouts and lingers are a second or longer: looking for expired ones
// this often is precise enough and costs nothing measurable.
constexpr std::chrono::milliseconds kExpiryScanInterval{250};
// Reads per wake-up for one lingering connection: a client that sends fast
// cannot keep the thread from the others (epoll reports it again).
constexpr int kMaxDiscardReads = 16;

// Reads and drops what has arrived on `socket`. True if the peer has closed
// its side (or the connection failed): the lingering is over.
bool DiscardInput(int socket) {
  char discard[16384];
  for (int read = 0; read < kMaxDiscardReads; ++read) {
    ssize_t received = ::recv(socket, discard, sizeof discard, MSG_DONTWAIT);
    if (received > 0) continue;
    return received == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }
  return false;
}

}  // namespace

ConnectionParker::ConnectionParker(Resume resume, Close close, size_t max_parked)
    : resume_(std::move(resume)), close_(std::move(close)), max_parked_(max_parked) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_ < 0 || wake_ < 0) throw std::system_error(errno, std::generic_category(), "epoll");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_;
  epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &event);
  thread_ = std::thread([this] { Run(); });
}

ConnectionParker::~ConnectionParker() {
  Stop();
  ::close(wake_);
  ::close(epoll_);
}

void ConnectionParker::Park(IdleConnection connection, std::chrono::milliseconds idle_timeout) {
  if (!Watch(connection, Clock::now() + idle_timeout, false)) close_(connection);
}

void ConnectionParker::Linger(IdleConnection connection, Clock::duration linger) {
  if (!Watch(connection, Clock::now() + linger, true)) close_(connection);
}

bool ConnectionParker::Watch(const IdleConnection& connection, Clock::time_point deadline,
                             bool lingering) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_ || parked_.size() >= max_parked_) return false;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP;
  event.data.fd = connection.socket;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, connection.socket, &event) != 0) return false;
  parked_[connection.socket] = Entry{connection, deadline, lingering};
  if (lingering) ++lingering_;
  return true;
}

void ConnectionParker::Stop() {
  std::unordered_map<int, Entry> closing;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    closing.swap(parked_);
    lingering_ = 0;
    for (const auto& [socket, entry] : closing) epoll_ctl(epoll_, EPOLL_CTL_DEL, socket, nullptr);
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(wake_, &one, sizeof one);
  thread_.join();
  for (auto& [socket, entry] : closing) close_(entry.connection);
}

size_t ConnectionParker::parked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return parked_.size() - lingering_;
}

void ConnectionParker::Run() {
  std::array<epoll_event, 256> events;
  Clock::time_point next_scan = Clock::now() + kExpiryScanInterval;
  std::vector<IdleConnection> ready;
  std::vector<int> lingering_readable;  // input to discard, or the peer's close
  while (true) {
    int count = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                           static_cast<int>(kExpiryScanInterval.count()));
    ready.clear();
    lingering_readable.clear();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) return;
      for (int i = 0; i < count; ++i) {
        auto found = parked_.find(events[i].data.fd);
        if (found == parked_.end()) continue;  // the eventfd
        if (found->second.lingering) {
          lingering_readable.push_back(found->first);
          continue;
        }
        ready.push_back(Forget(found));
      }
    }
    // A request (or the peer's close) arrived: a worker reads it.
    for (const IdleConnection& connection : ready) resume_(connection);
    // Only this thread closes a watched socket before Stop(), so these stay
    // open while they are read without the lock.
    auto still_sending = [](int socket) { return !DiscardInput(socket); };
    auto& peer_closed = lingering_readable;
    peer_closed.erase(std::remove_if(peer_closed.begin(), peer_closed.end(), still_sending),
                      peer_closed.end());
    if (!peer_closed.empty()) ClosePeerClosed(peer_closed);
    Clock::time_point now = Clock::now();
    if (now >= next_scan) {
      CloseExpired(now);
      next_scan = now + kExpiryScanInterval;
    }
  }
}

void ConnectionParker::ClosePeerClosed(const std::vector<int>& sockets) {
  std::vector<IdleConnection> closing;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;  // Stop() closes them
    for (int socket : sockets) {
      auto found = parked_.find(socket);
      if (found == parked_.end()) continue;
      closing.push_back(Forget(found));
    }
  }
  for (const IdleConnection& connection : closing) close_(connection);
}

void ConnectionParker::CloseExpired(Clock::time_point now) {
  std::vector<IdleConnection> expired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = parked_.begin(); it != parked_.end();) {
      if (it->second.deadline <= now) {
        expired.push_back(Forget(it++));
      } else {
        ++it;
      }
    }
  }
  for (const IdleConnection& connection : expired) close_(connection);
}

IdleConnection ConnectionParker::Forget(std::unordered_map<int, Entry>::iterator entry) {
  epoll_ctl(epoll_, EPOLL_CTL_DEL, entry->first, nullptr);
  if (entry->second.lingering) --lingering_;
  IdleConnection connection = entry->second.connection;
  parked_.erase(entry);
  return connection;
}

}  // namespace hookbridge
