// The HTTP server in-process (port 0, a real client, a fake publisher): each
// test starts its own server and needs no broker.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "../hostile/raw_http.h"
#include "../support/prometheus_text.h"
#include "../support/throwaway_certificate.h"
#include "http_test_server.h"

namespace hookbridge {
namespace {

using namespace std::chrono_literals;
using hostile::Exchange;
using hostile::RawConnection;
using hostile::RawResponse;
using hostile::Request;
using test_support::kTestKey;
using test_support::kWebhookPath;
using test_support::PollUntil;
using test_support::TestEvent;
using test_support::TestServer;
using test_support::WebhookRequest;

httplib::Headers Auth() { return {{"Authorization", std::string("Bearer ") + kTestKey}}; }

// The "error" member of an error body.
std::string ErrorOf(const std::string& body) {
  const std::string marker = R"("error":")";
  size_t start = body.find(marker);
  if (start == std::string::npos) return "<no error in " + body + ">";
  start += marker.size();
  return body.substr(start, body.find('"', start) - start);
}

// Settings that serve HTTPS with the throwaway certificate in `tls`.
void ServeHttps(Config& config, const test_support::TlsFiles& tls) {
  config.tls_cert_file = tls.cert_file();
  config.tls_key_file = tls.key_file();
}

double MetricValue(int port, const std::string& name) {
  httplib::Client client("127.0.0.1", port);
  auto metrics = client.Get("/metrics");
  return metrics ? test_support::ParseExposition(metrics->body).Value(name) : -1.0;
}

TEST(HttpServer, AWebhookIsAnswered200OnlyAfterItsRecordIsPublished) {
  TestServer bridge;
  httplib::Client client("127.0.0.1", bridge.port());
  auto answer = client.Post(kWebhookPath, Auth(), TestEvent("evt-1"), "application/json");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, R"({"status":"accepted","id":"evt-1"})");
  EXPECT_EQ(answer->get_header_value("Content-Type"), "application/json");
  // The request had no id: the answer carries a new one, 16 lowercase hex digits.
  const std::string request_id = answer->get_header_value("X-Request-Id");
  EXPECT_EQ(request_id.size(), 16u) << request_id;
  EXPECT_EQ(request_id.find_first_not_of("0123456789abcdef"), std::string::npos) << request_id;
  EXPECT_FALSE(answer->get_header_value("Date").empty());
  auto records = bridge.publisher().records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, TestEvent("evt-1"));
  EXPECT_EQ(records[0].key, "p-1");
}

TEST(HttpServer, AKeepAliveConnectionCarriesManyWebhooks) {
  TestServer bridge;
  RawConnection connection(bridge.port());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(connection.Send(WebhookRequest(TestEvent("evt-" + std::to_string(i)))));
    auto answer = connection.ReadResponse(10s);
    ASSERT_TRUE(answer) << i;
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(answer->Header("Connection"), "");
  }
  EXPECT_EQ(bridge.publisher().records().size(), 50u);
}

TEST(HttpServer, PipelinedRequestsAreAnsweredInOrder) {
  TestServer bridge;
  std::string pipeline =
      Request("GET /healthz HTTP/1.1", {"Host: x", "X-Request-Id: p1"}) +
      WebhookRequest(TestEvent("evt-p2"), "X-Request-Id: p2\r\n") +
      Request("GET /nowhere HTTP/1.1", {"Host: x", "X-Request-Id: p3"}) +
      Request("GET /metrics HTTP/1.1", {"Host: x", "X-Request-Id: p4"}) +
      Request("GET /healthz HTTP/1.1", {"Host: x", "X-Request-Id: p5", "Connection: close"});
  auto exchange = Exchange(bridge.port(), pipeline, 5, 5s);
  ASSERT_EQ(exchange.responses.size(), 5u);
  const std::pair<const char*, int> expected[] = {
      {"p1", 200}, {"p2", 200}, {"p3", 404}, {"p4", 200}, {"p5", 200}};
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(exchange.responses[i].Header("X-Request-Id"), expected[i].first);
    EXPECT_EQ(exchange.responses[i].status, expected[i].second);
  }
  EXPECT_TRUE(exchange.closed_after);
}

