// A Publisher for unit tests: records every KafkaRecord it is given and
// calls back with a chosen PublishResult either at once (as a refusal is), or
// later from another thread (as a delivery report is), or never while it
// lives (to exercise the acknowledgement deadline).
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hookbridge/core/publisher.h"

namespace hookbridge::test_support {

class FakePublisher : public Publisher {
 public:
  enum class Mode { kAtOnce, kLater, kNeverComplete };

  ~FakePublisher() override { FinishLaterAnswers(); }

  // Waits for every answer AnswerLater() scheduled: after this, no callback
  // runs any more (so what the callbacks use may go).
  void FinishLaterAnswers() {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
  }

  // Every later Publish() answers at once with `result`.
  void AnswerWith(PublishResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = Mode::kAtOnce;
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
  // Every later Publish() is answered `status` from another thread after `delay`.
  void AnswerLater(PublishStatus status, std::chrono::milliseconds delay) {
    AnswerWith(status);
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = Mode::kLater;
    delay_ = delay;
  }
  // Every later Publish() is never answered while this publisher lives.
  void NeverComplete() {
    std::lock_guard<std::mutex> lock(mutex_);
    mode_ = Mode::kNeverComplete;
  }
  void Publish(KafkaRecord record, Done done) override {
    std::unique_lock<std::mutex> lock(mutex_);
    records_.push_back(std::move(record));
    switch (mode_) {
      case Mode::kAtOnce: {
        PublishResult result = result_;
        lock.unlock();  // `done` may publish again
        return done(std::move(result));
      }
      case Mode::kLater:
        threads_.emplace_back([done = std::move(done), result = result_, delay = delay_]() mutable {
          std::this_thread::sleep_for(delay);
          done(std::move(result));
        });
        return;
      case Mode::kNeverComplete: pending_.push_back(std::move(done)); return;
    }
  }

  // Answers every Publish() left unanswered by NeverComplete() with `status`,
  // on the calling thread, in the order they were published.
  void CompleteAll(PublishStatus status) {
    std::vector<Done> pending;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pending.swap(pending_);
    }
    for (Done& done : pending) done(PublishResult{status, "", 0, 0});
  }

  std::vector<KafkaRecord> records() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }

 private:
  mutable std::mutex mutex_;
  Mode mode_ = Mode::kAtOnce;
  PublishResult result_{PublishStatus::kPersisted, "", 0, 0};
  std::vector<KafkaRecord> records_;
  std::chrono::milliseconds delay_{0};
  std::vector<Done> pending_;
  std::vector<std::thread> threads_;
};

}  // namespace hookbridge::test_support
