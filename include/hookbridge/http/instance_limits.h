// The limits of one hookbridge instance, shared by every connection loop and
// handshake thread: open connections (HOOKBRIDGE_MAX_CONNECTIONS) and
// webhooks in flight (HOOKBRIDGE_MAX_IN_FLIGHT). However many loops serve,
// these hold for the instance, never per loop. Any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace hookbridge {

class InstanceLimits {
 public:
  // `in_flight`: the count of webhooks in flight the limit holds for, kept
  // where /metrics reads it (Metrics::webhooks_in_flight()); it outlives this.
  InstanceLimits(size_t max_connections, size_t max_in_flight, std::atomic<int64_t>& in_flight)
      : max_connections_(max_connections),
        max_in_flight_(static_cast<int64_t>(max_in_flight)),
        in_flight_(in_flight) {}

  // A new connection takes a place if one is free; false: turn it away.
  bool TryOpenConnection() { return TryTake(connections_, max_connections_); }
  // A connection that is turned away still holds a descriptor while it is
  // answered: counted, whatever the limit.
  void OpenConnectionOverLimit() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void CloseConnection() { connections_.fetch_sub(1, std::memory_order_relaxed); }

  // Whether a webhook's head would find a place in flight now.
  bool WebhookPlaceFree() const {
    return in_flight_.load(std::memory_order_relaxed) < max_in_flight_;
  }
  // A webhook accepted on its head takes a place in flight if one is still
  // free; false: another loop took the last one since, 503 overloaded.
  bool TryStartWebhook() { return TryTake(in_flight_, max_in_flight_); }
  void EndWebhook() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

 private:
  // Exact: two loops cannot both take the last place.
  template <typename Count>
  static bool TryTake(std::atomic<Count>& taken, Count limit) {
    Count now = taken.load(std::memory_order_relaxed);
    do {
      if (now >= limit) return false;
    } while (!taken.compare_exchange_weak(now, now + 1, std::memory_order_relaxed));
    return true;
  }

  const size_t max_connections_;
  const int64_t max_in_flight_;
  std::atomic<size_t> connections_{0};
  std::atomic<int64_t>& in_flight_;
};

}  // namespace hookbridge