// RFC 9110 10.1.1: the interim 100 comes only once the head is accepted; a
// request refused on its head gets its final answer instead.
TEST(HttpServer, Expect100ContinueIsAnsweredOnlyForAnAcceptedHead) {
  TestServer bridge;
  const std::string body = TestEvent("evt-continue");
  RawConnection connection(bridge.port());
  std::string head = WebhookRequest(body, "Expect: 100-continue\r\n");
  head.resize(head.size() - body.size());
  ASSERT_TRUE(connection.Send(head));
  auto interim = connection.ReadResponse(10s);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(connection.Send(body));
  auto answer = connection.ReadResponse(10s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);

  RawConnection refused(bridge.port());
  ASSERT_TRUE(refused.Send(
      Request(std::string("POST ") + kWebhookPath + " HTTP/1.1",
              {"Host: x", "Authorization: Bearer wrong", "Content-Type: application/json",
               "Content-Length: 10", "Expect: 100-continue"})));
  auto refusal = refused.ReadResponse(10s);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 401);
}

// RFC 9112 3.2.2: a server must accept the absolute form.
TEST(HttpServer, AnAbsoluteFormTargetReachesTheWebhook) {
  TestServer bridge;
  std::string request = WebhookRequest(TestEvent("evt-absolute"));
  request.replace(request.find(kWebhookPath), std::string(kWebhookPath).size(),
                  std::string("http://hookbridge:8080") + kWebhookPath + "?source=test");
  auto exchange = Exchange(bridge.port(), request, 1, 0ms);
  ASSERT_EQ(exchange.responses.size(), 1u);
  EXPECT_EQ(exchange.responses[0].status, 200) << exchange.responses[0].body;
}

// RFC 9112 7.1: extensions and trailers are taken and dropped; the record's
// value is the decoded body.
TEST(HttpServer, AChunkedBodyWithExtensionsAndTrailersIsDecoded) {
  TestServer bridge;
  const std::string event = TestEvent("evt-chunked");
  std::string chunked = "10;ext=\"a\"\r\n" + event.substr(0, 16) + "\r\n" +
                        [&] {
                          char size[16];
                          std::snprintf(size, sizeof size, "%zx", event.size() - 16);
                          return std::string(size);
                        }() +
                        "\r\n" + event.substr(16) + "\r\n0\r\nX-Checksum: 1\r\n\r\n";
  auto exchange = Exchange(bridge.port(),
                           Request(std::string("POST ") + kWebhookPath + " HTTP/1.1",
                                   {"Host: x", std::string("Authorization: Bearer ") + kTestKey,
                                    "Content-Type: application/json", "Transfer-Encoding: chunked"},
                                   chunked),
                           1, 0ms);
  ASSERT_EQ(exchange.responses.size(), 1u);
  EXPECT_EQ(exchange.responses[0].status, 200) << exchange.responses[0].body;
  auto records = bridge.publisher().records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, event);
}

// RFC 9110 5.5: values are used exactly as sent. A key sent percent-encoded
// is not the key.
TEST(HttpServer, HeaderValuesAreNotDecodedBeforeTheKeyIsCompared) {
  TestServer bridge;
  std::string encoded_key = kTestKey;
  encoded_key.replace(encoded_key.find('-'), 1, "%2D");
  auto exchange = Exchange(bridge.port(),
                           Request(std::string("POST ") + kWebhookPath + " HTTP/1.1",
                                   {"Host: x", "Authorization: Bearer " + encoded_key,
                                    "Content-Type: application/json", "Content-Length: 2"},
                                   "{}"),
                           1, 0ms);
  ASSERT_EQ(exchange.responses.size(), 1u);
  EXPECT_EQ(exchange.responses[0].status, 401);
  EXPECT_TRUE(bridge.publisher().records().empty());
}

TEST(HttpServer, ATooLongTargetIsAnswered414NotClosedSilently) {
  TestServer bridge;
  auto exchange =
      Exchange(bridge.port(), "GET /" + std::string(100 * 1024, 'p') + " HTTP/1.1\r\n", 1, 5s);
  ASSERT_EQ(exchange.responses.size(), 1u);
  EXPECT_EQ(exchange.responses[0].status, 414);
  EXPECT_NE(exchange.responses[0].body.find("uri_too_long"), std::string::npos);
  EXPECT_TRUE(exchange.closed_after);
}

TEST(HttpServer, OperatorEndpointsAndWrongMethodsGetTheirAnswers) {
  TestServer bridge;
  httplib::Client client("127.0.0.1", bridge.port());
  auto alive = client.Get("/healthz");
  ASSERT_TRUE(alive);
  EXPECT_EQ(alive->body, R"({"status":"alive"})");
  auto head = client.Head("/healthz");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->get_header_value("Content-Length"), "18");
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  bridge.set_ready(false);
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 503);
  auto wrong = client.Delete(kWebhookPath);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "POST");
  auto post_health = client.Post("/healthz", "", "text/plain");
  ASSERT_TRUE(post_health);
  EXPECT_EQ(post_health->status, 405);
  EXPECT_EQ(post_health->get_header_value("Allow"), "GET, HEAD");
}

