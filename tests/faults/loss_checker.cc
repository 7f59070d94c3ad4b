#include "loss_checker.h"

#include <httplib.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <sstream>

namespace hookbridge::faults {
namespace {

constexpr size_t kMaxOtherAnswers = 5;
constexpr size_t kMaxMissingSample = 10;
constexpr size_t kMaxOrderViolationSample = 10;
constexpr size_t kMaxFailures = 200000;

// Sleeps `duration`, waking early when `stop` turns true.
void SleepUnlessStopped(std::chrono::milliseconds duration, const std::atomic<bool>& stop) {
  auto until = Clock::now() + duration;
  while (!stop && Clock::now() < until) {
    std::this_thread::sleep_for(
        std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(20)));
  }
}

std::unique_ptr<httplib::Client> NewClient(const LoadOptions& options) {
  auto client = std::make_unique<httplib::Client>(options.host, options.port);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  auto seconds = [](std::chrono::milliseconds ms, auto&& set) {
    set(static_cast<time_t>(ms.count() / 1000), static_cast<time_t>((ms.count() % 1000) * 1000));
  };
  seconds(options.connect_timeout,
          [&](time_t s, time_t us) { client->set_connection_timeout(s, us); });
  seconds(options.read_timeout, [&](time_t s, time_t us) { client->set_read_timeout(s, us); });
  seconds(options.read_timeout, [&](time_t s, time_t us) { client->set_write_timeout(s, us); });
  return client;
}

}  // namespace

std::string RandomRunId() {
  std::random_device random;
  char id[17];
  std::snprintf(id, sizeof id, "%08x%08x", random(), random());
  return id;
}

LoadRun::LoadRun(LoadOptions options) : options_(std::move(options)) {
  if (options_.run_id.empty()) options_.run_id = RandomRunId();
  if (options_.concurrency < 1) options_.concurrency = 1;
  if (options_.profiles < 1) options_.profiles = 1;
  outcomes_.resize(options_.events);
}

LoadRun::~LoadRun() { Stop(); }

std::string LoadRun::EventId(size_t n) const {
  return "evt-" + options_.run_id + "-" + std::to_string(n);
}

std::string LoadRun::EventBody(size_t n) const {
  // Java-style modular profile ids, so consecutive events mostly hit
  // different keys (and partitions) while each profile gets several events.
  return R"({"id":")" + EventId(n) + R"(","event":"profile.updated","tenant_id":"tenant-)" +
         std::to_string(n % 7) + R"(","data":{"profile_id":"profile-)" +
         std::to_string(n % options_.profiles) + R"(","status":"ready","seq":)" +
         std::to_string(n) +
         R"(},"created_at":"2026-01-01T00:00:00Z","webhook_id":"wh-loss-checker"})";
}

std::string LoadRun::TraceParent(size_t n, uint32_t attempt) {
  char value[64];
  std::snprintf(value, sizeof value, "00-%032zx-%016" PRIx32 "-01", n + 1, attempt);
  return value;
}

uint32_t LoadRun::AttemptOf(std::string_view traceparent) {
  // "00-" trace-id (32) "-" parent-id (16) "-" flags (2)
  if (traceparent.size() != 55 || traceparent.substr(0, 3) != "00-") return 0;
  const std::string parent_id(traceparent.substr(36, 16));
  char* end = nullptr;
  const unsigned long long attempt = std::strtoull(parent_id.c_str(), &end, 16);
  return end == parent_id.c_str() + parent_id.size() && attempt <= UINT32_MAX
             ? static_cast<uint32_t>(attempt)
             : 0;
}

void LoadRun::Start() {
  if (started_) return;
  started_ = true;
  start_ = Clock::now();
  std::random_device random;
  for (int i = 0; i < options_.concurrency; ++i) {
    threads_.emplace_back(&LoadRun::Sender, this, i, random());
  }
}

