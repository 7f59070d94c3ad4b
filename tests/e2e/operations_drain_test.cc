// End to end, for operators: the drain on SIGTERM (and SIGINT) under load,
// a request in progress when the listener closes, a second signal, SIGHUP
// during the grace period, and the exit status when records stay
// undelivered. On the shared broker (HOOKBRIDGE_E2E_BROKERS); the fixture is
// in operations_fixture.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../support/loopback.h"
#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::hookbridge::test_support::ConnectLoopback;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// True if /readyz answered 503 naming "draining" among the failing conditions.
bool SaysDraining(const Answer& ready) {
  const std::vector<std::string> failing = FailingOf(ready.body);
  return ready.status == 503 &&
         std::find(failing.begin(), failing.end(), "draining") != failing.end();
}

// --- (c) drain on SIGTERM under load ----------------------------------------

TEST_F(Operations, SigtermDrainsAnsweringEveryRequestAndExitsZero) {
  auto env = Environment();
  env["HOOKBRIDGE_DRAIN_GRACE_MS"] = "2000";
  StartBridge(env);

  struct Outcome {
    std::string id;
    Clock::time_point sent;
    int status = 0;  // 0: no HTTP answer
    httplib::Error error = httplib::Error::Success;
    std::string connection;  // the Connection header of the answer
  };
  constexpr int kSenders = 4;
  std::vector<std::vector<Outcome>> outcomes(kSenders);
  std::atomic<bool> stop{false};
  std::atomic<int> accepted_before_signal{0};
  std::vector<std::thread> senders;
  const int port = bridge_->port();
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_connection_timeout(2, 0);
      client.set_read_timeout(10, 0);
      auto give_up = Clock::now() + 60s;
      for (int i = 0; !stop && Clock::now() < give_up; ++i) {
        Outcome outcome;
        outcome.id = "drain-" + std::to_string(s) + "-" + std::to_string(i);
        outcome.sent = Clock::now();
        auto result = client.Post(
            kPath,
            {{"Authorization", std::string("Bearer ") + kNewKey}, {"X-Request-Id", outcome.id}},
            ProfileEvent(outcome.id, "drain-" + std::to_string(s), i), "application/json");
        if (result) {
          outcome.status = result->status;
          outcome.connection = result->get_header_value("Connection");
          if (result->status == 200) ++accepted_before_signal;
        } else {
          outcome.error = result.error();
          // Refused: the process stopped listening. Pause, not spin.
          if (outcome.error == httplib::Error::Connection) std::this_thread::sleep_for(20ms);
        }
        outcomes[s].push_back(std::move(outcome));
      }
    });
  }

  // Ready, traffic flows, then SIGTERM.
  Answer ready;
  ASSERT_TRUE(PollUntil(15s, [&] {
    ready = AnswerOf(Get("/readyz"));
    return ready.status == 200;
  })) << ready.Describe();
  ASSERT_TRUE(PollUntil(20s, [&] { return accepted_before_signal >= 4 * kSenders; }));
  const Clock::time_point signalled = Clock::now();
  ASSERT_TRUE(bridge_->Signal(SIGTERM));

  // /readyz turns 503 "draining" at once, well within the grace period.
  bool not_ready = PollUntil(
      1500ms,
      [&] {
        ready = AnswerOf(Get("/readyz"));
        return SaysDraining(ready);
      },
      10ms);
  const Clock::time_point not_ready_seen = Clock::now();
  EXPECT_TRUE(not_ready) << ready.Describe();
  if (not_ready) {
    // Every answer during the drain says the connection closes, also to a
    // client that asked to keep it open.
    const std::vector<std::pair<const char*, int>> probes = {
        {"/healthz", 200}, {"/readyz", 503}, {"/metrics", 200}, {"/no-such-path", 404}};
    for (const auto& [path, status] : probes) {
      httplib::Client keep_alive("127.0.0.1", bridge_->port());
      keep_alive.set_keep_alive(true);
      keep_alive.set_read_timeout(5, 0);
      Answer answer = AnswerOf(keep_alive.Get(path));
      EXPECT_EQ(answer.status, status) << path << ": " << answer.Describe();
      EXPECT_EQ(answer.connection, "close") << path;
    }
  }

  const int exit_code = bridge_->WaitForExit(30s);
  stop = true;
  for (auto& sender : senders) sender.join();
  EXPECT_EQ(exit_code, 0) << bridge_->output();

  // Every request sent got an HTTP answer, all 200; only connections refused
  // after the listener closed went without one. One exception, which no
  // server can avoid: a connection the kernel completed but hookbridge had not
  // yet accepted when the listener closed at the end of the grace period is
  // reset by the kernel. Such a request must be one sent right at that
  // moment, never seen by hookbridge (not in its access log, not stored).
  const std::string log = bridge_->output();
  std::set<std::string> logged_ids;
  for (auto& line : LogLines(log, "webhook")) logged_ids.insert(line["request_id"]);
  const auto grace = 2000ms;
  std::vector<std::string> accepted;
  int answered_during_grace = 0;
  int refused = 0;
  int reset_at_close = 0;
  for (const auto& list : outcomes) {
    for (const Outcome& outcome : list) {
      const auto after_signal =
          std::chrono::duration_cast<std::chrono::milliseconds>(outcome.sent - signalled);
      if (outcome.status == 0) {
        EXPECT_GT(outcome.sent, signalled) << outcome.id << " got no answer before SIGTERM";
        if (outcome.error == httplib::Error::Connection) {
          ++refused;
          continue;
        }
        ++reset_at_close;
        // (Sent is taken before the client connects: a client thread that
        // stalls may reach the server well after it.)
        EXPECT_GE(after_signal, grace - 1000ms)
            << outcome.id << ": " << httplib::to_string(outcome.error) << ", sent "
            << after_signal.count() << " ms after SIGTERM, during the grace period";
        EXPECT_LE(after_signal, grace + 1000ms)
            << outcome.id << ": " << httplib::to_string(outcome.error);
        EXPECT_EQ(logged_ids.count(outcome.id), 0u)
            << outcome.id << " was handled by hookbridge but its answer never arrived ("
            << httplib::to_string(outcome.error) << ")";
        continue;
      }
      EXPECT_EQ(outcome.status, 200) << outcome.id;
      if (outcome.status == 200) accepted.push_back(outcome.id);
      if (outcome.sent > not_ready_seen) {
        ++answered_during_grace;
        EXPECT_EQ(outcome.connection, "close") << outcome.id << " answered during the drain";
      }
    }
  }
  // Webhooks were still answered 200 while /readyz said 503.
  EXPECT_GT(answered_during_grace, 0);
  // At most one connection per sender can be caught in the kernel's queue.
  EXPECT_LE(reset_at_close, kSenders);

  // Every 200'd event is on the topic, and nothing else is.
  auto records = ConsumeFromBeginning(brokers_, topic_, accepted.size(), 60s);
  std::set<std::string> stored;
  for (const auto& record : records) stored.insert(record.headers.at("ce_id"));
  for (const std::string& id : accepted)
    EXPECT_EQ(stored.count(id), 1u) << id << " was answered 200";
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), static_cast<int64_t>(accepted.size()));

  auto draining = LogLines(log, "draining: /readyz answers 503");
  ASSERT_EQ(draining.size(), 1u) << log;
  EXPECT_EQ(draining[0]["grace_ms"], "2000");
  auto stopped = LogLines(log, "stopped");
  ASSERT_EQ(stopped.size(), 1u) << log;
  EXPECT_EQ(stopped[0]["undelivered_records"], "0");
  EXPECT_TRUE(FieldIsNumber(log, "message", "stopped", "undelivered_records")) << log;
  EXPECT_TRUE(FieldIsNumber(log, "message", "draining: /readyz answers 503", "grace_ms")) << log;
  RecordProperty("accepted", static_cast<int>(accepted.size()));
  RecordProperty("answered_during_grace", answered_during_grace);
  RecordProperty("refused_after_stop", refused);
  RecordProperty("reset_at_listener_close", reset_at_close);
}

