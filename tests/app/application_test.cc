// The application in-process, on the embedded broker (librdkafka's mock
// cluster) and a loopback port: its file checks follow the clock and the
// interval it is built with, SIGHUP reloads at once, SIGTERM drains and exits
// 0. The signals are sent to the thread that serves, as they would be taken
// from the process.
#include "hookbridge/app/application.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "poll_until.h"
#include "prometheus_text.h"

namespace hookbridge {
namespace {

using namespace std::chrono_literals;

using test_support::PollUntil;

class ApplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/hookbridge-application-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    // Blocked before the application makes any thread, as RunProcess does.
    sigemptyset(&signals_);
    for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGUSR2}) sigaddset(&signals_, signal);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }
  void TearDown() override {
    if (serving_.joinable()) {
      pthread_kill(serving_.native_handle(), SIGTERM);
      serving_.join();
    }
    application_.reset();  // after its thread has stopped
    std::system(("rm -rf " + dir_).c_str());
  }

  // Written aside and renamed in, as a Secret update does.
  void WriteKeys(const std::string& text) {
    std::ofstream(dir_ + "/.tmp") << text;
    ASSERT_EQ(std::rename((dir_ + "/.tmp").c_str(), (dir_ + "/keys").c_str()), 0);
  }

  // The built-in source on the embedded broker, keys from dir_/keys.
  Config MakeConfig(std::chrono::milliseconds file_check_interval) {
    Config config;
    config.listen_host = "127.0.0.1";
    config.listen_port = 0;
    std::string error;
    config.api_keys = *ApiKeys::FromFile(dir_ + "/keys", &error);
    config.api_key_file = dir_ + "/keys";
    config.embedded_broker = true;
    config.drain_grace = 0ms;
    config.file_check_interval = file_check_interval;
    return config;
  }

  // Serves on a thread of its own, and waits until it listens.
  void Serve(Config config, SteadyClock clock) {
    application_ = std::make_unique<Application>(std::move(config), std::move(clock));
    serving_ = std::thread([this] { exit_status_ = application_->Serve(signals_); });
    ASSERT_TRUE(PollUntil(30s, [&] { return application_->port() > 0; }));
    port_ = application_->port();
  }
  // A value of the /metrics exposition, NaN when unreadable.
  double Metric(const std::string& series) {
    httplib::Client client("127.0.0.1", port_);
    auto response = client.Get("/metrics");
    if (!response || response->status != 200) return std::strtod("nan", nullptr);
    return test_support::ParseExposition(response->body).Value(series);
  }
  int StopAndWait() {
    pthread_kill(serving_.native_handle(), SIGTERM);
    serving_.join();
    return exit_status_;
  }

  std::string dir_;
  sigset_t signals_;
  std::atomic<long long> added_ms_{0};  // what the test adds to the clock
  std::unique_ptr<Application> application_;
  std::thread serving_;
  std::atomic<int> exit_status_{-1};
  int port_ = -1;
};

constexpr const char* kReloads = "hookbridge_api_key_reloads_total{result=\"success\"}";

TEST_F(ApplicationTest, TheFilesAreCheckedWhenTheInjectedClockPassesTheInterval) {
  WriteKeys("app-key-one-0123456789\n");
  // Real time plus what the test adds: the interval of an hour passes at once.
  Serve(MakeConfig(1h), [this] {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(added_ms_.load());
  });
  ASSERT_GT(port_, 0);
  EXPECT_EQ(Metric("hookbridge_api_keys"), 1);

  WriteKeys("app-key-one-0123456789\napp-key-two-0123456789\n");
  added_ms_ = std::chrono::milliseconds(1h).count() + 1000;
  EXPECT_TRUE(PollUntil(30s, [&] { return Metric(kReloads) == 1; }));
  EXPECT_EQ(Metric("hookbridge_api_keys"), 2);
  EXPECT_EQ(StopAndWait(), kExitClean);
}

TEST_F(ApplicationTest, SighupReloadsAtOnceAndSigtermDrainsAndExitsZero) {
  WriteKeys("app-key-one-0123456789\n");
  // A clock that never moves: only SIGHUP can bring the new keys in.
  const auto frozen = std::chrono::steady_clock::now();
  Serve(MakeConfig(1h), [frozen] { return frozen; });
  ASSERT_GT(port_, 0);
  WriteKeys("app-key-one-0123456789\napp-key-two-0123456789\n");
  pthread_kill(serving_.native_handle(), SIGHUP);
  EXPECT_TRUE(PollUntil(30s, [&] { return Metric(kReloads) == 1; }));
  EXPECT_EQ(Metric("hookbridge_api_keys"), 2);
  EXPECT_EQ(StopAndWait(), kExitClean);
}

}  // namespace
}  // namespace hookbridge