// Clients that send half a head hold up nobody: among many of them, a whole
// webhook is still served.
TEST(HttpServer, SlowAndIdleClientsDoNotHoldUpAWebhook) {
  TestServer bridge;
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<RawConnection>(bridge.port()));
    ASSERT_TRUE(slow.back()->Send(std::string("POST ") + kWebhookPath +
                                  " HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  auto exchange = Exchange(bridge.port(), WebhookRequest(TestEvent("evt-served")), 1, 0ms);
  ASSERT_EQ(exchange.responses.size(), 1u);
  EXPECT_EQ(exchange.responses[0].status, 200);
}

// A new connection is read at once, before epoll is asked (connection
// admission); one whose request is not there yet must still be served when
// its bytes come, in pieces, and one that sends nothing must still be closed.
TEST(HttpServer, ARequestThatComesInPiecesAfterTheAcceptIsServed) {
  TestServer bridge([](Config& config) { config.http_loops = 1; });  // idle counted live
  RawConnection connection(bridge.port());
  // Accepted and read with nothing there: idle (the scrape's own connection
  // is mid-request, not idle).
  ASSERT_TRUE(PollUntil(
      10s, [&] { return MetricValue(bridge.port(), "hookbridge_http_idle_connections") == 1; }));
  const std::string request = WebhookRequest(TestEvent("evt-pieces"));
  const size_t half = request.size() / 2;
  ASSERT_TRUE(connection.Send(request.substr(0, 10)));
  // The first piece was read: the connection is mid-request.
  ASSERT_TRUE(PollUntil(
      10s, [&] { return MetricValue(bridge.port(), "hookbridge_http_idle_connections") == 0; }));
  ASSERT_TRUE(connection.Send(request.substr(10, half - 10)));
  ASSERT_TRUE(connection.Send(request.substr(half)));
  auto answer = connection.ReadResponse(10s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(bridge.publisher().records().size(), 1u);
}

TEST(HttpServer, AConnectionThatSendsNothingIsClosedAtTheKeepAliveTimeout) {
  TestServer bridge({}, [](HttpServerOptions& options) { options.keep_alive_timeout = 1s; });
  RawConnection connection(bridge.port());
  EXPECT_TRUE(connection.WaitForClose(10s));
  // And the server still serves the next one.
  auto exchange = Exchange(bridge.port(), WebhookRequest(TestEvent("evt-after")), 1, 0ms);
  ASSERT_EQ(exchange.responses.size(), 1u);
  EXPECT_EQ(exchange.responses[0].status, 200);
}

// A request that stalls is answered 408 and its connection closed.
TEST(HttpServer, ARequestThatStallsIsAnswered408) {
  TestServer bridge({}, [](HttpServerOptions& options) { options.read_timeout = 1s; });
  RawConnection connection(bridge.port());
  ASSERT_TRUE(connection.Send(std::string("POST ") + kWebhookPath + " HTTP/1.1\r\nHost: x\r\n"));
  auto answer = connection.ReadResponse(10s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 408);
  EXPECT_EQ(answer->Header("Connection"), "close");
  EXPECT_TRUE(connection.WaitForClose(5s));
}

// HOOKBRIDGE_REQUEST_TIMEOUT_MS reaches the server: a request not whole by
// then is answered 408, naming the time in seconds, fractions included. Set
// below the 5 s stall timeout, it alone applies, and the answer says so.
TEST(HttpServer, ARequestNotWholeWithinTheRequestTimeoutIsAnswered408) {
  TestServer bridge([](Config& config) { config.request_timeout = 1500ms; });
  RawConnection connection(bridge.port());
  ASSERT_TRUE(connection.Send(std::string("POST ") + kWebhookPath + " HTTP/1.1\r\nHost: x\r\n"));
  auto answer = connection.ReadResponse(10s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 408);
  EXPECT_NE(answer->body.find("the request did not arrive in time (1.5 s in all)"),
            std::string::npos)
      << answer->body;
  EXPECT_TRUE(connection.WaitForClose(5s));
}

// Past max_in_flight, a webhook is answered 503 overloaded on its head, at
// once, while the ones in flight wait for Kafka (here, until their
// acknowledgement deadline: 503 unavailable).
TEST(HttpServer, PastTheInFlightLimitAWebhookIsAnswered503AtOnce) {
  TestServer bridge([](Config& config) {
    config.max_in_flight = 3;
    config.ack_timeout = 5000ms;  // longer than the test takes to send one too many
  });
  bridge.publisher().NeverComplete();
  std::vector<std::thread> held;
  std::vector<std::string> held_error(3);
  for (int i = 0; i < 3; ++i) {
    held.emplace_back([&, i] {
      auto exchange =
          Exchange(bridge.port(), WebhookRequest(TestEvent("held-" + std::to_string(i))), 1, 0ms);
      if (exchange.responses.size() == 1 && exchange.responses[0].status == 503) {
        held_error[i] = ErrorOf(exchange.responses[0].body);
      }
    });
  }
  ASSERT_TRUE(PollUntil(
      10s, [&] { return MetricValue(bridge.port(), "hookbridge_http_requests_in_flight") == 3; }));
  auto exchange = Exchange(bridge.port(), WebhookRequest(TestEvent("one-too-many")), 1, 5s);
  for (auto& thread : held) thread.join();
  ASSERT_EQ(exchange.responses.size(), 1u);
  const RawResponse& refusal = exchange.responses[0];
  EXPECT_EQ(refusal.status, 503);
  EXPECT_EQ(ErrorOf(refusal.body), "overloaded");
  EXPECT_EQ(refusal.Header("Retry-After"), "1");
  EXPECT_EQ(refusal.Header("Connection"), "close");
  EXPECT_TRUE(exchange.closed_after);
  std::sort(held_error.begin(), held_error.end());
  EXPECT_EQ(held_error, (std::vector<std::string>{"unavailable", "unavailable", "unavailable"}));
  EXPECT_EQ(bridge.publisher().records().size(), 3u) << "the refused one never reached Kafka";
}

// No thread waits for Kafka: every webhook is published while none has its
// outcome yet (a thread per waiting webhook would publish only as many as
// there are threads), and each gets its own answer when the reports come.
TEST(HttpServer, ManyWebhooksWaitForKafkaAtOnce) {
  constexpr int kWebhooks = 40;
  TestServer bridge([](Config& config) { config.ack_timeout = 60000ms; });
  bridge.publisher().NeverComplete();
  std::vector<std::thread> senders;
  std::vector<std::string> answers(kWebhooks);
  for (int i = 0; i < kWebhooks; ++i) {
    senders.emplace_back([&, i] {
      const std::string id = "many-" + std::to_string(i);
      auto exchange = Exchange(bridge.port(), WebhookRequest(TestEvent(id)), 1, 0ms, 60s);
      if (exchange.responses.size() == 1) {
        answers[i] =
            std::to_string(exchange.responses[0].status) + " " + exchange.responses[0].body;
      }
    });
  }
  const bool all_published =
      PollUntil(30s, [&] { return bridge.publisher().records().size() == kWebhooks; });
  bridge.publisher().CompleteAll(PublishStatus::kPersisted);  // before any assertion can return
  for (auto& sender : senders) sender.join();
  ASSERT_TRUE(all_published) << bridge.publisher().records().size() << " published";
  for (int i = 0; i < kWebhooks; ++i) {
    EXPECT_EQ(answers[i], R"(200 {"status":"accepted","id":"many-)" + std::to_string(i) + R"("})");
  }
}

// Kafka's outcome missing at the acknowledgement deadline: 503, and the
// connection goes on. An outcome that comes after that is dropped, never
// written as the answer to the next request on the connection.
TEST(HttpServer, NoOutcomeByTheAckDeadlineIs503AndALateOneIsDropped) {
  TestServer bridge([](Config& config) { config.ack_timeout = 300ms; });
  bridge.publisher().NeverComplete();
  RawConnection connection(bridge.port());
  ASSERT_TRUE(connection.Send(WebhookRequest(TestEvent("too-late"))));
  auto deadline = connection.ReadResponse(30s);
  ASSERT_TRUE(deadline);
  EXPECT_EQ(deadline->status, 503);
  EXPECT_EQ(ErrorOf(deadline->body), "unavailable");
  EXPECT_EQ(deadline->Header("Retry-After"), "1");
  EXPECT_NE(deadline->Header("Connection"), "close");

  bridge.publisher().AnswerWith(PublishStatus::kPersisted);
  ASSERT_TRUE(connection.Send(WebhookRequest(TestEvent("second"))));
  auto second = connection.ReadResponse(30s);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, R"({"status":"accepted","id":"second"})");

  bridge.publisher().CompleteAll(PublishStatus::kPersisted);  // the first one's, late
  ASSERT_TRUE(connection.Send(WebhookRequest(TestEvent("third"))));
  auto third = connection.ReadResponse(30s);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body, R"({"status":"accepted","id":"third"})");
  EXPECT_EQ(connection.unexpected(), "");
  EXPECT_EQ(bridge.publisher().records().size(), 3u);
}

