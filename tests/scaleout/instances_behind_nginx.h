// The set-up the scale-out tests share (scaleout_test.cc, routing_test.cc):
// hookbridge instances on free loopback ports, on the real Kafka broker that
// ctest names in HOOKBRIDGE_E2E_BROKERS, each ready before nginx (NginxFront)
// goes in front of them. Each step fails the test with a message that says why (call
// it under ASSERT_NO_FATAL_FAILURE).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../e2e/hookbridge_process.h"

namespace hookbridge::scaleout {

using Instances = std::vector<std::unique_ptr<e2e::HookbridgeProcess>>;

// HOOKBRIDGE_E2E_BROKERS into *brokers; fails the test if it is not set.
void RequireBrokers(std::string* brokers);

// True once GET /readyz on 127.0.0.1:`port` answers 200 within `timeout`.
bool WaitUntilReady(int port, std::chrono::milliseconds timeout);

// Starts `count` instances with `env` (HOOKBRIDGE_LISTEN is set here, to a
// free loopback port each), appends them to *instances, and waits until each
// one is ready.
void StartReadyInstances(std::map<std::string, std::string> env, int count, Instances* instances);

}  // namespace hookbridge::scaleout
