// Edge deduplication in WebhookHandler, with a fake Publisher: which copies
// are duplicates, what they are answered, and what never touches the window.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "../support/fake_publisher.h"
#include "hookbridge/webhook/webhook_handler.h"

namespace hookbridge {
namespace {

using ::hookbridge::test_support::FakePublisher;
using ::testing::Contains;
using ::testing::Pair;

constexpr const char* kKey = "hbk_live_4fQ9zT2xLw8pR6vN";

std::string Event(const std::string& id) {
  return R"({"id":")" + id + R"(","event":"profile.updated","data":{"profile_id":"p1"}})";
}

class WebhookDedupTest : public ::testing::Test {
 protected:
  WebhookDedupTest() : keys_(*ApiKeys::FromCommaList(kKey, &error_), "") {
    source_ = BuiltInSources(Config())->sources.front();
  }

  WebhookOptions Options() {
    WebhookOptions options;
    options.dedup_window = std::chrono::seconds(60);
    options.dedup_clock = [this] { return now_; };
    return options;
  }

  RequestHead Head() {
    RequestHead head;
    head.authorization = {bearer_};
    head.content_type = {"application/json"};
    head.request_id = "req-1";
    return head;
  }

  // The outcomes `done` got so far, from any thread.
  struct Outcomes {
    std::mutex mutex;
    std::vector<WebhookResult> results;
    WebhookHandler::Done Collect() {
      return [this](WebhookResult result) {
        std::lock_guard<std::mutex> lock(mutex);
        results.push_back(std::move(result));
      };
    }
    size_t size() {
      std::lock_guard<std::mutex> lock(mutex);
      return results.size();
    }
  };

  WebhookResult HandleAtOnce(WebhookHandler& handler, const std::string& body,
                             const Source* source = nullptr) {
    Outcomes outcomes;
    handler.HandleBody(source ? *source : *source_, Head(), body, WebhookHandler::Clock::now(),
                       outcomes.Collect());
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.size() == 1 ? outcomes.results[0] : WebhookResult{};
  }

  static void ExpectDuplicateBody(const HttpResponse& response, const std::string& id) {
    EXPECT_EQ(response.status, 200);
    rapidjson::Document body;
    body.Parse(response.body.data(), response.body.size());
    ASSERT_TRUE(body.IsObject()) << response.body;
    EXPECT_EQ(body.MemberCount(), 3u) << response.body;
    EXPECT_STREQ(body["status"].GetString(), "accepted");
    EXPECT_EQ(std::string(body["id"].GetString()), id);
    EXPECT_TRUE(body["duplicate"].IsBool() && body["duplicate"].GetBool()) << response.body;
  }

