// The example consumer (examples/consumer) on the real broker, with the
// hookbridge binary in front: events sent through the bridge reach the
// handler once each, in per-profile order, also across handler failures and
// a consumer restart; duplicates (the same ce_id twice in the topic) are
// handed over once.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "event_consumer.h"
#include "hookbridge_process.h"
#include "kafka_test_client.h"

namespace hookbridge::example {
namespace {

using e2e::HookbridgeProcess;
using namespace std::chrono_literals;

constexpr int kPartitions = 6;
constexpr const char* kKey = "consumer-test-key-0123456789";

// What the handler saw, in order.
struct Handed {
  std::string id;
  std::string profile;  // the record key
  int partition;
  int64_t offset;
};

std::string Unique(const std::string& prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::random_device random;
  return prefix + "." + info->name() + "." + std::to_string(random());
}

std::string EventBody(const std::string& id, const std::string& profile, int sequence) {
  return R"({"id":")" + id +
         R"(","event":"profile.updated","tenant_id":"t1","data":{"profile_id":")" + profile +
         R"(","seq":)" + std::to_string(sequence) + "}}";
}

// Per profile, the ids in the order they were sent.
using SentOrder = std::map<std::string, std::vector<std::string>>;

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* brokers = std::getenv("HOOKBRIDGE_E2E_BROKERS");
    ASSERT_NE(brokers, nullptr) << "HOOKBRIDGE_E2E_BROKERS must name the real Kafka broker "
                                   "(ctest sets it and starts one: the kafka_broker fixture)";
    brokers_ = brokers;
    topic_ = Unique("consumer");
    group_ = Unique("consumer-group");
    ASSERT_EQ(e2e::CreateTopic(brokers_, topic_, kPartitions), "");
    bridge_ = std::make_unique<HookbridgeProcess>(
        std::map<std::string, std::string>{{"HOOKBRIDGE_LISTEN", "127.0.0.1:0"},
                                           {"GETPROFILE_API_KEY", kKey},
                                           {"HOOKBRIDGE_KAFKA_BROKERS", brokers_},
                                           {"HOOKBRIDGE_KAFKA_TOPIC", topic_},
                                           {"HOOKBRIDGE_DRAIN_GRACE_MS", "0"},
                                           // Copies must reach Kafka, as a retry that
                                           // reached another instance does: the consumer
                                           // is what drops them here.
                                           {"HOOKBRIDGE_DEDUP_MAX_IDS", "0"}});
    ASSERT_TRUE(bridge_->started()) << bridge_->output();
  }

  // Sends one event through the bridge, as GetProfile does: the next one
  // only after this one's 200.
  void Send(const std::string& body) {
    httplib::Client client("127.0.0.1", bridge_->port());
    client.set_read_timeout(10, 0);
    auto result =
        client.Post("/webhooks/getprofile", {{"Authorization", std::string("Bearer ") + kKey}},
                    body, "application/json");
    ASSERT_TRUE(result) << "no answer from hookbridge";
    ASSERT_EQ(result->status, 200) << result->body;
  }

  // `events_per_profile` events for each of `profiles` profiles, interleaved.
  SentOrder SendEvents(int profiles, int events_per_profile) {
    SentOrder sent;
    for (int sequence = 0; sequence < events_per_profile; ++sequence) {
      for (int p = 0; p < profiles; ++p) {
        std::string profile = "profile-" + std::to_string(p);
        std::string id = "evt_" + profile + "_" + std::to_string(sequence);
        Send(EventBody(id, profile, sequence));
        if (HasFatalFailure()) return sent;
        sent[profile].push_back(id);
      }
    }
    return sent;
  }

  ConsumerOptions Options() {
    ConsumerOptions options;
    options.brokers = brokers_;
    options.topic = topic_;
    options.group_id = group_;
    options.first_retry_backoff = 50ms;
    options.max_retry_backoff = 200ms;
    options.properties = {{"log_level", "3"}};
    options.log = [this](const std::string& text) { reports_.push_back(text); };
    return options;
  }

  std::unique_ptr<EventConsumer> NewConsumer(EventHandler handler, ConsumerOptions options) {
    std::string error;
    auto consumer = EventConsumer::Create(std::move(options), std::move(handler), &error);
    EXPECT_NE(consumer, nullptr) << error;
    return consumer;
  }
  std::unique_ptr<EventConsumer> NewConsumer(EventHandler handler) {
    return NewConsumer(std::move(handler), Options());
  }

  // Polls until `done` is true or `timeout` passes.
  static bool PollUntil(EventConsumer& consumer, const std::function<bool()>& done,
                        std::chrono::milliseconds timeout = 60s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      consumer.PollOnce(100ms);
    }
    return true;
  }

  // Polls for `period` more: nothing else may be handed over.
  static void PollFor(EventConsumer& consumer, std::chrono::milliseconds period) {
    auto deadline = std::chrono::steady_clock::now() + period;
    while (std::chrono::steady_clock::now() < deadline) consumer.PollOnce(100ms);
  }

  static EventHandler Recorder(std::vector<Handed>& handed) {
    return [&handed](const Event& event) {
      handed.push_back({event.id, event.key, event.partition, event.offset});
      return true;
    };
  }

  // Every sent id handed over exactly once, and per profile in send order.
  static void ExpectOncePerIdInProfileOrder(const std::vector<Handed>& handed,
                                            const SentOrder& sent) {
    std::map<std::string, int> times;
    SentOrder order;
    for (const Handed& h : handed) {
      ++times[h.id];
      order[h.profile].push_back(h.id);
    }
    size_t total = 0;
    for (const auto& [profile, ids] : sent) {
      total += ids.size();
      for (const std::string& id : ids)
        EXPECT_EQ(times[id], 1) << id << " handed over " << times[id] << " times";
    }
    EXPECT_EQ(handed.size(), total);
    EXPECT_EQ(order, sent) << "per-profile order differs from the send order";
  }

  std::string brokers_;
  std::string topic_;
  std::string group_;
  std::unique_ptr<HookbridgeProcess> bridge_;
  std::vector<std::string> reports_;
};

