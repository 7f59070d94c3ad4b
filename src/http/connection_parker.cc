#include "hookbridge/http/connection_parker.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace hookbridge {
namespace {

// Idle timeouts are seconds long: looking for expired ones this often is
// precise enough and costs nothing measurable.
constexpr std::chrono::milliseconds kExpiryScanInterval{250};

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
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopped_ && parked_.size() < max_parked_) {
      epoll_event event{};
      event.events = EPOLLIN | EPOLLRDHUP;
      event.data.fd = connection.socket;
      if (epoll_ctl(epoll_, EPOLL_CTL_ADD, connection.socket, &event) == 0) {
        parked_[connection.socket] = Entry{connection, Clock::now() + idle_timeout};
        return;
      }
    }
  }
  close_(connection);
}

void ConnectionParker::Stop() {
  std::unordered_map<int, Entry> closing;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    closing.swap(parked_);
    for (const auto& [socket, entry] : closing) epoll_ctl(epoll_, EPOLL_CTL_DEL, socket, nullptr);
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t written = ::write(wake_, &one, sizeof one);
  thread_.join();
  for (auto& [socket, entry] : closing) close_(entry.connection);
}

size_t ConnectionParker::parked() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return parked_.size();
}

void ConnectionParker::Run() {
  std::array<epoll_event, 256> events;
  Clock::time_point next_scan = Clock::now() + kExpiryScanInterval;
  std::vector<IdleConnection> ready;
  while (true) {
    int count = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                           static_cast<int>(kExpiryScanInterval.count()));
    ready.clear();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) return;
      for (int i = 0; i < count; ++i) {
        auto found = parked_.find(events[i].data.fd);
        if (found == parked_.end()) continue;  // the eventfd
        epoll_ctl(epoll_, EPOLL_CTL_DEL, found->first, nullptr);
        ready.push_back(found->second.connection);
        parked_.erase(found);
      }
    }
    // A request (or the peer's close) arrived: a worker reads it.
    for (const IdleConnection& connection : ready) resume_(connection);
    Clock::time_point now = Clock::now();
    if (now >= next_scan) {
      CloseExpired(now);
      next_scan = now + kExpiryScanInterval;
    }
  }
}

void ConnectionParker::CloseExpired(Clock::time_point now) {
  std::vector<IdleConnection> expired;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = parked_.begin(); it != parked_.end();) {
      if (it->second.idle_deadline <= now) {
        epoll_ctl(epoll_, EPOLL_CTL_DEL, it->first, nullptr);
        expired.push_back(it->second.connection);
        it = parked_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const IdleConnection& connection : expired) close_(connection);
}

}  // namespace hookbridge