  std::string error_;
  std::string bearer_ = std::string("Bearer ") + kKey;
  KeyStore keys_;
  FakePublisher publisher_;
  std::shared_ptr<const Source> source_;
  DedupWindow::Clock::time_point now_{std::chrono::hours(1)};
};

TEST_F(WebhookDedupTest, ACopyOfAPersistedEventIsADuplicateWithoutARecord) {
  WebhookHandler handler(keys_, publisher_, Options());
  WebhookResult first = HandleAtOnce(handler, Event("evt_a"));
  EXPECT_EQ(first.response.status, 200);
  EXPECT_FALSE(first.duplicate);
  WebhookResult copy = HandleAtOnce(handler, Event("evt_a"));
  EXPECT_TRUE(copy.duplicate);
  EXPECT_EQ(copy.event_id, "evt_a");
  EXPECT_EQ(copy.source, "getprofile");
  ExpectDuplicateBody(copy.response, "evt_a");
  EXPECT_EQ(publisher_.records().size(), 1u);
  // Another event is no copy.
  EXPECT_FALSE(HandleAtOnce(handler, Event("evt_b")).duplicate);
  EXPECT_EQ(publisher_.records().size(), 2u);
}

TEST_F(WebhookDedupTest, ACopyAfterTheWindowProducesAgain) {
  WebhookHandler handler(keys_, publisher_, Options());
  HandleAtOnce(handler, Event("evt_w"));
  now_ += std::chrono::seconds(60);
  EXPECT_FALSE(HandleAtOnce(handler, Event("evt_w")).duplicate);
  EXPECT_EQ(publisher_.records().size(), 2u);
}

TEST_F(WebhookDedupTest, CopiesInFlightWaitForTheFirstAndGetItsPersistedAnswer) {
  WebhookHandler handler(keys_, publisher_, Options());
  publisher_.NeverComplete();
  Outcomes first, copies;
  handler.HandleBody(*source_, Head(), Event("evt_f"), WebhookHandler::Clock::now(),
                     first.Collect());
  handler.HandleBody(*source_, Head(), Event("evt_f"), WebhookHandler::Clock::now(),
                     copies.Collect());
  handler.HandleBody(*source_, Head(), Event("evt_f"), WebhookHandler::Clock::now(),
                     copies.Collect());
  EXPECT_EQ(copies.size(), 0u);  // never a 2xx before PERSISTED
  EXPECT_EQ(publisher_.records().size(), 1u);
  publisher_.CompleteAll(PublishStatus::kPersisted);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first.results[0].response.status, 200);
  EXPECT_FALSE(first.results[0].duplicate);
  ASSERT_EQ(copies.size(), 2u);
  for (const WebhookResult& copy : copies.results) {
    EXPECT_TRUE(copy.duplicate);
    ExpectDuplicateBody(copy.response, "evt_f");
  }
  EXPECT_EQ(publisher_.records().size(), 1u);
}

TEST_F(WebhookDedupTest, ACopyOfAFailedFirstGets503AndTheRetryProduces) {
  WebhookHandler handler(keys_, publisher_, Options());
  publisher_.NeverComplete();
  Outcomes first, copy;
  handler.HandleBody(*source_, Head(), Event("evt_x"), WebhookHandler::Clock::now(),
                     first.Collect());
  handler.HandleBody(*source_, Head(), Event("evt_x"), WebhookHandler::Clock::now(),
                     copy.Collect());
  publisher_.CompleteAll(PublishStatus::kFailed);
  ASSERT_EQ(copy.size(), 1u);
  EXPECT_EQ(copy.results[0].response.status, 503);
  EXPECT_THAT(copy.results[0].response.headers, Contains(Pair("Retry-After", "1")));
  publisher_.AnswerWith(PublishStatus::kPersisted);
  WebhookResult retry = HandleAtOnce(handler, Event("evt_x"));
  EXPECT_EQ(retry.response.status, 200);
  EXPECT_FALSE(retry.duplicate);
  EXPECT_EQ(publisher_.records().size(), 2u);
}

TEST_F(WebhookDedupTest, ALateDeliveryIsRememberedForTheSendersRetry) {
  WebhookHandler handler(keys_, publisher_, Options());
  publisher_.NeverComplete();
  Outcomes first;
  handler.HandleBody(*source_, Head(), Event("evt_l"), WebhookHandler::Clock::now(),
                     first.Collect());
  // The adapter answered 503 at the ack deadline; the record is PERSISTED after.
  now_ += std::chrono::seconds(10);
  publisher_.CompleteAll(PublishStatus::kPersisted);
  publisher_.AnswerWith(PublishStatus::kPersisted);
  EXPECT_TRUE(HandleAtOnce(handler, Event("evt_l")).duplicate);
  EXPECT_EQ(publisher_.records().size(), 1u);
}

TEST_F(WebhookDedupTest, RefusedWebhooksAreNotRemembered) {
  WebhookHandler handler(keys_, publisher_, Options());
  publisher_.AnswerWith(PublishStatus::kQueueFull);
  EXPECT_EQ(HandleAtOnce(handler, Event("evt_q")).response.status, 503);
  // 422: the contract refused it (no event name); no window entry either.
  EXPECT_EQ(HandleAtOnce(handler, R"({"id":"evt_q","data":{}})").response.status, 422);
  publisher_.AnswerWith(PublishStatus::kPersisted);
  EXPECT_FALSE(HandleAtOnce(handler, Event("evt_q")).duplicate);
  EXPECT_EQ(publisher_.records().size(), 2u);  // the queue-full try, then this one
}

TEST_F(WebhookDedupTest, AnUnauthenticatedCopyIsRefusedAndDoesNotTouchTheWindow) {
  WebhookHandler handler(keys_, publisher_, Options());
  auto signed_source = std::make_shared<Source>(*source_);
  signed_source->auth = SourceAuth::kSignature;
  signed_source->signature.scheme = SignatureScheme::kStandardWebhooks;
  signed_source->signature.secrets = {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"};
  HandleAtOnce(handler, Event("evt_s"), signed_source.get());  // no signature headers: 401
  EXPECT_TRUE(publisher_.records().empty());
  EXPECT_EQ(handler.dedup_window()->remembered(), 0u);
}

TEST_F(WebhookDedupTest, ASourceWithDedupOffAndLongIdsAreNotDeduplicated) {
  WebhookHandler handler(keys_, publisher_, Options());
  auto off = std::make_shared<Source>(*source_);
  off->dedup = false;
  HandleAtOnce(handler, Event("evt_o"), off.get());
  EXPECT_FALSE(HandleAtOnce(handler, Event("evt_o"), off.get()).duplicate);
  const std::string long_id(kMaxDedupIdBytes + 1, 'i');
  HandleAtOnce(handler, Event(long_id));
  EXPECT_FALSE(HandleAtOnce(handler, Event(long_id)).duplicate);
  EXPECT_EQ(publisher_.records().size(), 4u);
  EXPECT_EQ(handler.dedup_window()->remembered(), 0u);
}

TEST_F(WebhookDedupTest, ZeroMaxIdsTurnsDeduplicationOff) {
  WebhookOptions options = Options();
  options.dedup_max_ids = 0;
  WebhookHandler handler(keys_, publisher_, options);
  EXPECT_EQ(handler.dedup_window(), nullptr);
  HandleAtOnce(handler, Event("evt_z"));
  EXPECT_FALSE(HandleAtOnce(handler, Event("evt_z")).duplicate);
  EXPECT_EQ(publisher_.records().size(), 2u);
}

}  // namespace
}  // namespace hookbridge