// The deadline's 503 is the webhook's one outcome: a record stored after it
// is not also counted accepted, but as a late delivery (the sender was told
// to retry, so it is a duplicate-to-be), and a failure reported late as one
// too. Kafka's latency still counts the late record.
TEST(HttpServer, AReportAfterTheDeadlines503IsCountedLateNotAccepted) {
  TestServer bridge([](Config& config) { config.ack_timeout = 300ms; });
  bridge.publisher().NeverComplete();
  // Answered 503 at the deadline; Kafka's report, `status`, comes after.
  // Two events: a copy of the first, stored late, would be a duplicate.
  auto answered_then_reported = [&](PublishStatus status, const std::string& id) {
    RawConnection connection(bridge.port());
    ASSERT_TRUE(connection.Send(WebhookRequest(TestEvent(id))));
    auto answer = connection.ReadResponse(30s);
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->status, 503);
    bridge.publisher().CompleteAll(status);
  };
  auto scrape = [&] {
    httplib::Client client("127.0.0.1", bridge.port());
    auto metrics = client.Get("/metrics");
    return test_support::ParseExposition(metrics ? metrics->body : "");
  };
  const std::string accepted =
      R"(hookbridge_source_webhooks_total{source="getprofile",outcome="accepted"})";
  const std::string unavailable =
      R"(hookbridge_source_webhooks_total{source="getprofile",outcome="unavailable"})";
  const std::string stored_late =
      R"(hookbridge_late_deliveries_total{source="getprofile",outcome="stored"})";
  const std::string failed_late =
      R"(hookbridge_late_deliveries_total{source="getprofile",outcome="failed"})";

  answered_then_reported(PublishStatus::kPersisted, "late");
  EXPECT_TRUE(PollUntil(30s, [&] { return scrape().Value(stored_late) == 1; })) << stored_late;
  auto metrics = scrape();
  EXPECT_EQ(metrics.Value(unavailable), 1);
  EXPECT_EQ(metrics.Value(accepted), 0) << "counted accepted after its 503";
  EXPECT_EQ(metrics.Value(R"(hookbridge_http_requests_total{route="webhook",code="200"})"), 0);
  EXPECT_EQ(metrics.Value("hookbridge_kafka_ack_duration_seconds_count"), 1);

  answered_then_reported(PublishStatus::kFailed, "late-2");
  EXPECT_TRUE(PollUntil(30s, [&] { return scrape().Value(failed_late) == 1; })) << failed_late;
  metrics = scrape();
  EXPECT_EQ(metrics.Value(unavailable), 2);
  EXPECT_EQ(metrics.Value(R"(hookbridge_webhook_rejections_total{reason="unavailable"})"), 2);
  EXPECT_EQ(metrics.Value(R"(hookbridge_http_requests_total{route="webhook",code="503"})"), 2);
  EXPECT_EQ(metrics.Value(stored_late), 1);
  EXPECT_EQ(metrics.Value(accepted), 0);
  EXPECT_EQ(metrics.Value("hookbridge_kafka_ack_duration_seconds_count"), 1);
}