size_t LoadRun::NextEvent(int sender, size_t* cursor) {
  if (!options_.ordered_per_sender) return next_++;
  // Event n is for profile n % profiles (EventBody), so the sender that owns
  // a profile meets its events in index order: event k of the profile
  // before event k+1.
  const auto owner = [&](size_t n) {
    return static_cast<int>((n % options_.profiles) % static_cast<size_t>(options_.concurrency));
  };
  while (*cursor < options_.events && owner(*cursor) != sender) ++*cursor;
  return *cursor < options_.events ? (*cursor)++ : options_.events;
}

void LoadRun::Sender(int sender, unsigned seed) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<int64_t> backoff(
      options_.backoff_min.count(), std::max(options_.backoff_min, options_.backoff_max).count());
  const auto deadline = start_ + options_.overall_deadline;
  const httplib::Headers headers = {{"Authorization", "Bearer " + options_.api_key}};
  std::unique_ptr<httplib::Client> client = NewClient(options_);

  size_t cursor = 0;
  while (!stop_) {
    size_t n = NextEvent(sender, &cursor);
    if (n >= options_.events) break;
    if (options_.rate_per_second > 0) {
      auto due = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                              static_cast<double>(n) / options_.rate_per_second));
      while (!stop_ && paced_ && Clock::now() < due) {
        std::this_thread::sleep_for(
            std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(20)));
      }
    }
    const std::string body = EventBody(n);
    uint32_t attempts = 0;
    bool acknowledged = false;
    while (!stop_) {
      ++attempts;
      const bool reused = client->is_socket_open() != 0;
      httplib::Headers attempt_headers = headers;
      attempt_headers.emplace("traceparent", TraceParent(n, attempts));
      httplib::Result result =
          client->Post(options_.path.c_str(), attempt_headers, body, "application/json");
      SendOutcome outcome;
      if (result) {
        outcome = result->status >= 200 && result->status < 300 ? SendOutcome::k2xx
                  : result->status == 503                       ? SendOutcome::k503
                                                                : SendOutcome::kOther;
      } else {
        outcome = result.error() == httplib::Error::Connection ||
                          result.error() == httplib::Error::ConnectionTimeout
                      ? SendOutcome::kConnectFailed
                      : SendOutcome::kNoAnswer;
      }
      Record(outcome, reused,
             result ? std::to_string(result->status) : httplib::to_string(result.error()));
      if (result && outcome != SendOutcome::k2xx) {
        std::lock_guard<std::mutex> lock(mutex_);
        ++non_2xx_by_status_[result->status];
      }
      if (outcome == SendOutcome::kOther) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (other_answers_.size() < kMaxOtherAnswers) {
          other_answers_.push_back(std::to_string(result->status) + " " +
                                   result->body.substr(0, 200));
        }
      }
      if (outcome == SendOutcome::k2xx) {
        acknowledged = true;
        break;
      }
      // httplib closes the socket after an error; the next Post reconnects, so
      // the sender follows a hookbridge restarted on the same port.
      if (Clock::now() >= deadline) break;
      SleepUnlessStopped(std::chrono::milliseconds(backoff(random)), stop_);
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      outcomes_[n].attempts = attempts;
      if (acknowledged) {
        outcomes_[n].acknowledged = true;
        outcomes_[n].acknowledged_at = Clock::now();
      }
    }
    if (acknowledged) ++acknowledged_;
  }
  if (++finished_senders_ == static_cast<size_t>(options_.concurrency)) {
    end_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  }
}

void LoadRun::Record(SendOutcome outcome, bool reused, const std::string& error) {
  std::lock_guard<std::mutex> lock(mutex_);
  switch (outcome) {
    case SendOutcome::k2xx: ++counts_.ok_2xx; return;
    case SendOutcome::k503: ++counts_.status_503; break;
    case SendOutcome::kOther: ++counts_.status_other; break;
    case SendOutcome::kConnectFailed: ++counts_.connect_failed; break;
    case SendOutcome::kNoAnswer:
      ++counts_.no_answer;
      if (reused) ++counts_.no_answer_reused;
      break;
  }
  if (outcome == SendOutcome::kConnectFailed || outcome == SendOutcome::kNoAnswer) {
    ++errors_by_kind_[error];
  }
  if (failures_.size() < kMaxFailures) failures_.push_back({Clock::now(), outcome, reused, error});
}

