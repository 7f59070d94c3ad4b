// Tests of a Publisher wait for its outcome the simple way: as a future.
#pragma once

#include <future>
#include <memory>
#include <utility>

#include "hookbridge/core/publisher.h"

namespace hookbridge::test_support {

// Publishes `record`; the future holds the outcome once the publisher calls back.
inline std::future<PublishResult> PublishAndGetFuture(Publisher& publisher, KafkaRecord record) {
  auto outcome = std::make_shared<std::promise<PublishResult>>();
  std::future<PublishResult> future = outcome->get_future();
  publisher.Publish(std::move(record),
                    [outcome](PublishResult result) { outcome->set_value(std::move(result)); });
  return future;
}

}  // namespace hookbridge::test_support
