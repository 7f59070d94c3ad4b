// Connection loops at stop (connection_loop.h), driven one by one without an
// HttpServer: the test decides which loop has stopped or finished when a
// connection is handed to it, which a whole server leaves to its threads.
// And a server whose threads cannot all start (http_server.h).
#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <system_error>
#include <thread>

#include "../hostile/raw_http.h"
#include "../support/fake_publisher.h"
#include "../support/poll_until.h"
#include "../support/prometheus_text.h"
#include "hookbridge/core/config.h"
#include "hookbridge/core/key_store.h"
#include "hookbridge/core/metrics.h"
#include "hookbridge/http/connection_loop.h"
#include "hookbridge/http/http_server.h"
#include "hookbridge/http/instance_limits.h"
#include "hookbridge/http/listening_socket.h"
#include "hookbridge/http/routes.h"
#include "hookbridge/sources/source.h"
#include "hookbridge/webhook/webhook_handler.h"
#include "http_test_server.h"

namespace hookbridge {
namespace {

using namespace std::chrono_literals;
using hostile::RawConnection;
using test_support::PollUntil;
using test_support::TestEvent;
using test_support::WebhookRequest;

constexpr std::string_view kHealthz = "GET /healthz HTTP/1.1\r\nHost: hookbridge\r\n\r\n";

// What loops share in a server (http_server.cc), and a listening socket.
class LoopsAtStop : public ::testing::Test {
 protected:
  LoopsAtStop() {
    config_.listen_host = "127.0.0.1";
    config_.webhook_path = test_support::kWebhookPath;
    // Long enough that a webhook held to keep a loop running is never
    // answered at its deadline, however slow the machine.
    config_.ack_timeout = std::chrono::minutes(2);
    std::string error;
    keys_ = std::make_unique<KeyStore>(*ApiKeys::FromCommaList(test_support::kTestKey, &error), "");
    WebhookOptions webhook;
    webhook.ack_timeout = config_.ack_timeout;
    webhook.max_body_bytes = config_.max_body_bytes;
    handler_ = std::make_unique<WebhookHandler>(*keys_, publisher_, webhook);
    options_.sources = [sources = BuiltInSources(config_)] { return sources; };
    routes_ = std::make_unique<Routes>(options_.sources, *handler_, metrics_, [] {
      Readiness readiness;
      readiness.producer = {true, true, true, false};
      return readiness;
    });
    listen_socket_ = Listen("127.0.0.1", 0, &port_, &error);
  }

  ~LoopsAtStop() override {
    // Whatever a failed assertion left running ends here.
    publisher_.CompleteAll(PublishStatus::kPersisted);
    for (const auto& loop : loops_) loop->Stop();
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    loops_.clear();
    publisher_.FinishLaterAnswers();
    if (listen_socket_ >= 0) ::close(listen_socket_);
  }

  // A loop that accepts from the listening socket (or, without, takes its
  // connections by Adopt() only).
  ConnectionLoop& MakeLoop(bool accepts) {
    loops_.push_back(std::make_unique<ConnectionLoop>(accepts ? listen_socket_ : -1, options_,
                                                      *routes_, metrics_, limits_,
                                                      LoopEventSource{}, closing_));
    return *loops_.back();
  }
  void RunOnThread(ConnectionLoop& loop) {
    threads_.emplace_back([&loop] { loop.Run(); });
  }

