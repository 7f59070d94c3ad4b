// Edge deduplication end to end (docs/deduplication.md), on the real broker:
// copies of one event, sent one after another or at once, make one record and
// are answered as duplicates; a copy after the window makes a second record; a
// copy sent while the broker is frozen gets 503 like its original, never 200;
// a Standard Webhooks source deduplicates on webhook-id.
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "../support/prometheus_text.h"
#include "../support/webhook_signer.h"
#include "sources_fixture.h"

namespace hookbridge::e2e {
namespace {

namespace signer = test_support;

constexpr const char* kWhsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// "accepted" or "duplicate" for a 200 answer body; otherwise what it is.
std::string AnswerOf(const httplib::Result& result) {
  if (!result) return "no answer: " + httplib::to_string(result.error());
  if (result->status != 200) return std::to_string(result->status) + " " + result->body;
  rapidjson::Document body;
  body.Parse(result->body.c_str());
  if (!body.IsObject() || !body.HasMember("status") || !body["status"].IsString())
    return "200 without a status: " + result->body;
  if (std::string(body["status"].GetString()) != "accepted") return "200 " + result->body;
  if (!body.HasMember("duplicate")) return "accepted";
  return body["duplicate"].IsBool() && body["duplicate"].GetBool() ? "duplicate"
                                                                   : "bad: " + result->body;
}

class Dedup : public Sources {
 protected:
  test_support::Exposition Scrape() {
    auto response = Get("/metrics");
    EXPECT_TRUE(response);
    return test_support::ParseExposition(response ? response->body : "");
  }
  int64_t Records() { return RecordsIn(topic_); }
};

TEST_F(Dedup, SequentialCopiesMakeOneRecordAndAreAnsweredAsDuplicates) {
  StartBridge();
  const std::string event = ProfileEvent("evt_dedup_seq", "p1");
  EXPECT_EQ(AnswerOf(Post(event)), "accepted");
  EXPECT_EQ(AnswerOf(Post(event)), "duplicate");
  EXPECT_EQ(AnswerOf(Post(event, kOldKey)), "duplicate");  // whichever key
  EXPECT_EQ(AnswerOf(Post(ProfileEvent("evt_dedup_other", "p1"))), "accepted");
  // Every record is PERSISTED before its 200: the count is final now.
  EXPECT_EQ(Records(), 2);
  const test_support::Exposition metrics = Scrape();
  EXPECT_EQ(metrics.Value(R"(hookbridge_duplicates_total{source="getprofile"})"), 2);
  EXPECT_EQ(
      metrics.Value(R"(hookbridge_source_webhooks_total{source="getprofile",outcome="duplicate"})"),
      2);
  EXPECT_EQ(metrics.Value("hookbridge_dedup_remembered_ids"), 2);
  EXPECT_EQ(metrics.Value("hookbridge_dedup_evictions_total"), 0);
}

TEST_F(Dedup, ConcurrentCopiesMakeOneRecord) {
  StartBridge();
  const std::string event = ProfileEvent("evt_dedup_concurrent", "p2");
  constexpr int kCopies = 8;
  std::atomic<bool> go{false};
  std::vector<std::future<std::string>> answers;
  for (int i = 0; i < kCopies; ++i) {
    answers.push_back(std::async(std::launch::async, [&] {
      while (!go.load()) std::this_thread::yield();
      return AnswerOf(Post(event));
    }));
  }
  go = true;
  int accepted = 0, duplicates = 0;
  for (auto& answer : answers) {
    const std::string got = answer.get();
    if (got == "accepted") {
      ++accepted;
    } else if (got == "duplicate") {
      ++duplicates;
    } else {
      ADD_FAILURE() << got;
    }
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(duplicates, kCopies - 1);
  EXPECT_EQ(Records(), 1);
}

TEST_F(Dedup, ACopyAfterTheWindowMakesASecondRecord) {
  auto env = Environment();
  env["HOOKBRIDGE_DEDUP_WINDOW_S"] = "1";
  StartBridge(env);
  const std::string event = ProfileEvent("evt_dedup_window", "p3");
  ASSERT_EQ(AnswerOf(Post(event)), "accepted");
  // Copies are duplicates until the window has passed; then one produces.
  std::string last;
  EXPECT_TRUE(PollUntil(
      30s, [&] { return (last = AnswerOf(Post(event))) == "accepted"; }, 200ms))
      << last;
  EXPECT_EQ(Records(), 2);
}

// The shared broker, frozen with SIGSTOP while alive; SIGCONT however the test ends.
class FrozenBroker {
 public:
  FrozenBroker() {
    std::ifstream(std::string(HOOKBRIDGE_TEST_KAFKA_STATE_DIR) + "/broker.pid") >> pid_;
    // Only a live Kafka broker: a stale pid file may name another process now.
    std::string cmdline;
    if (pid_ > 0)
      std::getline(std::ifstream("/proc/" + std::to_string(pid_) + "/cmdline"), cmdline);
    if (cmdline.find("kafka.Kafka") == std::string::npos) pid_ = 0;
    if (pid_ > 0 && kill(pid_, SIGSTOP) != 0) pid_ = 0;
  }
  ~FrozenBroker() { Thaw(); }
  bool frozen() const { return pid_ > 0; }
  void Thaw() {
    if (pid_ > 0) kill(pid_, SIGCONT);
    pid_ = 0;
  }

 private:
  pid_t pid_ = 0;
};

TEST_F(Dedup, ACopyWhileTheBrokerIsFrozenGets503LikeItsOriginal) {
  auto env = Environment();
  env["HOOKBRIDGE_ACK_TIMEOUT_MS"] = "2000";
  StartBridge(env);
  ASSERT_EQ(AnswerOf(Post(ProfileEvent("evt_dedup_warm", "p4"))), "accepted");  // connected
  const std::string event = ProfileEvent("evt_dedup_frozen", "p4");
  {
    FrozenBroker frozen;
    ASSERT_TRUE(frozen.frozen()) << "no broker pid in " HOOKBRIDGE_TEST_KAFKA_STATE_DIR;
    auto original = std::async(std::launch::async, [&] { return Post(event); });
    // The copy is sent while the original is in flight, when that is seen
    // in time; either way it must not be a 2xx.
    PollUntil(2s, [&] { return Scrape().Value("hookbridge_dedup_remembered_ids") >= 2; });
    httplib::Result copy = Post(event);
    httplib::Result first = original.get();
    ASSERT_TRUE(first);
    ASSERT_TRUE(copy);
    EXPECT_EQ(first->status, 503) << first->body;
    EXPECT_EQ(copy->status, 503) << copy->body;
    EXPECT_EQ(copy->get_header_value("Retry-After"), "1");
  }
  // Thawed: the sender's retry is answered 200 (its record, or a duplicate
  // of the original's, if that was stored late), never before.
  std::string last;
  EXPECT_TRUE(PollUntil(
      60s,
      [&] {
        last = AnswerOf(Post(event));
        return last == "accepted" || last == "duplicate";
      },
      500ms))
      << last;
}

TEST_F(Dedup, AStandardWebhooksSourceDeduplicatesOnWebhookId) {
  const std::string topic = Topic("billing");
  Replace("billing.secret", std::string(kWhsec) + "\n");
  StartWithSources(
      "sources:\n  - name: billing\n    path: /webhooks/billing\n"
      "    auth: standard-webhooks\n    secrets_file: " +
      dir_ + "/billing.secret\n    topic: " + topic + "\n");
  const std::string body = R"({"type":"invoice.paid","data":{"customer_id":987}})";
  const auto send = [&](const std::string& id) {
    const int64_t now = Now();  // signed afresh: each copy has its own signature
    return AnswerOf(
        PostTo("/webhooks/billing",
               {{"webhook-id", id},
                {"webhook-timestamp", std::to_string(now)},
                {"webhook-signature", signer::StandardWebhooksSignature(kWhsec, id, now, body)}},
               body));
  };
  EXPECT_EQ(send("msg_dedup_1"), "accepted");
  EXPECT_EQ(send("msg_dedup_1"), "duplicate");
  EXPECT_EQ(send("msg_dedup_2"), "accepted");  // the same body, another message
  // A copy with a bad signature is refused, and does not count as one.
  auto unsigned_copy =
      PostTo("/webhooks/billing",
             {{"webhook-id", "msg_dedup_1"},
              {"webhook-timestamp", std::to_string(Now())},
              {"webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}},
             body);
  ASSERT_TRUE(unsigned_copy);
  EXPECT_EQ(unsigned_copy->status, 401);
  EXPECT_EQ(RecordsIn(topic), 2);
  const test_support::Exposition metrics = Scrape();
  EXPECT_EQ(metrics.Value(R"(hookbridge_duplicates_total{source="billing"})"), 1);
}

}  // namespace
}  // namespace hookbridge::e2e