// The sender's retry of a webhook answered 503 at its deadline and PERSISTED
// after it is a duplicate: 200, no second record (docs/deduplication.md).
TEST(HttpServer, ARetryOfAWebhookStoredAfterIts503IsADuplicate) {
  TestServer bridge([](Config& config) { config.ack_timeout = 300ms; });
  bridge.publisher().NeverComplete();
  {
    RawConnection connection(bridge.port());
    ASSERT_TRUE(connection.Send(WebhookRequest(TestEvent("late-retry"))));
    auto answer = connection.ReadResponse(30s);
    ASSERT_TRUE(answer);
    ASSERT_EQ(answer->status, 503);
  }
  bridge.publisher().CompleteAll(PublishStatus::kPersisted);  // the late delivery
  RawConnection connection(bridge.port());
  ASSERT_TRUE(connection.Send(WebhookRequest(TestEvent("late-retry"))));
  auto answer = connection.ReadResponse(30s);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_NE(answer->body.find(R"("duplicate":true)"), std::string::npos) << answer->body;
  EXPECT_EQ(bridge.publisher().records().size(), 1u);
}

// Past max_connections, a new connection is answered 503 before its request
// is read; a client still sending a large body reads it rather than a reset.
TEST(HttpServer, PastTheConnectionLimitANewConnectionIsAnswered503) {
  TestServer bridge([](Config& config) { config.max_connections = 3; },
                    [](HttpServerOptions& options) { options.linger = 10s; });  // for a slow sender
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawConnection>(bridge.port()));
    ASSERT_TRUE(held.back()->Send(Request("GET /healthz HTTP/1.1", {"Host: x"})));
    ASSERT_TRUE(held.back()->ReadResponse(10s)) << "connection " << i << " served";
  }
  const std::string large_body(2 << 20, 'x');
  auto exchange = Exchange(
      bridge.port(),
      Request(std::string("POST ") + kWebhookPath + " HTTP/1.1",
              {"Host: x", "Content-Length: " + std::to_string(large_body.size())}, large_body),
      1, 5s);
  ASSERT_EQ(exchange.responses.size(), 1u) << "closed unanswered";
  EXPECT_EQ(exchange.responses[0].status, 503);
  EXPECT_NE(exchange.responses[0].body.find("too many connections"), std::string::npos);
  EXPECT_EQ(exchange.responses[0].Header("Retry-After"), "1");
  held.clear();
  EXPECT_TRUE(PollUntil(10s, [&] {
    return MetricValue(bridge.port(), "hookbridge_http_connections_turned_away_total") >= 1;
  }));
}

