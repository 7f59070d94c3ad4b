// A Publisher for unit tests: records every KafkaRecord it is given and
// answers with a future that is either ready with a chosen PublishResult,
// completed later from another thread (the handler must wait for it), never
// completed (to exercise the acknowledgement deadline), or broken (the
// promise dropped without a value, as a crashed producer would).
#pragma once

#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hookbridge/core/publisher.h"

namespace hookbridge::test_support {

class FakePublisher : public Publisher {
 public:
  enum class Mode { kReady, kLater, kNeverComplete, kBrokenPromise };

  ~FakePublisher() override {
    for (std::thread& thread : threads_) thread.join();
  }

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
  // Every later Publish() returns a future that another thread completes
  // with `status` after `delay`.
  void AnswerLater(PublishStatus status, std::chrono::milliseconds delay) {
    AnswerWith(status);
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = Mode::kLater;
    delay_ = delay;
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
      case Mode::kLater:
        threads_.emplace_back([promise = std::move(promise), result = result_,
                               delay = delay_]() mutable {
          std::this_thread::sleep_for(delay);
          promise.set_value(std::move(result));
        });
        break;
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
  std::chrono::milliseconds delay_{0};
  std::vector<std::promise<PublishResult>> pending_;
  std::vector<std::thread> threads_;
};

}  // namespace hookbridge::test_support