TEST_F(Operations, RequestInProgressWhenTheListenerClosesIsAnswered) {
  // The grace period ends while a request is half sent: the server stops
  // accepting, but that request still gets its answer, which closes the
  // connection.
  auto env = Environment();
  env["HOOKBRIDGE_DRAIN_GRACE_MS"] = "300";
  StartBridge(env);
  const std::string body = ProfileEvent("slow-1", "p-slow");
  const std::string head = WebhookHead(body);
  int sock = ConnectLoopback(bridge_->port());
  ASSERT_GE(sock, 0);
  ASSERT_EQ(send(sock, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  ASSERT_EQ(send(sock, body.data(), 10, MSG_NOSIGNAL), 10);
  ASSERT_TRUE(bridge_->Signal(SIGTERM));
  // Past the grace period: the listener is closed (new connections are refused).
  EXPECT_TRUE(PollUntil(3s, [&] {
    httplib::Client probe("127.0.0.1", bridge_->port());
    probe.set_connection_timeout(1, 0);
    auto result = probe.Get("/healthz");
    return !result && result.error() == httplib::Error::Connection;
  }));
  ASSERT_EQ(send(sock, body.data() + 10, body.size() - 10, MSG_NOSIGNAL),
            static_cast<ssize_t>(body.size() - 10));
  timeval timeout{10, 0};
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(sock, buffer, sizeof buffer, 0)) > 0)
    answer.append(buffer, static_cast<size_t>(n));
  close(sock);
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 200")) << answer;
  EXPECT_THAT(answer, HasSubstr(R"({"status":"accepted","id":"slow-1"})"));
  // Begun before the drain, answered during it: the answer says it closes.
  EXPECT_THAT(answer, HasSubstr("Connection: close"));
  EXPECT_EQ(bridge_->WaitForExit(20s), 0) << bridge_->output();
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 1);
}

