// The shared end-to-end fixture: a fresh topic on the real broker (named by
// HOOKBRIDGE_E2E_BROKERS; ctest starts one) and the hookbridge
// binary in front of it, plus small HTTP and JSON helpers.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "../support/poll_until.h"
#include "hookbridge_process.h"
#include "kafka_test_client.h"

namespace hookbridge::e2e {

inline constexpr int kPartitions = 6;
inline constexpr size_t kMaxBody = 4096;
inline constexpr const char* kPath = "/webhooks/getprofile";
inline constexpr const char* kExampleEvent =
    R"({"id":"evt_1234567890","event":"profile.updated","tenant_id":"abc-tenant",)"
    R"("data":{"profile_id":"12345","status":"ready"},"created_at":"2023-10-01T12:00:00Z",)"
    R"("webhook_id":"webhook_12345"})";
// The two keys the default environment configures.
inline constexpr const char* kOldKey = "key-old-0123456789";
inline constexpr const char* kNewKey = "key-new-0123456789";

// "e2e.<test name>.<random>": a topic of its own for every test.
std::string UniqueTopic();

// A profile.updated event for `profile`, with a sequence number in its data.
std::string ProfileEvent(const std::string& id, const std::string& profile, int sequence = 0);

// The "error" member of an error body, or a text saying it is not one.
std::string ErrorCodeOf(const std::string& body);

// Sends raw bytes on a fresh connection and returns everything the server
// sends back until it closes the connection (or 5 s pass).
std::string RawExchange(int port, const std::string& bytes);

size_t CountOf(const std::string& text, const std::string& needle);

using test_support::PollUntil;  // tests/support/poll_until.h

class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override;

  // The default environment: loopback, any port, two keys, the test's topic.
  std::map<std::string, std::string> Environment() const;

  void StartBridge();
  void StartBridge(const std::map<std::string, std::string>& env);

  httplib::Result Post(const std::string& body, const std::string& key = kNewKey);
  httplib::Result Get(const std::string& path);

  std::string brokers_;
  std::string topic_;
  std::unique_ptr<HookbridgeProcess> bridge_;
};

}  // namespace hookbridge::e2e