std::vector<FailedSend> LoadRun::failures() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failures_;
}

size_t LoadRun::CountFailures(SendOutcome outcome, Clock::time_point from, Clock::time_point to,
                              bool reused_only) const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  for (const FailedSend& failure : failures_) {
    count += failure.outcome == outcome && failure.at >= from && failure.at < to &&
                     (!reused_only || failure.reused_connection)
                 ? 1
                 : 0;
  }
  return count;
}

SendCounts LoadRun::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

std::map<std::string, uint64_t> LoadRun::errors_by_kind() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return errors_by_kind_;
}

std::vector<std::string> LoadRun::other_answers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return other_answers_;
}

std::map<int, uint64_t> LoadRun::non_2xx_by_status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return non_2xx_by_status_;
}

bool LoadRun::Wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  return true;
}

void LoadRun::Stop() {
  stop_ = true;
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

bool LoadRun::WaitForAcknowledged(size_t count, std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  while (acknowledged_ < count) {
    if (Clock::now() >= deadline || done()) return acknowledged_ >= count;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::vector<size_t> LoadRun::AcknowledgedSoFar() const {
  std::vector<size_t> ids;
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t n = 0; n < outcomes_.size(); ++n) {
    if (outcomes_[n].acknowledged) ids.push_back(n);
  }
  return ids;
}

size_t LoadRun::AcknowledgedBetween(Clock::time_point from, Clock::time_point to) const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  for (const EventOutcome& outcome : outcomes_) {
    count += outcome.acknowledged && outcome.acknowledged_at >= from && outcome.acknowledged_at < to
                 ? 1
                 : 0;
  }
  return count;
}

double LoadRun::SecondsToFirstAcknowledgementAfter(Clock::time_point at) const {
  std::lock_guard<std::mutex> lock(mutex_);
  bool found = false;
  Clock::time_point first{};
  for (const EventOutcome& outcome : outcomes_) {
    if (outcome.acknowledged && outcome.acknowledged_at >= at &&
        (!found || outcome.acknowledged_at < first)) {
      first = outcome.acknowledged_at;
      found = true;
    }
  }
  return found ? std::chrono::duration<double>(first - at).count() : -1;
}

size_t LoadRun::SecondsWithoutAcknowledgement() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<bool> second_had_2xx;
  for (const EventOutcome& outcome : outcomes_) {
    if (!outcome.acknowledged) continue;
    auto second = static_cast<size_t>(
        std::chrono::duration_cast<std::chrono::seconds>(outcome.acknowledged_at - start_).count());
    if (second >= second_had_2xx.size()) second_had_2xx.resize(second + 1, false);
    second_had_2xx[second] = true;
  }
  return static_cast<size_t>(std::count(second_had_2xx.begin(), second_had_2xx.end(), false));
}

std::chrono::duration<double> LoadRun::elapsed() const {
  if (!started_) return std::chrono::duration<double>(0);
  int64_t end = end_ns_;
  if (end > 0) return std::chrono::nanoseconds(end);
  return Clock::now() - start_;
}

