// End to end: the hookbridge binary, real HTTP, a real Apache Kafka broker
// (named by HOOKBRIDGE_E2E_BROKERS; ctest starts one). Each test
// gets a fresh topic, so record counts are exact. The fixture is in
// bridge_fixture.h.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "../support/murmur2.h"
#include "bridge_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using hookbridge::test_support::JavaPartitionOf;

TEST_F(EndToEnd, AcceptedEventIsInKafkaWithKeyValueHeadersAndJavaPartition) {
  StartBridge();
  auto response = Post(kExampleEvent);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"status":"accepted","id":"evt_1234567890"})");

  auto records = ConsumeFromBeginning(brokers_, topic_, 1, 30s);
  ASSERT_EQ(records.size(), 1u);
  const ConsumedRecord& record = records[0];
  EXPECT_EQ(record.key, "12345");
  EXPECT_EQ(record.value, kExampleEvent);
  EXPECT_EQ(record.partition, JavaPartitionOf("12345", kPartitions));
  std::vector<std::string> expected_order = {
      "ce_specversion", "ce_id",        "ce_type",     "ce_source",    "ce_time",
      "ce_subject",     "content-type", "ce_tenantid", "ce_webhookid", "hookbridge_request_id"};
  EXPECT_EQ(record.header_order, expected_order);
  EXPECT_EQ(record.headers.at("hookbridge_request_id"), response->get_header_value("X-Request-Id"));
  EXPECT_EQ(record.headers.at("ce_specversion"), "1.0");
  EXPECT_EQ(record.headers.at("ce_id"), "evt_1234567890");
  EXPECT_EQ(record.headers.at("ce_type"), "profile.updated");
  EXPECT_EQ(record.headers.at("ce_source"), "https://getprofile-ai.com/tenants/abc-tenant");
  EXPECT_EQ(record.headers.at("ce_time"), "2023-10-01T12:00:00Z");
  EXPECT_EQ(record.headers.at("ce_subject"), "12345");
  EXPECT_EQ(record.headers.at("content-type"), "application/json");
  EXPECT_EQ(record.headers.at("ce_tenantid"), "abc-tenant");
  EXPECT_EQ(record.headers.at("ce_webhookid"), "webhook_12345");
}

TEST_F(EndToEnd, KeysForIntegerProfileIdsAndOtherEventTypes) {
  StartBridge();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"id":"e1","event":"profile.updated","data":{"profile_id":4200}})", "4200"},
      {R"({"id":"e2","event":"tenant.updated","tenant_id":"acme","data":{}})", "acme"},
      {R"({"id":"e3","event":"billing.paid","data":{"amount":3}})", "e3"},
  };
  for (const auto& [body, key] : cases) {
    auto response = Post(body);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200) << body << " -> " << response->body;
  }
  auto records = ConsumeFromBeginning(brokers_, topic_, cases.size(), 30s);
  ASSERT_EQ(records.size(), cases.size());
  std::map<std::string, std::string> key_by_id;
  for (const auto& record : records) key_by_id[record.headers.at("ce_id")] = record.key;
  EXPECT_EQ(key_by_id["e1"], "4200");
  EXPECT_EQ(key_by_id["e2"], "acme");
  EXPECT_EQ(key_by_id["e3"], "e3");
}

TEST_F(EndToEnd, SequentialSendsKeepPerProfileOrderAcrossManyProfiles) {
  StartBridge();
  constexpr int kSenders = 8;
  constexpr int kProfilesPerSender = 6;
  constexpr int kEventsPerProfile = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      httplib::Client client("127.0.0.1", bridge_->port());
      client.set_keep_alive(true);
      client.set_read_timeout(10, 0);
      // Each sender interleaves its profiles but sends each profile's events
      // one after another, waiting for every answer, as GetProfile does.
      for (int sequence = 0; sequence < kEventsPerProfile; ++sequence) {
        for (int p = 0; p < kProfilesPerSender; ++p) {
          std::string profile = "profile-" + std::to_string(s * kProfilesPerSender + p);
          std::string id = profile + "-" + std::to_string(sequence);
          auto response = client.Post(kPath, {{"Authorization", "Bearer key-old-0123456789"}},
                                      ProfileEvent(id, profile, sequence), "application/json");
          if (!response || response->status != 200) ++failures;
        }
      }
    });
  }
  for (auto& sender : senders) sender.join();
  ASSERT_EQ(failures.load(), 0);

  const size_t total = kSenders * kProfilesPerSender * kEventsPerProfile;
  auto records = ConsumeFromBeginning(brokers_, topic_, total, 60s);
  ASSERT_EQ(records.size(), total);
  std::map<std::string, std::vector<const ConsumedRecord*>> by_key;
  for (const auto& record : records) by_key[record.key].push_back(&record);
  ASSERT_EQ(by_key.size(), static_cast<size_t>(kSenders * kProfilesPerSender));
  for (const auto& [key, list] : by_key) {
    ASSERT_EQ(list.size(), static_cast<size_t>(kEventsPerProfile)) << key;
    for (int sequence = 0; sequence < kEventsPerProfile; ++sequence) {
      EXPECT_EQ(list[sequence]->headers.at("ce_id"), key + "-" + std::to_string(sequence));
      EXPECT_EQ(list[sequence]->partition, JavaPartitionOf(key, kPartitions)) << key;
    }
  }
}