TEST_F(ConsumerTest, EachEventOnceInProfileOrderAndDuplicatesSkipped) {
  SentOrder sent = SendEvents(6, 8);  // 48 events over 6 profiles
  ASSERT_FALSE(HasFatalFailure());
  // Late duplicates, as after a 503 whose record was stored after all: the
  // sender sends the same event again. Both copies are in Kafka.
  Send(EventBody("evt_profile-2_0", "profile-2", 0));
  Send(EventBody("evt_profile-5_7", "profile-5", 7));
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_EQ(e2e::CountRecords(brokers_, topic_, kPartitions), 50);

  std::vector<Handed> handed;
  auto consumer = NewConsumer(Recorder(handed));
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(PollUntil(
      *consumer, [&] { return handed.size() >= 48 && consumer->stats().duplicates_skipped >= 2; }))
      << handed.size() << " handed, " << consumer->stats().duplicates_skipped << " duplicates";
  PollFor(*consumer, 1s);

  ExpectOncePerIdInProfileOrder(handed, sent);
  EXPECT_EQ(consumer->stats().handled, 48u);
  EXPECT_EQ(consumer->stats().duplicates_skipped, 2u);
  EXPECT_EQ(consumer->stats().handler_failures, 0u);
  EXPECT_EQ(consumer->stats().commit_failures, 0u);
  // Records of one profile share a partition (the key is the profile id).
  std::map<std::string, std::set<int>> partitions;
  for (const Handed& h : handed) partitions[h.profile].insert(h.partition);
  for (const auto& [profile, used] : partitions) EXPECT_EQ(used.size(), 1u) << profile;
}

TEST_F(ConsumerTest, FailedHandlerCallIsRetriedAndLaterEventsOfItsPartitionWait) {
  SentOrder sent = SendEvents(4, 5);  // 20 events over 4 profiles
  ASSERT_FALSE(HasFatalFailure());

  // evt_profile-1_1 fails twice, evt_profile-3_0 throws once: each is handed
  // over again, and nothing after it in its partition is handed over first.
  std::map<std::string, int> attempts;
  std::vector<Handed> handed;
  auto consumer = NewConsumer([&](const Event& event) {
    int attempt = ++attempts[event.id];
    if (event.id == "evt_profile-1_1" && attempt <= 2) return false;
    if (event.id == "evt_profile-3_0" && attempt == 1) throw std::runtime_error("handler broke");
    handed.push_back({event.id, event.key, event.partition, event.offset});
    return true;
  });
  ASSERT_NE(consumer, nullptr);
  ASSERT_TRUE(PollUntil(*consumer, [&] { return handed.size() >= 20; }))
      << handed.size() << " handed";
  PollFor(*consumer, 1s);

  ExpectOncePerIdInProfileOrder(handed, sent);
  EXPECT_EQ(attempts["evt_profile-1_1"], 3);
  EXPECT_EQ(attempts["evt_profile-3_0"], 2);
  EXPECT_EQ(consumer->stats().handler_failures, 3u);
  EXPECT_EQ(consumer->stats().handled, 20u);
  // Within each partition, offsets were handed over in order with no gap
  // skipped: a failed record held back the ones after it.
  std::map<int, std::vector<int64_t>> offsets;
  for (const Handed& h : handed) offsets[h.partition].push_back(h.offset);
  for (const auto& [partition, list] : offsets) {
    for (size_t i = 0; i < list.size(); ++i)
      EXPECT_EQ(list[i], static_cast<int64_t>(i)) << partition;
  }
  bool reported = false;
  for (const std::string& report : reports_)
    reported |= report.find("handler broke") != std::string::npos;
  EXPECT_TRUE(reported) << "the exception was not reported";
}