// A refused request's body is never read as the next request, and a client
// still sending it reads the answer, not a reset.
TEST(HttpServer, ARefusedBodyIsNeitherParsedNorAResetForTheSender) {
  TestServer bridge;
  const std::string smuggled = WebhookRequest(TestEvent("evt-smuggled"));
  const std::string padding(2000, ' ');  // within the 4 KiB limit: refused for its key
  auto exchange =
      Exchange(bridge.port(),
               Request(std::string("POST ") + kWebhookPath + " HTTP/1.1",
                       {"Host: x", "Authorization: Bearer wrong", "Content-Type: application/json",
                        "Content-Length: " + std::to_string(smuggled.size() + padding.size())},
                       smuggled + padding),
               1, 5s);
  ASSERT_EQ(exchange.responses.size(), 1u);
  EXPECT_EQ(exchange.responses[0].status, 401);
  EXPECT_TRUE(exchange.closed_after);
  EXPECT_EQ(exchange.unexpected, "");
  EXPECT_TRUE(bridge.publisher().records().empty());
}

// Once a drain begins, every answer closes its connection.
TEST(HttpServer, DuringADrainEveryAnswerClosesItsConnection) {
  TestServer bridge;
  RawConnection connection(bridge.port());
  ASSERT_TRUE(connection.Send(Request("GET /healthz HTTP/1.1", {"Host: x"})));
  auto before = connection.ReadResponse(10s);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->Header("Connection"), "");
  bridge.server().CloseConnectionsAfterEachAnswer();
  ASSERT_TRUE(connection.Send(Request("GET /healthz HTTP/1.1", {"Host: x"})));
  auto after = connection.ReadResponse(10s);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->Header("Connection"), "close");
  EXPECT_TRUE(connection.WaitForClose(5s));
}

// Stop() answers the webhook in progress before it returns, and the answer
// says the connection closes.
TEST(HttpServer, StopAnswersTheWebhookInProgress) {
  TestServer bridge;
  bridge.publisher().AnswerLater(PublishStatus::kPersisted,
                                 1500ms);  // Stop() is called long before
  std::optional<RawResponse> answer;
  std::thread sender([&] {
    auto exchange = Exchange(bridge.port(), WebhookRequest(TestEvent("evt-stop")), 1, 0ms);
    if (!exchange.responses.empty()) answer = exchange.responses[0];
  });
  ASSERT_TRUE(PollUntil(10s, [&] { return !bridge.publisher().records().empty(); }));
  bridge.server().Stop();
  sender.join();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->Header("Connection"), "close");
}

}  // namespace
}  // namespace hookbridge

namespace hookbridge {
namespace {

// HTTPS: webhooks on one TLS connection, a refusal that closes it, and
// requests on a fresh one afterwards, across a failed handshake.
TEST(HttpsServer, ServesKeepAliveWebhooksAndSurvivesARefusal) {
  const test_support::TlsFiles tls;
  ASSERT_TRUE(tls.ok());
  TestServer bridge([&](Config& config) { ServeHttps(config, tls); });
  httplib::SSLClient client("127.0.0.1", bridge.port());
  client.enable_server_certificate_verification(false);
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    auto answer = client.Post(kWebhookPath, Auth(), TestEvent("tls-" + std::to_string(i)),
                              "application/json");
    ASSERT_TRUE(answer) << httplib::to_string(answer.error());
    EXPECT_EQ(answer->status, 200);
  }
  auto refused = client.Post(kWebhookPath, {{"Authorization", "Bearer wrong"}}, TestEvent("x"),
                             "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 200);
  // A failed handshake on another connection leaves this one unharmed
  // (OpenSSL's error queue is per thread, and the loop serves both).
  auto plain = Exchange(bridge.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1, 0ms, 5s);
  EXPECT_TRUE(plain.responses.empty());
  auto after = client.Post(kWebhookPath, Auth(), TestEvent("tls-after"), "application/json");
  ASSERT_TRUE(after) << httplib::to_string(after.error());
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(bridge.publisher().records().size(), 4u);
}

}  // namespace
}  // namespace hookbridge

