// The ConnectionParker on socket pairs: a parked connection comes back when
// data (or the peer's close) arrives, is closed when idle too long, a
// lingering one has its input discarded until the peer closes or its time is
// up, and nothing parked outlives Stop().
#include "hookbridge/http/connection_parker.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hookbridge {
namespace {

using namespace std::chrono_literals;

// What the parker handed back, for the test to wait on.
class Outcomes {
 public:
  void Add(std::vector<int>& to, int socket) {
    std::lock_guard<std::mutex> lock(mutex_);
    to.push_back(socket);
    changed_.notify_all();
  }
  bool WaitFor(const std::vector<int>& list, size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return list.size() >= count; });
  }
  std::vector<int> resumed;
  std::vector<int> closed;
  std::mutex mutex_;

 private:
  std::condition_variable changed_;
};

struct SocketPair {
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0); }
  ~SocketPair() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  int server() const { return fds[0]; }
  int client() const { return fds[1]; }
  int fds[2] = {-1, -1};
};

class ConnectionParkerTest : public ::testing::Test {
 protected:
  ConnectionParker MakeParker(size_t max_parked = 100) {
    return ConnectionParker([this](IdleConnection c) { outcomes_.Add(outcomes_.resumed, c.socket); },
                            [this](IdleConnection c) { outcomes_.Add(outcomes_.closed, c.socket); },
                            max_parked);
  }
  Outcomes outcomes_;
};

TEST_F(ConnectionParkerTest, HandsTheConnectionBackWhenItsNextRequestArrives) {
  SocketPair quiet, busy;
  ConnectionParker parker = MakeParker();
  parker.Park({quiet.server(), nullptr, 1}, 10s);
  parker.Park({busy.server(), nullptr, 1}, 10s);
  EXPECT_EQ(parker.parked(), 2u);
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(outcomes_.resumed.empty()) << "nothing arrived yet";

  ASSERT_EQ(::write(busy.client(), "P", 1), 1);
  ASSERT_TRUE(outcomes_.WaitFor(outcomes_.resumed, 1, 5s));
  std::lock_guard<std::mutex> lock(outcomes_.mutex_);
  EXPECT_EQ(outcomes_.resumed, std::vector<int>{busy.server()});
  EXPECT_TRUE(outcomes_.closed.empty());
  EXPECT_EQ(parker.parked(), 1u);
}

TEST_F(ConnectionParkerTest, HandsTheConnectionBackWhenThePeerCloses) {
  SocketPair pair;
  ConnectionParker parker = MakeParker();
  parker.Park({pair.server(), nullptr, 1}, 10s);
  ::shutdown(pair.client(), SHUT_WR);
  ASSERT_TRUE(outcomes_.WaitFor(outcomes_.resumed, 1, 5s)) << "the worker must see the close";
}

TEST_F(ConnectionParkerTest, ClosesAConnectionIdleForLongerThanItsTimeout) {
  SocketPair idle, patient;
  ConnectionParker parker = MakeParker();
  parker.Park({idle.server(), nullptr, 1}, 100ms);
  parker.Park({patient.server(), nullptr, 1}, 60s);
  ASSERT_TRUE(outcomes_.WaitFor(outcomes_.closed, 1, 5s));
  std::this_thread::sleep_for(300ms);
  std::lock_guard<std::mutex> lock(outcomes_.mutex_);
  EXPECT_EQ(outcomes_.closed, std::vector<int>{idle.server()});
  EXPECT_TRUE(outcomes_.resumed.empty());
}

TEST_F(ConnectionParkerTest, ClosesInsteadOfParkingPastItsBound) {
  SocketPair first, second;
  ConnectionParker parker = MakeParker(/*max_parked=*/1);
  parker.Park({first.server(), nullptr, 1}, 10s);
  parker.Park({second.server(), nullptr, 1}, 10s);
  std::lock_guard<std::mutex> lock(outcomes_.mutex_);
  EXPECT_EQ(outcomes_.closed, std::vector<int>{second.server()});
}

TEST_F(ConnectionParkerTest, LingeringDiscardsWhatThePeerSendsUntilItCloses) {
  SocketPair pair;
  ConnectionParker parker = MakeParker();
  parker.Linger({pair.server(), nullptr, 1}, 60s);
  EXPECT_EQ(parker.parked(), 0u) << "a lingering connection is not an idle one";

  // Far more than the socket buffers hold: every write returns only because
  // the parker reads and drops what came before.
  const std::string chunk(64 * 1024, 'x');
  size_t written = 0;
  while (written < 16 * chunk.size()) {
    pollfd writable{pair.client(), POLLOUT, 0};
    ASSERT_EQ(::poll(&writable, 1, 5000), 1) << "the parker stopped reading after " << written;
    ssize_t n = ::send(pair.client(), chunk.data(), chunk.size(), MSG_DONTWAIT);
    ASSERT_GT(n, 0);
    written += static_cast<size_t>(n);
  }
  {
    std::lock_guard<std::mutex> lock(outcomes_.mutex_);
    EXPECT_TRUE(outcomes_.closed.empty()) << "closed while the peer was still sending";
  }
  ::shutdown(pair.client(), SHUT_WR);
  ASSERT_TRUE(outcomes_.WaitFor(outcomes_.closed, 1, 5s)) << "not closed after the peer closed";
  std::lock_guard<std::mutex> lock(outcomes_.mutex_);
  EXPECT_EQ(outcomes_.closed, std::vector<int>{pair.server()});
  EXPECT_TRUE(outcomes_.resumed.empty()) << "a lingering connection never goes back to a worker";
}

TEST_F(ConnectionParkerTest, LingeringEndsWhenItsTimeIsUp) {
  SocketPair silent, patient;
  ConnectionParker parker = MakeParker();
  parker.Linger({silent.server(), nullptr, 1}, 100ms);
  parker.Linger({patient.server(), nullptr, 1}, 60s);
  ASSERT_TRUE(outcomes_.WaitFor(outcomes_.closed, 1, 5s));
  std::this_thread::sleep_for(300ms);
  std::lock_guard<std::mutex> lock(outcomes_.mutex_);
  EXPECT_EQ(outcomes_.closed, std::vector<int>{silent.server()});
}

TEST_F(ConnectionParkerTest, StopClosesEveryParkedConnectionAndLaterParksClose) {
  SocketPair a, b, lingering, late, late_lingering;
  ConnectionParker parker = MakeParker();
  parker.Park({a.server(), nullptr, 1}, 10s);
  parker.Park({b.server(), nullptr, 1}, 10s);
  parker.Linger({lingering.server(), nullptr, 1}, 10s);
  parker.Stop();
  {
    std::lock_guard<std::mutex> lock(outcomes_.mutex_);
    EXPECT_EQ(outcomes_.closed.size(), 3u);
  }
  parker.Park({late.server(), nullptr, 1}, 10s);
  parker.Linger({late_lingering.server(), nullptr, 1}, 10s);
  ASSERT_EQ(::write(a.client(), "P", 1), 1);
  std::this_thread::sleep_for(50ms);
  std::lock_guard<std::mutex> lock(outcomes_.mutex_);
  EXPECT_EQ(outcomes_.closed.size(), 5u);
  EXPECT_TRUE(outcomes_.resumed.empty());
  EXPECT_EQ(parker.parked(), 0u);
}

}  // namespace
}  // namespace hookbridge