TEST_F(ConsumerTest, RestartResumesFromCommittedOffsetsWithoutLossOrRepeat) {
  SentOrder sent = SendEvents(8, 5);  // 40 events over 8 profiles
  ASSERT_FALSE(HasFatalFailure());

  // The first member handles 15 events, then fails on the 16th and stops:
  // the failed one was not committed and must come back; the 15 must not.
  std::vector<Handed> first_handed;
  std::string failed_id;
  {
    auto first = NewConsumer([&](const Event& event) {
      if (first_handed.size() == 15) {
        failed_id = event.id;
        return false;
      }
      first_handed.push_back({event.id, event.key, event.partition, event.offset});
      return true;
    });
    ASSERT_NE(first, nullptr);
    ASSERT_TRUE(PollUntil(*first, [&] { return !failed_id.empty(); })) << first_handed.size();
    first->Close();  // leaves the group; a second member in it takes over
    EXPECT_EQ(first->stats().handled, 15u);
    EXPECT_EQ(first->stats().commit_failures, 0u);
  }

  // A new member of the same group, as after a restart of the service.
  std::vector<Handed> second_handed;
  auto second = NewConsumer(Recorder(second_handed));
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(PollUntil(*second, [&] { return second_handed.size() >= 25; }))
      << second_handed.size();
  PollFor(*second, 1s);

  std::set<std::string> first_ids;
  for (const Handed& h : first_handed) first_ids.insert(h.id);
  for (const Handed& h : second_handed) {
    EXPECT_EQ(first_ids.count(h.id), 0u)
        << h.id << " was committed before the restart, yet handed again";
  }
  bool failed_came_back = false;
  for (const Handed& h : second_handed) failed_came_back |= h.id == failed_id;
  EXPECT_TRUE(failed_came_back) << failed_id << " failed before the restart and never came back";

  std::vector<Handed> all = first_handed;
  all.insert(all.end(), second_handed.begin(), second_handed.end());
  ExpectOncePerIdInProfileOrder(all, sent);
}

TEST_F(ConsumerTest, RefusesAutoCommit) {
  ConsumerOptions options = Options();
  options.properties.emplace_back("enable.auto.commit", "true");
  std::string error;
  EXPECT_EQ(EventConsumer::Create(
                options, [](const Event&) { return true; }, &error),
            nullptr);
  EXPECT_NE(error.find("enable.auto.commit"), std::string::npos) << error;
}

TEST(RecentIdsTest, KeepsTheLastNIdsAndForgetsTheLeastRecentlyUsed) {
  RecentIds recent(3);
  recent.Insert("a");
  recent.Insert("b");
  recent.Insert("c");
  EXPECT_TRUE(recent.Contains("a"));  // a is now the most recently used
  recent.Insert("d");                 // drops b
  EXPECT_EQ(recent.size(), 3u);
  EXPECT_FALSE(recent.Contains("b"));
  EXPECT_TRUE(recent.Contains("a"));
  EXPECT_TRUE(recent.Contains("c"));
  EXPECT_TRUE(recent.Contains("d"));
  recent.Insert("d");  // already there: no growth
  EXPECT_EQ(recent.size(), 3u);
}

TEST(RecentIdsTest, ZeroCapacityRemembersNothing) {
  RecentIds recent(0);
  recent.Insert("a");
  EXPECT_FALSE(recent.Contains("a"));
  EXPECT_EQ(recent.size(), 0u);
}

}  // namespace
}  // namespace hookbridge::example