TEST_F(Operations, SecondSignalCutsTheGracePeriodShort) {
  auto env = Environment();
  env["HOOKBRIDGE_DRAIN_GRACE_MS"] = "600000";
  StartBridge(env);
  ASSERT_TRUE(bridge_->Signal(SIGINT));  // SIGINT drains like SIGTERM
  // (Just started, /readyz may also fail for want of the first Kafka
  // statistics: only "draining" says the signal was taken.)
  Answer ready;
  EXPECT_TRUE(PollUntil(5s, [&] {
    ready = AnswerOf(Get("/readyz"));
    return SaysDraining(ready);
  })) << ready.Describe();
  auto accepted = Post(kExampleEvent);  // still served during the grace
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
  EXPECT_EQ(bridge_->SignalAndWait(SIGTERM, 15s), 0) << bridge_->output();
}

TEST_F(Operations, SighupDuringTheGracePeriodDoesNotExtendIt) {
  auto env = Environment();
  env["HOOKBRIDGE_DRAIN_GRACE_MS"] = "2000";
  StartBridge(env);
  ASSERT_TRUE(bridge_->Signal(SIGTERM));
  // A reload request every 300 ms must not restart the 2 s wait.
  int exit_code = -1;
  PollUntil(
      8s,
      [&] {
        exit_code = bridge_->WaitForExit(0ms);
        if (exit_code == -1) bridge_->Signal(SIGHUP);
        return exit_code != -1;
      },
      300ms);
  EXPECT_EQ(exit_code, 0) << "still running 8 s into a 2 s grace period\n" << bridge_->output();
}

TEST_F(Operations, RecordsStillUndeliveredAfterTheFlushGiveExitStatus1) {
  auto env = Environment();
  env["HOOKBRIDGE_KAFKA_BROKERS"] = "127.0.0.1:1";  // nothing listens there
  env["HOOKBRIDGE_ACK_TIMEOUT_MS"] = "500";
  env["HOOKBRIDGE_RDKAFKA_MESSAGE_TIMEOUT_MS"] = "120000";  // librdkafka keeps trying
  StartBridge(env);
  auto refused = Post(kExampleEvent);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  // Drain (no grace), then the producer is flushed for up to 10 s: the record
  // is still there, so the exit status says so.
  const auto signalled = Clock::now();
  EXPECT_EQ(bridge_->SignalAndWait(SIGTERM, 30s), 1) << bridge_->output();
  // 10 s of flushing, then librdkafka's teardown, under a sanitizer too; far
  // below the 120 s librdkafka would otherwise keep the record.
  EXPECT_LT(Clock::now() - signalled, 25s) << "the flush is bounded by 10 s";
  auto stopped = LogLines(bridge_->output(), "stopped");
  ASSERT_EQ(stopped.size(), 1u) << bridge_->output();
  EXPECT_EQ(stopped[0]["undelivered_records"], "1");
  EXPECT_EQ(stopped[0]["level"], "error");
}

}  // namespace
}  // namespace hookbridge::e2e