namespace hookbridge {
namespace {

// Several connection loops share one instance's limits: whichever loops take
// the connections, exactly max_in_flight webhooks are taken and every other
// one is answered 503 overloaded at once.
TEST(HttpServerLoops, TheInFlightLimitHoldsForTheInstanceNotPerLoop) {
  constexpr int kLimit = 4;
  constexpr int kSenders = 16;
  TestServer bridge([](Config& config) {
    config.http_loops = 4;
    config.max_in_flight = kLimit;
    config.ack_timeout = 60000ms;  // the taken ones wait until the test completes them
  });
  bridge.publisher().NeverComplete();
  std::mutex mutex;
  std::vector<std::string> outcomes;  // "200", or the error of a 503
  std::vector<std::thread> senders;
  for (int i = 0; i < kSenders; ++i) {
    senders.emplace_back([&, i] {
      auto exchange = Exchange(
          bridge.port(), WebhookRequest(TestEvent("loops-" + std::to_string(i))), 1, 0ms, 60s);
      std::string outcome = "<no answer>";
      if (exchange.responses.size() == 1) {
        const RawResponse& answer = exchange.responses[0];
        outcome = answer.status == 200 ? "200" : ErrorOf(answer.body);
      }
      std::lock_guard<std::mutex> lock(mutex);
      outcomes.push_back(outcome);
    });
  }
  ASSERT_TRUE(PollUntil(30s, [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return outcomes.size() == kSenders - kLimit && bridge.publisher().records().size() == kLimit;
  }));
  bridge.publisher().CompleteAll(PublishStatus::kPersisted);
  for (std::thread& sender : senders) sender.join();
  std::sort(outcomes.begin(), outcomes.end());
  std::vector<std::string> expected(kLimit, "200");
  expected.insert(expected.end(), kSenders - kLimit, "overloaded");
  EXPECT_EQ(outcomes, expected);
  EXPECT_EQ(bridge.publisher().records().size(), static_cast<size_t>(kLimit));
}

// Past max_connections a new connection is turned away, however many loops
// hold the others; once one closes, a new one is served.
TEST(HttpServerLoops, TheConnectionLimitHoldsForTheInstanceNotPerLoop) {
  constexpr int kLimit = 6;
  TestServer bridge([](Config& config) {
    config.http_loops = 3;
    config.max_connections = kLimit;
  });
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < kLimit; ++i) {
    held.push_back(std::make_unique<RawConnection>(bridge.port()));
    ASSERT_TRUE(held.back()->Send(Request("GET /healthz HTTP/1.1", {"Host: x"})));
    ASSERT_TRUE(held.back()->ReadResponse(10s)) << "connection " << i << " served";
  }
  auto turned_away = Exchange(bridge.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1, 5s);
  ASSERT_EQ(turned_away.responses.size(), 1u);
  EXPECT_EQ(turned_away.responses[0].status, 503);
  EXPECT_EQ(ErrorOf(turned_away.responses[0].body), "overloaded");
  held.pop_back();
  EXPECT_TRUE(PollUntil(10s, [&] {
    auto again = Exchange(bridge.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 1, 0ms);
    return again.responses.size() == 1 && again.responses[0].status == 200;
  }));
}

// /metrics counts the idle connections of every loop, not only its own.
TEST(HttpServerLoops, IdleConnectionsAreCountedAcrossLoops) {
  constexpr int kIdle = 8;
  TestServer bridge([](Config& config) { config.http_loops = 4; });
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(std::make_unique<RawConnection>(bridge.port()));
    ASSERT_TRUE(idle.back()->Send(Request("GET /healthz HTTP/1.1", {"Host: x"})));
    ASSERT_TRUE(idle.back()->ReadResponse(10s)) << "connection " << i << " served";
  }
  // Each loop counts its own at most a second after anything happened on it.
  EXPECT_TRUE(PollUntil(10s, [&] {
    return MetricValue(bridge.port(), "hookbridge_http_idle_connections") == kIdle;
  }));
  idle.resize(kIdle / 2);
  EXPECT_TRUE(PollUntil(10s, [&] {
    return MetricValue(bridge.port(), "hookbridge_http_idle_connections") == kIdle / 2;
  }));
}

