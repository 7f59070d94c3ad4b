// Accepting from the listening socket (listening_socket.h), which the
// connection loops and the handshake threads share: a batch per wake-up, and
// a pause while the process is out of file descriptors; and the epoll_wait
// timeout both kinds of thread compute from their deadlines (epoll_timeout.h).
#include "hookbridge/http/listening_socket.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "../support/loopback.h"
#include "hookbridge/http/epoll_timeout.h"

namespace hookbridge {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A file descriptor closed with the test.
struct Descriptor {
  explicit Descriptor(int descriptor) : fd(descriptor) {}
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  const int fd;
};

// Whether the listening socket reports a connection within `timeout`.
bool ListeningReady(int epoll, std::chrono::milliseconds timeout) {
  epoll_event event{};
  return epoll_wait(epoll, &event, 1, static_cast<int>(timeout.count())) == 1 &&
         event.data.ptr == nullptr;
}

// The process's descriptor limit lowered until the test ends, so that the
// next descriptor the process opens is refused (EMFILE).
class NoFreeDescriptors {
 public:
  NoFreeDescriptors() {
    getrlimit(RLIMIT_NOFILE, &saved_);
    const int lowest_free = ::open("/dev/null", O_RDONLY | O_CLOEXEC);  // the number the next gets
    ::close(lowest_free);
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(lowest_free);
    ok_ = setrlimit(RLIMIT_NOFILE, &lowered) == 0;
  }
  ~NoFreeDescriptors() { Restore(); }
  NoFreeDescriptors(const NoFreeDescriptors&) = delete;
  NoFreeDescriptors& operator=(const NoFreeDescriptors&) = delete;
  bool ok() const { return ok_; }
  void Restore() {
    if (ok_) setrlimit(RLIMIT_NOFILE, &saved_);
    ok_ = false;
  }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

class ListeningWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    int port = 0;
    listen_ = std::make_unique<Descriptor>(Listen("127.0.0.1", 0, &port, &error));
    ASSERT_GE(listen_->fd, 0) << error;
    port_ = port;
    ASSERT_GE(epoll_.fd, 0);
  }

  // A client connected (the kernel completes it in the backlog).
  void Connect() {
    clients_.push_back(std::make_unique<Descriptor>(test_support::ConnectLoopback(port_)));
    ASSERT_GE(clients_.back()->fd, 0);
  }

  std::unique_ptr<Descriptor> listen_;
  int port_ = 0;
  Descriptor epoll_{epoll_create1(EPOLL_CLOEXEC)};
  std::vector<std::unique_ptr<Descriptor>> clients_;
  std::vector<std::unique_ptr<Descriptor>> accepted_;
};

TEST_F(ListeningWatchTest, AcceptsEveryPendingConnectionNonBlocking) {
  ListeningWatch watch(epoll_.fd, listen_->fd);
  EXPECT_FALSE(ListeningReady(epoll_.fd, 0ms));
  for (int i = 0; i < 3; ++i) Connect();
  // Usually one batch; a connection the kernel has not queued yet comes with
  // the next wake-up.
  while (accepted_.size() < 3 && ListeningReady(epoll_.fd, 10s)) {
    watch.AcceptBatch(Clock::now(), [&](int socket) {
      accepted_.push_back(std::make_unique<Descriptor>(socket));
    });
  }
  EXPECT_EQ(accepted_.size(), 3u);
  for (const auto& socket : accepted_) {
    EXPECT_NE(fcntl(socket->fd, F_GETFL) & O_NONBLOCK, 0) << "accepted non-blocking";
  }
  EXPECT_FALSE(ListeningReady(epoll_.fd, 0ms)) << "level-triggered: nothing left to report";
  EXPECT_FALSE(watch.paused_until());
}

// Set once on the listening socket, TCP_NODELAY comes with every accepted
// one (Linux copies it); without it, keep-alive answers wait about 40 ms.
TEST_F(ListeningWatchTest, AcceptedConnectionsHaveNagleOff) {
  ListeningWatch watch(epoll_.fd, listen_->fd);
  Connect();
  while (accepted_.empty() && ListeningReady(epoll_.fd, 10s)) {
    watch.AcceptBatch(Clock::now(), [&](int socket) {
      accepted_.push_back(std::make_unique<Descriptor>(socket));
    });
  }
  ASSERT_EQ(accepted_.size(), 1u);
  int nodelay = 0;
  socklen_t length = sizeof nodelay;
  ASSERT_EQ(getsockopt(accepted_[0]->fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &length), 0);
  EXPECT_NE(nodelay, 0);
}

TEST_F(ListeningWatchTest, OutOfDescriptorsItPausesAndTheConnectionWaitsInTheBacklog) {
  ListeningWatch watch(epoll_.fd, listen_->fd);
  Connect();
  ASSERT_TRUE(ListeningReady(epoll_.fd, 10s));
  const Clock::time_point now = Clock::now();
  NoFreeDescriptors limit;
  ASSERT_TRUE(limit.ok());
  int taken = 0;
  watch.AcceptBatch(now, [&](int socket) {
    ++taken;
    ::close(socket);
  });
  limit.Restore();
  EXPECT_EQ(taken, 0);
  ASSERT_TRUE(watch.paused_until());
  EXPECT_EQ(*watch.paused_until(), now + kAcceptPause);
  // Not watched while paused: the pending connection wakes nobody.
  EXPECT_FALSE(ListeningReady(epoll_.fd, 0ms));
  watch.ResumeIfDue(now + kAcceptPause - 1ms);
  EXPECT_FALSE(ListeningReady(epoll_.fd, 0ms));
  watch.ResumeIfDue(now + kAcceptPause);
  EXPECT_FALSE(watch.paused_until());
  ASSERT_TRUE(ListeningReady(epoll_.fd, 10s)) << "the connection waited in the backlog";
  watch.AcceptBatch(Clock::now(),
                    [&](int socket) { accepted_.push_back(std::make_unique<Descriptor>(socket)); });
  EXPECT_EQ(accepted_.size(), 1u);
}

TEST_F(ListeningWatchTest, StopsWatchingWhenDestroyed) {
  { ListeningWatch watch(epoll_.fd, listen_->fd); }
  Connect();
  // Another epoll set sees the connection pending; the watch's no longer does.
  Descriptor other(epoll_create1(EPOLL_CLOEXEC));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = nullptr;
  ASSERT_EQ(epoll_ctl(other.fd, EPOLL_CTL_ADD, listen_->fd, &event), 0);
  ASSERT_TRUE(ListeningReady(other.fd, 10s));
  EXPECT_FALSE(ListeningReady(epoll_.fd, 0ms));
}

TEST(EpollTimeoutMs, WaitsUntilTheEarliestDeadlineRoundedUp) {
  const Clock::time_point now = Clock::now();
  EXPECT_EQ(EpollTimeoutMs(now, {}), -1);
  EXPECT_EQ(EpollTimeoutMs(now, {std::nullopt, std::nullopt}), -1);
  EXPECT_EQ(EpollTimeoutMs(now, {now + 300ms, std::nullopt, now + 100ms}), 101);
  // Rounded up: a wake-up just before a deadline would only sleep again.
  EXPECT_EQ(EpollTimeoutMs(now, {now + 2500us}), 3);
  EXPECT_EQ(EpollTimeoutMs(now, {now - 5s}), 0) << "a deadline passed: at once";
  EXPECT_EQ(EpollTimeoutMs(now, {now + 3h}), 60000) << "at most a minute";
}

}  // namespace
}  // namespace hookbridge