TEST_F(EndToEnd, RejectedRequestsAnswerTheirStatusAndPutNothingOnTheTopic) {
  StartBridge();
  httplib::Client client("127.0.0.1", bridge_->port());
  client.set_read_timeout(10, 0);
  const std::string good_key = "Bearer key-new-0123456789";
  struct Case {
    const char* name;
    httplib::Result result;
    int status;
    const char* error;
  };
  std::string big(kMaxBody + 1, ' ');
  std::vector<Case> cases;
  cases.push_back({"no Authorization", client.Post(kPath, kExampleEvent, "application/json"), 401,
                   "unauthorized"});
  cases.push_back({"wrong key",
                   client.Post(kPath, {{"Authorization", "Bearer key-new-012345678"}},
                               kExampleEvent, "application/json"),
                   401, "unauthorized"});
  cases.push_back(
      {"Basic scheme",
       client.Post(kPath, {{"Authorization", "Basic a2V5"}}, kExampleEvent, "application/json"),
       401, "unauthorized"});
  cases.push_back({"text/plain",
                   client.Post(kPath, {{"Authorization", good_key}}, kExampleEvent, "text/plain"),
                   415, "unsupported_media_type"});
  cases.push_back({"gzip",
                   client.Post(kPath, {{"Authorization", good_key}, {"Content-Encoding", "gzip"}},
                               kExampleEvent, "application/json"),
                   415, "unsupported_media_type"});
  cases.push_back({"too large",
                   client.Post(kPath, {{"Authorization", good_key}}, big, "application/json"), 413,
                   "payload_too_large"});
  cases.push_back({"chunked too large",
                   client.Post(
                       kPath, {{"Authorization", good_key}},
                       [&](size_t offset, httplib::DataSink& sink) {
                         if (offset < 4 * kMaxBody) {
                           sink.write(big.data(), 1000);
                         } else {
                           sink.done();
                         }
                         return true;
                       },
                       "application/json"),
                   413, "payload_too_large"});
  cases.push_back(
      {"malformed JSON",
       client.Post(kPath, {{"Authorization", good_key}}, "{\"id\":", "application/json"), 400,
       "invalid_json"});
  cases.push_back(
      {"no profile_id",
       client.Post(kPath, {{"Authorization", good_key}},
                   R"({"id":"x","event":"profile.updated","data":{}})", "application/json"),
       422, "invalid_event"});
  cases.push_back(
      {"GET", client.Get(kPath, {{"Authorization", good_key}}), 405, "method_not_allowed"});
  cases.push_back(
      {"unknown path",
       client.Post("/other", {{"Authorization", good_key}}, kExampleEvent, "application/json"), 404,
       "not_found"});
  for (auto& c : cases) {
    ASSERT_TRUE(c.result) << c.name << ": " << httplib::to_string(c.result.error());
    EXPECT_EQ(c.result->status, c.status) << c.name;
    EXPECT_EQ(ErrorCodeOf(c.result->body), c.error) << c.name;
  }
  EXPECT_EQ(cases[0].result->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(cases[9].result->get_header_value("Allow"), "POST");

  // The service is healthy afterwards, and only this one event is stored.
  auto accepted = Post(kExampleEvent);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 1);
}

