#include "instances_behind_nginx.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <thread>

#include "../support/tail.h"

namespace hookbridge::scaleout {

using namespace std::chrono_literals;

void RequireBrokers(std::string* brokers) {
  const char* named = std::getenv("HOOKBRIDGE_E2E_BROKERS");
  ASSERT_TRUE(named != nullptr && *named != '\0')
      << "HOOKBRIDGE_E2E_BROKERS must name the real Kafka broker "
         "(ctest sets it and starts one: the kafka_broker fixture)";
  *brokers = named;
}

bool WaitUntilReady(int port, std::chrono::milliseconds timeout) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1, 0);
  client.set_read_timeout(2, 0);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    httplib::Result result = client.Get("/readyz");
    if (result && result->status == 200) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

void StartReadyInstances(std::map<std::string, std::string> env, int count, Instances* instances) {
  env["HOOKBRIDGE_LISTEN"] = "127.0.0.1:0";
  const size_t first = instances->size();
  for (int i = 0; i < count; ++i) {
    instances->push_back(std::make_unique<e2e::HookbridgeProcess>(env));
    ASSERT_TRUE(instances->back()->started()) << instances->back()->output();
  }
  // Each listens before the next starts; their connections to Kafka come up
  // together, so readiness is awaited after the last one started.
  for (size_t i = first; i < instances->size(); ++i) {
    const e2e::HookbridgeProcess& instance = *(*instances)[i];
    ASSERT_TRUE(WaitUntilReady(instance.port(), 60s))
        << "instance on port " << instance.port() << " never ready\n"
        << test_support::Tail(instance.output(), 20);
  }
}

}  // namespace hookbridge::scaleout
