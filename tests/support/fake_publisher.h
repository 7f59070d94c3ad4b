// A Publisher for unit tests: records every KafkaRecord it is given and
// answers with a future that is either ready with a chosen PublishResult,
// never completed (to exercise the acknowledgement deadline), or broken (the
// promise dropped without a value, as a crashed producer would).
#pragma once

#include <future>
#include <mutex>
#include <utility>
#include <vector>

#include "hookbridge/core/publisher.h"

namespace hookbridge::testing {

class FakePublisher : public Publisher {
 public:
  enum class Mode { kReady, kNeverComplete, kBrokenPromise };

  // Every later Publish() answers at once with `result`.
  void AnswerWith(PublishResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = Mode::kReady;
    result_ = std::move(result);
  }
  void AnswerWith(PublishStatus status, std::string error = {}) {
    PublishResult result;
    result.status = status;
    result.error = std::move(error);
    if (status == PublishStatus::kPersisted) {
      result.partition = 0;
      result.offset = 0;
    }
    AnswerWith(std::move(result));
  }
  // Every later Publish() returns a future that never becomes ready while
  // this publisher lives.
  void NeverComplete() {
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = Mode::kNeverComplete;
  }
  // Every later Publish() returns a future whose promise is already gone.
  void BreakPromises() {
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = Mode::kBrokenPromise;
  }

  std::future<PublishResult> Publish(KafkaRecord record) override {
    std::lock_guard<std::mutex> lock(mutex_);
    records_.push_back(std::move(record));
    std::promise<PublishResult> promise;
    std::future<PublishResult> future = promise.get_future();
    switch (mode_) {
      case Mode::kReady: promise.set_value(result_); break;
      case Mode::kNeverComplete: pending_.push_back(std::move(promise)); break;
      case Mode::kBrokenPromise: break;  // destroyed here: future holds broken_promise
    }
    return future;
  }

  std::vector<KafkaRecord> records() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }

 private:
  mutable std::mutex mutex_;
  Mode mode_ = Mode::kReady;
  PublishResult result_{PublishStatus::kPersisted, "", 0, 0};
  std::vector<KafkaRecord> records_;
  std::vector<std::promise<PublishResult>> pending_;
};

}  // namespace hookbridge::testing