std::string LossReport::Line() const {
  std::ostringstream line;
  line << "fault-report scenario=" << (scenario.empty() ? "-" : scenario) << " events=" << events
       << " acknowledged=" << acknowledged << " consumed=" << consumed_distinct
       << " missing=" << missing << " duplicates=" << duplicates
       << " duplicates_bridge=" << duplicates_bridge
       << " duplicates_sender_retry=" << duplicates_sender_retry
       << " duplicates_unattributed=" << duplicates_unattributed
       << " retried_then_stored=" << retried_then_stored << " sends_503=" << sends.status_503
       << " connection_errors=" << sends.connection_errors() << " | retried=" << retried
       << " never_acknowledged=" << never_acknowledged
       << " unacknowledged_but_stored=" << unacknowledged_but_stored
       << " consumed_records=" << consumed_records << " foreign_records=" << foreign_records
       << " sends_total=" << sends.total() << " sends_2xx=" << sends.ok_2xx
       << " sends_other=" << sends.status_other << " connect_failed=" << sends.connect_failed
       << " no_answer=" << sends.no_answer
       << " no_answer_on_reused_connection=" << sends.no_answer_reused
       << " retry_sends=" << retry_sends;
  if (order_checked) {
    line << " order_pairs=" << order_pairs << " order_violations=" << order_violations;
  }
  if (!non_2xx_by_status.empty()) {
    line << " non_2xx=";
    const char* separator = "";
    for (const auto& [status, count] : non_2xx_by_status) {
      line << separator << status << ":" << count;
      separator = ",";
    }
  }
  if (acked_before_fault != SIZE_MAX) {
    line << " acked_before_fault=" << acked_before_fault
         << " acked_before_fault_missing=" << acked_before_fault_missing;
  }
  if (!errors_by_kind.empty()) {
    line << " errors=";
    const char* separator = "";
    for (const auto& [kind, count] : errors_by_kind) {
      line << separator << kind << ":" << count;
      separator = ",";
    }
  }
  char seconds[64];
  std::snprintf(seconds, sizeof seconds, " send_s=%.1f consume_s=%.1f", send_seconds,
                consume_seconds);
  line << seconds << " consume_complete=" << (consume_complete ? "yes" : "no");
  if (!consume_error.empty()) line << " consume_error=\"" << consume_error << "\"";
  return line.str();
}

namespace {

using Handle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

Handle NewConsumer(const ConsumeOptions& consume, const std::string& group, std::string* error) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::vector<std::pair<std::string, std::string>> settings = {
      {"bootstrap.servers", consume.brokers}, {"group.id", group},
      {"enable.auto.commit", "false"},        {"enable.partition.eof", "true"},
      {"auto.offset.reset", "earliest"},      {"log_level", "3"},
  };
  settings.insert(settings.end(), consume.properties.begin(), consume.properties.end());
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      *error = name + ": " + errstr;
      rd_kafka_conf_destroy(conf);
      return Handle(nullptr, &rd_kafka_destroy);
    }
  }
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (consumer == nullptr) {
    rd_kafka_conf_destroy(conf);
    *error = errstr;
  }
  return Handle(consumer, &rd_kafka_destroy);
}

