#include "bridge_fixture.h"

#include <arpa/inet.h>
#include <rapidjson/document.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "../support/loopback.h"

namespace hookbridge::e2e {

std::string UniqueTopic() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::random_device random;
  return std::string("e2e.") + info->name() + "." + std::to_string(random());
}

std::string ProfileEvent(const std::string& id, const std::string& profile, int sequence) {
  return R"({"id":")" + id +
         R"(","event":"profile.updated","tenant_id":"t1","data":{"profile_id":")" + profile +
         R"(","seq":)" + std::to_string(sequence) + "}}";
}

std::string ErrorCodeOf(const std::string& body) {
  rapidjson::Document document;
  document.Parse(body.c_str());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("error") ||
      !document["error"].IsString() || !document.HasMember("message")) {
    return "<not an error body: " + body + ">";
  }
  return document["error"].GetString();
}

std::string RawExchange(int port, const std::string& bytes) {
  int sock = test_support::ConnectLoopback(port);
  if (sock < 0) return "";
  timeval timeout{5, 0};
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  send(sock, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string received;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(sock, buffer, sizeof buffer, 0)) > 0)
    received.append(buffer, static_cast<size_t>(n));
  close(sock);
  return received;
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++count;
  return count;
}

void EndToEnd::SetUp() {
  const char* brokers = std::getenv("HOOKBRIDGE_E2E_BROKERS");
  ASSERT_NE(brokers, nullptr) << "HOOKBRIDGE_E2E_BROKERS must name the real Kafka broker "
                                 "(ctest sets it and starts one: the kafka_broker fixture)";
  brokers_ = brokers;
  topic_ = UniqueTopic();
  ASSERT_EQ(CreateTopic(brokers_, topic_, kPartitions), "");
}

std::map<std::string, std::string> EndToEnd::Environment() const {
  return {{"HOOKBRIDGE_LISTEN", "127.0.0.1:0"},
          {"GETPROFILE_API_KEY", std::string(kOldKey) + "," + kNewKey},
          {"HOOKBRIDGE_KAFKA_BROKERS", brokers_},
          {"HOOKBRIDGE_KAFKA_TOPIC", topic_},
          {"HOOKBRIDGE_MAX_BODY_BYTES", std::to_string(kMaxBody)},
          {"HOOKBRIDGE_DRAIN_GRACE_MS", "0"}};
}

void EndToEnd::StartBridge() { StartBridge(Environment()); }

void EndToEnd::StartBridge(const std::map<std::string, std::string>& env) {
  bridge_ = std::make_unique<HookbridgeProcess>(env);
  ASSERT_TRUE(bridge_->started()) << bridge_->output();
}

httplib::Result EndToEnd::Post(const std::string& body, const std::string& key) {
  httplib::Client client("127.0.0.1", bridge_->port());
  client.set_read_timeout(10, 0);
  return client.Post(kPath, {{"Authorization", "Bearer " + key}}, body, "application/json");
}

httplib::Result EndToEnd::Get(const std::string& path) {
  httplib::Client client("127.0.0.1", bridge_->port());
  client.set_read_timeout(10, 0);
  return client.Get(path.c_str());
}

}  // namespace hookbridge::e2e