  // A connection as a loop gets it from accept(): the server's side of a
  // client connected to the listening socket, counted in the limits.
  std::unique_ptr<Connection> Accepted(RawConnection& client) {
    EXPECT_TRUE(client.connected());
    const int socket = accept4(listen_socket_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_GE(socket, 0);
    EXPECT_TRUE(limits_.TryOpenConnection());
    return std::make_unique<Connection>(socket, nullptr, options_.head_limits);
  }

  Config config_;
  test_support::FakePublisher publisher_;
  Metrics metrics_{"test"};
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<WebhookHandler> handler_;
  HttpServerOptions options_{config_};
  std::unique_ptr<Routes> routes_;
  InstanceLimits limits_{100, 100, metrics_.webhooks_in_flight()};
  std::atomic<bool> closing_{false};
  int listen_socket_ = -1;
  int port_ = 0;
  std::vector<std::unique_ptr<ConnectionLoop>> loops_;
  std::vector<std::thread> threads_;  // joined before the loops go
};

// A loop that accepts a connection while a sibling with fewer has already
// finished hands it over in vain: it must serve it itself.
TEST_F(LoopsAtStop, AConnectionHandedToAFinishedLoopIsServedByTheLoopThatAcceptedIt) {
  ConnectionLoop& accepting = MakeLoop(true);
  ConnectionLoop& finished = MakeLoop(false);
  accepting.set_siblings({&finished});
  finished.set_siblings({&accepting});
  finished.Stop();
  finished.Run();  // nothing to serve: returns at once, on this thread
  RunOnThread(accepting);
  // Two connections kept by the accepting loop (the other has none, but a
  // loop keeps a connection unless another has two fewer)...
  RawConnection first(port_);
  RawConnection second(port_);
  for (RawConnection* client : {&first, &second}) {
    ASSERT_TRUE(client->Send(kHealthz));
    auto answer = client->ReadResponse(10s);
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
  }
  // ...so the third goes to the finished loop, which refuses it.
  RawConnection third(port_);
  ASSERT_TRUE(third.Send(kHealthz));
  auto answer = third.ReadResponse(10s);
  ASSERT_TRUE(answer) << "closed or left unanswered";
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(accepting.load(), 3u);
  EXPECT_EQ(finished.load(), 0u);
  accepting.Stop();
  threads_.back().join();
}

// A loop that is stopping still serves a connection handed to it, whose
// request has arrived already.
TEST_F(LoopsAtStop, AConnectionHandedToAStoppingLoopHasItsWaitingRequestAnswered) {
  ConnectionLoop& loop = MakeLoop(false);
  RunOnThread(loop);
  // A webhook waiting for Kafka keeps the loop running once it stops.
  publisher_.NeverComplete();
  RawConnection waiting(port_);
  ASSERT_TRUE(loop.Adopt(Accepted(waiting)) == nullptr);
  ASSERT_TRUE(waiting.Send(WebhookRequest(TestEvent("evt-1"))));
  ASSERT_TRUE(PollUntil(10s, [&] { return publisher_.records().size() == 1; }));
  // An idle connection closes at the stop: once it has, the loop is stopping.
  RawConnection idle(port_);
  ASSERT_TRUE(loop.Adopt(Accepted(idle)) == nullptr);
  loop.Stop();
  ASSERT_TRUE(idle.WaitForClose(10s)) << idle.unexpected();

  {
    RawConnection late(port_);
    auto connection = Accepted(late);
    ASSERT_TRUE(late.Send(kHealthz));  // before the loop gets the connection
    ASSERT_TRUE(loop.Adopt(std::move(connection)) == nullptr) << "refused before it finished";
    auto answer = late.ReadResponse(10s);
    ASSERT_TRUE(answer) << "closed without its request being read";
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->Header("Connection"), "close");
  }  // closed: the loop stops lingering on it

  publisher_.CompleteAll(PublishStatus::kPersisted);
  auto webhook = waiting.ReadResponse(10s);
  ASSERT_TRUE(webhook);
  EXPECT_EQ(webhook->status, 200);
  waiting.Abort();         // else the loop lingers on it for a second
  threads_.back().join();  // every connection answered: the loop ends
  EXPECT_EQ(loop.load(), 0u);
}

// Once a loop has finished, Adopt() gives the connection back.
TEST_F(LoopsAtStop, AFinishedLoopGivesAnAdoptedConnectionBack) {
  ConnectionLoop& loop = MakeLoop(false);
  loop.Stop();
  loop.Run();
  RawConnection client(port_);
  auto back = loop.Adopt(Accepted(client));
  ASSERT_TRUE(back != nullptr);
  EXPECT_EQ(loop.load(), 0u);
  limits_.CloseConnection();
}

// Webhooks in flight are counted once: the limit and /metrics read the same
// count, so they cannot disagree.
TEST(InstanceLimits, TheInFlightGaugeIsTheCountTheLimitHoldsFor) {
  Metrics metrics("test");
  InstanceLimits limits(10, 1, metrics.webhooks_in_flight());
  auto gauge = [&] {
    return test_support::ParseExposition(metrics.Render())
        .Value("hookbridge_http_requests_in_flight");
  };
  EXPECT_EQ(gauge(), 0);
  ASSERT_TRUE(limits.TryStartWebhook());
  EXPECT_EQ(gauge(), 1);
  EXPECT_FALSE(limits.TryStartWebhook()) << "the limit is 1";
  EXPECT_EQ(gauge(), 1);
  limits.EndWebhook();
  EXPECT_EQ(gauge(), 0);
  EXPECT_TRUE(limits.WebhookPlaceFree());
}

// A server whose Nth thread cannot start (std::thread throws, as when the
// system has no thread to give) does not start: Start() says why, and the
// threads that did start end, which a server stopping here would not if it
// ended in std::terminate.
class ServerStart : public LoopsAtStop, public ::testing::WithParamInterface<int> {};

TEST_P(ServerStart, AThreadThatCannotStartFailsStartAndStopsTheOthers) {
  const int failing = GetParam();
  int started = 0;
  options_.loops = 3;
  options_.start_thread = [&](std::function<void()> body) {
    if (++started == failing) {
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    }
    return std::thread(std::move(body));
  };
  // With an event source, as in the application: the first loop then waits
  // for the others to finish before it does, started or not.
  const int events = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  ASSERT_GE(events, 0);
  HttpServer server(
      options_, *handler_, metrics_, [] { return Readiness{}; }, LoopEventSource{events, [] {}});
  std::string error;
  EXPECT_FALSE(server.Start(&error));
  EXPECT_NE(error.find("cannot start a thread of the HTTP server"), std::string::npos) << error;
  EXPECT_EQ(started, failing) << "no thread started after the one that failed";
  // Its socket is closed: nothing listens on the port any more.
  RawConnection client(server.port());
  EXPECT_FALSE(client.connected());
  ::close(events);
}

INSTANTIATE_TEST_SUITE_P(EachLoop, ServerStart, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace hookbridge