// The partition ids of `topic`, retried until `deadline` (the broker may be
// still settling after a restart).
std::vector<int32_t> PartitionsOf(rd_kafka_t* client, const std::string& topic,
                                  Clock::time_point deadline, std::string* error) {
  std::vector<int32_t> partitions;
  while (partitions.empty()) {
    rd_kafka_topic_t* handle = rd_kafka_topic_new(client, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(client, 0, handle, &metadata, 5000);
    rd_kafka_topic_destroy(handle);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && metadata->topic_cnt == 1 &&
        metadata->topics[0].err == 0) {
      for (int p = 0; p < metadata->topics[0].partition_cnt; ++p) {
        partitions.push_back(metadata->topics[0].partitions[p].id);
      }
    } else {
      *error = "metadata: " +
               std::string(rd_kafka_err2str(err != 0 ? err
                                            : metadata != nullptr && metadata->topic_cnt == 1
                                                ? metadata->topics[0].err
                                                : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC));
    }
    if (metadata != nullptr) rd_kafka_metadata_destroy(metadata);
    if (partitions.empty()) {
      if (Clock::now() >= deadline) return partitions;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  error->clear();
  return partitions;
}

// Parses "evt-<run>-<n>" for this run; false for anything else.
bool IndexOf(std::string_view id, const std::string& prefix, size_t events, size_t* n) {
  if (id.size() <= prefix.size() || id.substr(0, prefix.size()) != prefix) return false;
  size_t value = 0;
  for (char c : id.substr(prefix.size())) {
    if (c < '0' || c > '9' || value > events) return false;
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  if (value >= events) return false;
  *n = value;
  return true;
}

// A record of an event that already has `copies_so_far` records: which cause
// its copy has, by the attempt number in its traceparent (LoadRun::TraceParent).
// `stored` holds the attempts of that event seen so far.
void CountDuplicateCause(rd_kafka_headers_t* headers, uint32_t copies_so_far,
                         std::vector<uint32_t>* stored, LossReport* report) {
  const void* value = nullptr;
  size_t size = 0;
  const uint32_t attempt =
      rd_kafka_header_get_last(headers, "traceparent", &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR
          ? LoadRun::AttemptOf(std::string_view(static_cast<const char*>(value), size))
          : 0;
  const bool seen = std::find(stored->begin(), stored->end(), attempt) != stored->end();
  if (!seen) stored->push_back(attempt);
  if (copies_so_far == 0) return;
  if (attempt == 0) {
    ++report->duplicates_unattributed;
  } else if (seen) {
    ++report->duplicates_bridge;
  } else {
    ++report->duplicates_sender_retry;
  }
}

}  // namespace

LossReport CheckTopic(const LoadRun& run, const ConsumeOptions& consume,
                      const std::vector<size_t>* before_fault) {
  LossReport report;
  const auto& outcomes = run.outcomes();
  report.events = outcomes.size();
  report.sends = run.counts();
  report.other_answers = run.other_answers();
  report.errors_by_kind = run.errors_by_kind();
  report.non_2xx_by_status = run.non_2xx_by_status();
  report.send_seconds = run.elapsed().count();
  for (const EventOutcome& outcome : outcomes) {
    if (outcome.acknowledged) ++report.acknowledged;
    if (outcome.attempts > 1) {
      ++report.retried;
      report.retry_sends += outcome.attempts - 1;
    }
  }
  report.never_acknowledged = report.events - report.acknowledged;

  const auto started = Clock::now();
  const auto deadline = started + consume.timeout;
  std::vector<uint32_t> copies(outcomes.size(), 0);
  // Where the first copy of each event is stored. A partition is read in
  // offset order, so the first copy read is the first stored.
  struct Position {
    int32_t partition = -1;
    int64_t offset = -1;
  };
  std::vector<Position> first(outcomes.size());
  // The attempt numbers of each event's records (CountDuplicateCause).
  std::vector<std::vector<uint32_t>> stored_attempts(outcomes.size());
  const std::string prefix = "evt-" + run.options().run_id + "-";

  std::string error;
  Handle consumer = NewConsumer(consume, "hookbridge-loss-checker-" + run.options().run_id, &error);
  if (consumer) {
    std::vector<int32_t> partitions = PartitionsOf(consumer.get(), consume.topic, deadline, &error);
    // The end to read up to, per partition: the high watermark now (every
    // acknowledged record is below it: acks=all means it is committed).
    std::map<int32_t, int64_t> end;
    for (int32_t partition : partitions) {
      int64_t low = 0;
      int64_t high = -1;
      rd_kafka_resp_err_t err;
      while ((err = rd_kafka_query_watermark_offsets(consumer.get(), consume.topic.c_str(),
                                                     partition, &low, &high, 5000)) !=
                 RD_KAFKA_RESP_ERR_NO_ERROR &&
             Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error =
            "watermarks of partition " + std::to_string(partition) + ": " + rd_kafka_err2str(err);
        partitions.clear();
        break;
      }
      end[partition] = high;
    }
    if (!partitions.empty()) {
      rd_kafka_topic_partition_list_t* assignment =
          rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size()));
      for (int32_t partition : partitions) {
        rd_kafka_topic_partition_list_add(assignment, consume.topic.c_str(), partition)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
      }
      rd_kafka_assign(consumer.get(), assignment);
      rd_kafka_topic_partition_list_destroy(assignment);

      std::map<int32_t, int64_t> position;  // next offset to read
      for (int32_t partition : partitions) position[partition] = 0;
      auto remaining = [&] {
        size_t left = 0;
        for (const auto& [partition, high] : end) left += position[partition] < high ? 1 : 0;
        return left;
      };
      while (remaining() > 0 && Clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 200);
        if (message == nullptr) continue;
        if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          position[message->partition] = std::max(position[message->partition], message->offset);
        } else if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
          error = std::string("consume: ") + rd_kafka_message_errstr(message);
        } else {
          position[message->partition] =
              std::max(position[message->partition], message->offset + 1);
          if (message->offset < end[message->partition]) {
            const void* value = nullptr;
            size_t size = 0;
            rd_kafka_headers_t* headers = nullptr;
            size_t n = 0;
            if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                rd_kafka_header_get_last(headers, "ce_id", &value, &size) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR &&
                IndexOf(std::string_view(static_cast<const char*>(value), size), prefix,
                        copies.size(), &n)) {
              if (copies[n] == 0) first[n] = {message->partition, message->offset};
              CountDuplicateCause(headers, copies[n], &stored_attempts[n], &report);
              ++copies[n];
              ++report.consumed_records;
            } else {
              ++report.foreign_records;
            }
          }
        }
        rd_kafka_message_destroy(message);
      }
      report.consume_complete = remaining() == 0;
      if (report.consume_complete) {
        error.clear();
      } else if (error.empty()) {
        error = "timed out with " + std::to_string(remaining()) + " partitions not read to the end";
      }
    }
    rd_kafka_consumer_close(consumer.get());
  }
  report.consume_error = error;
  report.consume_seconds = std::chrono::duration<double>(Clock::now() - started).count();

  for (size_t n = 0; n < outcomes.size(); ++n) {
    if (copies[n] > 0) {
      ++report.consumed_distinct;
      report.duplicates += copies[n] - 1;
      if (outcomes[n].attempts > 1) ++report.retried_then_stored;
      if (!outcomes[n].acknowledged) ++report.unacknowledged_but_stored;
    } else if (outcomes[n].acknowledged) {
      ++report.missing;
      if (report.missing_sample.size() < kMaxMissingSample)
        report.missing_sample.push_back(run.EventId(n));
    }
  }
  if (run.options().ordered_per_sender) {
    // Event n + profiles is the next event of n's profile (EventBody), sent
    // by the same sender after n's 2xx.
    report.order_checked = true;
    const size_t profiles = run.options().profiles;
    for (size_t n = 0; n + profiles < outcomes.size(); ++n) {
      const size_t next = n + profiles;
      if (!outcomes[n].acknowledged || copies[n] == 0 || copies[next] == 0) continue;
      ++report.order_pairs;
      if (first[n].partition == first[next].partition && first[n].offset < first[next].offset) {
        continue;
      }
      ++report.order_violations;
      if (report.order_violation_sample.size() < kMaxOrderViolationSample) {
        report.order_violation_sample.push_back(
            run.EventId(n) + " at " + std::to_string(first[n].partition) + "/" +
            std::to_string(first[n].offset) + ", then " + run.EventId(next) + " at " +
            std::to_string(first[next].partition) + "/" + std::to_string(first[next].offset));
      }
    }
  }
  if (before_fault != nullptr) {
    report.acked_before_fault = before_fault->size();
    for (size_t n : *before_fault) {
      if (n < copies.size() && copies[n] == 0) ++report.acked_before_fault_missing;
    }
  }
  return report;
}

}  // namespace hookbridge::faults