TEST_F(EndToEnd, UnreadBodyOfRejectedRequestIsNeverParsedAsTheNextRequest) {
  StartBridge();
  const std::string smuggled = "GET /webhooks/getprofile HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string request =
      "POST /webhooks/getprofile HTTP/1.1\r\nHost: x\r\n"
      "Authorization: Bearer wrong\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
  std::string answer = RawExchange(bridge_->port(), request);
  EXPECT_EQ(CountOf(answer, "HTTP/1.1 "), 1u) << answer;
  EXPECT_NE(answer.find("HTTP/1.1 401"), std::string::npos) << answer;

  // The same for a method hookbridge does not serve, with a chunked body.
  const std::string chunked =
      "DELETE /webhooks/getprofile HTTP/1.1\r\nHost: x\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      [&] {
        char size[16];
        std::snprintf(size, sizeof size, "%zx", smuggled.size());
        return std::string(size) + "\r\n" + smuggled + "\r\n0\r\n\r\n";
      }();
  answer = RawExchange(bridge_->port(), chunked);
  EXPECT_EQ(CountOf(answer, "HTTP/1.1 "), 1u) << answer;
  EXPECT_NE(answer.find("HTTP/1.1 405"), std::string::npos) << answer;
}

TEST_F(EndToEnd, PipelinedRequestsAreAllAnswered) {
  StartBridge();
  // Three events: copies of one would be stored once (docs/deduplication.md).
  const auto one = [](const std::string& id) {
    const std::string event = ProfileEvent(id, "p-pipelined");
    return "POST /webhooks/getprofile HTTP/1.1\r\nHost: x\r\n"
           "Authorization: Bearer key-new-0123456789\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(event.size()) + "\r\n\r\n" + event;
  };
  std::string last = "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string answer = RawExchange(
      bridge_->port(), one("evt_pipe_1") + one("evt_pipe_2") + one("evt_pipe_3") + last);
  EXPECT_EQ(CountOf(answer, "HTTP/1.1 200"), 3u) << answer;
  EXPECT_EQ(CountOf(answer, "HTTP/1.1 404"), 1u) << answer;
  EXPECT_EQ(CountRecords(brokers_, topic_, kPartitions), 3);
}

TEST_F(EndToEnd, SigtermAfterServingExitsZero) {
  StartBridge();
  auto response = Post(kExampleEvent);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(bridge_->SignalAndWait(SIGTERM, 20s), 0) << bridge_->output();
}

TEST_F(EndToEnd, UnreachableBrokerGives503WithRetryAfterNeverA2xx) {
  auto env = Environment();
  env["HOOKBRIDGE_KAFKA_BROKERS"] = "127.0.0.1:1";  // nothing listens there
  env["HOOKBRIDGE_ACK_TIMEOUT_MS"] = "1000";
  bridge_ = std::make_unique<HookbridgeProcess>(env);
  ASSERT_TRUE(bridge_->started()) << bridge_->output();
  auto response = Post(kExampleEvent);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(ErrorCodeOf(response->body), "unavailable");
  EXPECT_EQ(response->get_header_value("Retry-After"), "1");
}

TEST_F(EndToEnd, BadConfigurationStopsStartupNamingTheSetting) {
  const std::vector<std::pair<std::map<std::string, std::string>, std::string>> cases = {
      {{{"HOOKBRIDGE_KAFKA_BROKERS", brokers_}}, "GETPROFILE_API_KEY"},
      {{{"GETPROFILE_API_KEY", "k1"}, {"HOOKBRIDGE_ACK_TIMEOUT_MS", "soon"}},
       "HOOKBRIDGE_ACK_TIMEOUT_MS"},
      {{{"GETPROFILE_API_KEY", "k1"}, {"HOOKBRIDGE_MAX_IN_FLIGHT", "0"}},
       "HOOKBRIDGE_MAX_IN_FLIGHT"},
      {{{"GETPROFILE_API_KEY", "k1"},
        {"HOOKBRIDGE_KAFKA_BROKERS", brokers_},
        {"HOOKBRIDGE_RDKAFKA_NO_SUCH_PROPERTY", "1"}},
       "no.such.property"},
  };
  for (const auto& [env, setting] : cases) {
    HookbridgeProcess bridge(env);
    EXPECT_FALSE(bridge.started());
    EXPECT_EQ(bridge.WaitForExit(10s), 2) << setting;
    EXPECT_NE(bridge.output().find(setting), std::string::npos) << bridge.output();
  }
}

TEST_F(EndToEnd, KeysNeverAppearInTheLog) {
  StartBridge();
  ASSERT_TRUE(Post(kExampleEvent));
  ASSERT_TRUE(Post(kExampleEvent, "key-wrong-0123456789"));
  EXPECT_EQ(bridge_->SignalAndWait(SIGTERM, 20s), 0);
  EXPECT_EQ(bridge_->output().find("key-new-0123456789"), std::string::npos);
  EXPECT_EQ(bridge_->output().find("key-old-0123456789"), std::string::npos);
  EXPECT_EQ(bridge_->output().find("key-wrong-0123456789"), std::string::npos);
}

}  // namespace
}  // namespace hookbridge::e2e