// Over TLS, handshake threads accept and hand each connection to a loop:
// many new connections at once, each with one webhook, alongside a kept-alive
// one, are all served and each stored once.
TEST(HttpsServerLoops, ManyNewConnectionsAndAKeptAliveOneAreAllServed) {
  constexpr int kNewConnections = 24;
  const test_support::TlsFiles tls;
  ASSERT_TRUE(tls.ok());
  TestServer bridge([&](Config& config) {
    config.http_loops = 2;
    ServeHttps(config, tls);
  });
  std::atomic<int> answered_200{0};
  std::vector<std::thread> senders;
  for (int i = 0; i < kNewConnections; ++i) {
    senders.emplace_back([&, i] {
      httplib::SSLClient client("127.0.0.1", bridge.port());
      client.enable_server_certificate_verification(false);
      client.set_connection_timeout(30s);
      client.set_read_timeout(30s);
      auto answer = client.Post(kWebhookPath, Auth(), TestEvent("new-" + std::to_string(i)),
                                "application/json");
      if (answer && answer->status == 200) ++answered_200;
    });
  }
  httplib::SSLClient kept_alive("127.0.0.1", bridge.port());
  kept_alive.enable_server_certificate_verification(false);
  kept_alive.set_keep_alive(true);
  for (int i = 0; i < 10; ++i) {
    auto answer = kept_alive.Post(kWebhookPath, Auth(), TestEvent("kept-" + std::to_string(i)),
                                  "application/json");
    ASSERT_TRUE(answer) << httplib::to_string(answer.error());
    EXPECT_EQ(answer->status, 200);
  }
  for (std::thread& sender : senders) sender.join();
  EXPECT_EQ(answered_200.load(), kNewConnections);
  EXPECT_EQ(bridge.publisher().records().size(), static_cast<size_t>(kNewConnections + 10));
}

}  // namespace
}  // namespace hookbridge

namespace hookbridge {
namespace {

// One TLS connection by OpenSSL directly (httplib does not show sessions):
// a GET /healthz, its answer read (which takes the TLS 1.3 tickets that
// follow the handshake), and the session to resume from, offered `resume`.
struct TlsVisit {
  bool answered = false;
  bool resumed = false;
  SSL_SESSION* session = nullptr;  // the caller's, to SSL_SESSION_free
};

TlsVisit VisitOverTls(int port, SSL_CTX* client_context, SSL_SESSION* resume) {
  TlsVisit visit;
  RawConnection raw(port);  // connected, blocking
  SSL* ssl = SSL_new(client_context);
  SSL_set_fd(ssl, raw.socket());
  if (resume != nullptr) SSL_set_session(ssl, resume);
  if (SSL_connect(ssl) == 1) {
    const std::string request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    SSL_write(ssl, request.data(), static_cast<int>(request.size()));
    std::string answer;
    char buffer[4096];
    int got = 0;
    while ((got = SSL_read(ssl, buffer, sizeof buffer)) > 0) answer.append(buffer, got);
    visit.answered = answer.rfind("HTTP/1.1 200", 0) == 0;
    visit.resumed = SSL_session_reused(ssl) == 1;
    visit.session = SSL_get1_session(ssl);
    // Without it OpenSSL takes the session for a broken one and never offers it again.
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  return visit;
}

// A client that comes back with its session ticket resumes the session (no
// certificate signature); TLS 1.2 and 1.3 alike.
TEST(HttpsServer, AReturningClientResumesItsSessionWithATicket) {
  const test_support::TlsFiles tls;
  ASSERT_TRUE(tls.ok());
  TestServer bridge([&](Config& config) { ServeHttps(config, tls); });
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    SCOPED_TRACE(version == TLS1_2_VERSION ? "TLS 1.2" : "TLS 1.3");
    SSL_CTX* client = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(client, version);
    SSL_CTX_set_max_proto_version(client, version);
    TlsVisit first = VisitOverTls(bridge.port(), client, nullptr);
    ASSERT_TRUE(first.answered);
    EXPECT_FALSE(first.resumed);
    ASSERT_NE(first.session, nullptr);
    TlsVisit second = VisitOverTls(bridge.port(), client, first.session);
    EXPECT_TRUE(second.answered);
    EXPECT_TRUE(second.resumed) << "the ticket was not taken";
    // A ticket the server cannot open (made by another server's keys) gets
    // a full handshake, not a failure.
    TestServer other([&](Config& config) { ServeHttps(config, tls); });
    TlsVisit elsewhere = VisitOverTls(other.port(), client, first.session);
    EXPECT_TRUE(elsewhere.answered);
    EXPECT_FALSE(elsewhere.resumed);
    for (SSL_SESSION* session : {first.session, second.session, elsewhere.session}) {
      if (session != nullptr) SSL_SESSION_free(session);
    }
    SSL_CTX_free(client);
  }
}

}  // namespace
}  // namespace hookbridge
