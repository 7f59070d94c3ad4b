// Scale-out, proved: three hookbridge instances on loopback ports behind
// Debian's nginx, running the shipped load balancer configuration
// (deploy/nginx: the upstream block and hookbridge-proxy.conf), on the real
// Kafka broker named by HOOKBRIDGE_E2E_BROKERS, with a fresh 6-partition topic.
//
// The loss checker sends N profile.updated webhooks through nginx from C
// senders, each sender owning its own profiles and sending a profile's events
// one after another (the next only after the previous one's 2xx), and retries
// every non-2xx answer and connection error as GetProfile does. Once a third
// of the events are acknowledged, one instance gets SIGTERM (it drains and
// exits); once two thirds are, another gets SIGKILL. The third carries on.
//
// Asserted: every acknowledged event is on the topic; every instance served a
// share of the 2xx (from its own access log); per profile, the first stored
// copy of each event comes before the first stored copy of the next; the
// drained instance exits 0; the only non-2xx answers are the retryable 502,
// 503 and 504; nginx never sent a POST twice (by its access log: no request
// passed on after bytes of it went to an instance; by the instances' logs: no
// request id at two instances); and nginx's passive health check kept it off
// the drained instance. The report, with the traffic split per instance and
// the error counts, goes to stdout and to <build>/scaleout-reports/scaleout.txt.
//
// Environment (optional): HOOKBRIDGE_SCALEOUT_EVENTS (20000),
// HOOKBRIDGE_SCALEOUT_CONCURRENCY (32), HOOKBRIDGE_SCALEOUT_PROFILES (640).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "../e2e/hookbridge_process.h"
#include "../e2e/kafka_test_client.h"
#include "../support/env_number.h"
#include "../support/tail.h"
#include "instances_behind_nginx.h"
#include "loss_checker.h"
#include "nginx_front.h"
#include "traffic_logs.h"

namespace hookbridge::scaleout {
namespace {

using namespace std::chrono_literals;
using e2e::HookbridgeProcess;
using faults::Clock;

constexpr int kInstances = 3;
constexpr int kPartitions = 6;
constexpr const char* kApiKey = "scaleout-key-0123456789abcdef";
// nginx has no active health check: the draining instance keeps getting
// requests for the whole grace period (it answers them, each with
// `Connection: close`), then refuses connections and nginx moves on. Short,
// to keep the run bounded.
constexpr const char* kDrainGraceMs = "1000";
const std::string kReportDir = SCALEOUT_REPORT_DIR;

using test_support::EnvNumber;

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

std::string Fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

using test_support::Tail;

// `text` with its line breaks and indentation squeezed to single spaces, for
// answers such as nginx's HTML error pages.
std::string OneLine(const std::string& text) {
  std::string line;
  for (char c : text) {
    const bool space = c == '\n' || c == '\r' || c == ' ' || c == '\t';
    if (space && (line.empty() || line.back() == ' ')) continue;
    line += space ? ' ' : c;
  }
  return line;
}

struct Instance {
  std::unique_ptr<HookbridgeProcess> process;
  int port = -1;
  std::string fate = "ran to the end";
  int exit_code = -1;
  double exit_seconds = -1;  // from its signal to its exit
  InstanceTraffic traffic;
};

class ScaleOut : public ::testing::Test {
 protected:
  void TearDown() override {
    if (run_) run_->Stop();
    if (!HasFailure()) return;
    for (size_t i = 0; i < instances_.size(); ++i) {
      if (instances_[i].process) {
        std::cerr << "--- instance " << i << " output (tail) ---\n"
                  << Tail(instances_[i].process->output(), 15);
      }
    }
    if (front_) std::cerr << "--- nginx error log (tail) ---\n" << Tail(front_->ErrorLog(), 30);
  }

  void StartInstances() {
    ASSERT_NO_FATAL_FAILURE(RequireBrokers(&brokers_));
    topic_ = "scaleout." + faults::RandomRunId();
    ASSERT_EQ(e2e::CreateTopic(brokers_, topic_, kPartitions), "")
        << "cannot create the topic on " << brokers_ << ": is the broker up?";
    const std::map<std::string, std::string> env = {{"GETPROFILE_API_KEY", kApiKey},
                                                    {"HOOKBRIDGE_KAFKA_BROKERS", brokers_},
                                                    {"HOOKBRIDGE_KAFKA_TOPIC", topic_},
                                                    {"HOOKBRIDGE_DRAIN_GRACE_MS", kDrainGraceMs}};
    Instances processes;
    StartReadyInstances(env, kInstances, &processes);
    // Kept even after a failure, for TearDown's output tails.
    for (std::unique_ptr<HookbridgeProcess>& process : processes) {
      instances_.emplace_back();
      instances_.back().port = process->port();
      instances_.back().process = std::move(process);
    }
    ASSERT_FALSE(HasFatalFailure());
  }

  void StartFront() {
    std::vector<int> ports;
    for (const Instance& instance : instances_) ports.push_back(instance.port);
    front_ = std::make_unique<NginxFront>(ports);
    ASSERT_TRUE(front_->started()) << front_->problem();
  }

  // Waits until `count` events are acknowledged, reaping `draining` (the
  // instance that got SIGTERM, if any) as soon as it exits, to time its drain.
  void WaitForAcknowledged(size_t count, Instance* draining, Clock::time_point signalled) {
    const auto deadline = Clock::now() + 120s;
    while (run_->acknowledged() < count && !run_->done() && Clock::now() < deadline) {
      ReapIfExited(draining, signalled, 0ms);
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_GE(run_->acknowledged(), count)
        << "only " << run_->acknowledged() << " of " << count << " acknowledged";
  }

  static void ReapIfExited(Instance* instance, Clock::time_point signalled,
                           std::chrono::milliseconds timeout) {
    if (instance == nullptr || instance->exit_code != -1) return;
    instance->exit_code = instance->process->WaitForExit(timeout);
    if (instance->exit_code != -1) instance->exit_seconds = Seconds(Clock::now() - signalled);
  }

  std::string brokers_;
  std::string topic_;
  std::vector<Instance> instances_;
  std::unique_ptr<NginxFront> front_;
  std::unique_ptr<faults::LoadRun> run_;
};

TEST_F(ScaleOut, ThreeInstancesBehindNginxSurviveADrainAndACrash) {
  const auto started = Clock::now();
  ASSERT_NO_FATAL_FAILURE(StartInstances());
  ASSERT_NO_FATAL_FAILURE(StartFront());

  faults::LoadOptions options;
  options.port = front_->port();
  options.api_key = kApiKey;
  options.events = EnvNumber("HOOKBRIDGE_SCALEOUT_EVENTS", 20000);
  options.concurrency = static_cast<int>(EnvNumber("HOOKBRIDGE_SCALEOUT_CONCURRENCY", 32));
  options.profiles = EnvNumber("HOOKBRIDGE_SCALEOUT_PROFILES", 640);
  options.ordered_per_sender = true;
  options.overall_deadline = 150s;
  const size_t events = options.events;
  run_ = std::make_unique<faults::LoadRun>(options);
  run_->Start();

  Instance& drained = instances_[0];
  Instance& killed = instances_[1];
  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(events / 3, nullptr, started));
  const size_t acknowledged_at_sigterm = run_->acknowledged();
  const double sigterm_at = run_->elapsed().count();  // seconds into the load
  const auto sigterm_sent = Clock::now();
  ASSERT_TRUE(drained.process->Signal(SIGTERM));
  drained.fate = "SIGTERM at " + std::to_string(acknowledged_at_sigterm) + " acknowledged";

  ASSERT_NO_FATAL_FAILURE(WaitForAcknowledged(2 * events / 3, &drained, sigterm_sent));
  const size_t acknowledged_at_sigkill = run_->acknowledged();
  const double sigkill_at = run_->elapsed().count();
  const auto sigkill_sent = Clock::now();
  killed.exit_code = killed.process->SignalAndWait(SIGKILL, 10s);
  killed.exit_seconds = Seconds(Clock::now() - sigkill_sent);
  killed.fate = "SIGKILL at " + std::to_string(acknowledged_at_sigkill) + " acknowledged";
  ReapIfExited(&drained, sigterm_sent, 60s);

  ASSERT_TRUE(run_->Wait(180s)) << "the senders did not finish";
  const double load_seconds = run_->elapsed().count();
  Instance& survivor = instances_[2];
  const auto stop_sent = Clock::now();
  survivor.exit_code = survivor.process->SignalAndWait(SIGTERM, 60s);
  survivor.exit_seconds = Seconds(Clock::now() - stop_sent);
  survivor.fate = "ran to the end, then SIGTERM";
  const int nginx_exit = front_->Stop();

  faults::ConsumeOptions consume;
  consume.brokers = brokers_;
  consume.topic = topic_;
  consume.timeout = 60s;
  faults::LossReport report = faults::CheckTopic(*run_, consume);
  report.scenario = "scaleout";

  // Who served what.
  const size_t minimum_per_instance = events / 20;
  std::map<std::string, size_t> request_ids;  // over all instances
  size_t instance_2xx = 0;
  for (Instance& instance : instances_) {
    instance.traffic = ReadInstanceTraffic(instance.process->output());
    instance_2xx += instance.traffic.Count("200");
    for (const auto& [id, lines] : instance.traffic.request_ids) request_ids[id] += lines;
  }
  size_t requests_seen_twice = 0;
  for (const auto& [id, lines] : request_ids) requests_seen_twice += lines > 1 ? 1 : 0;
  const NginxTraffic nginx = ReadNginxTraffic(front_->AccessLog());
  // Passive health checks: once the drained instance refuses connections,
  // nginx tries it max_fails times per fail_timeout, not on every third
  // request. Its failed attempts are those, plus the requests caught in its
  // accept queue when it closed (reset: at most one per sender).
  const PassiveHealthCheck health_check = front_->health_check();
  size_t drained_failed_attempts = 0;
  {
    auto attempts = nginx.attempts.find("127.0.0.1:" + std::to_string(drained.port));
    if (attempts != nginx.attempts.end()) {
      for (const auto& [status, count] : attempts->second) {
        drained_failed_attempts += status != "200" ? count : 0;
      }
    }
  }
  const size_t health_check_windows =
      1 + static_cast<size_t>((load_seconds - sigterm_at) /
                              std::chrono::duration<double>(health_check.fail_timeout).count());
  const size_t drained_failed_attempts_bound =
      static_cast<size_t>(options.concurrency) +
      static_cast<size_t>(health_check.max_fails) * health_check_windows;
  size_t non_retryable = 0;  // answers a sender would not retry: none may come
  for (const auto& [status, count] : report.non_2xx_by_status) {
    if (status != 502 && status != 503 && status != 504) non_retryable += count;
  }

  std::ostringstream text;
  text << "scale-out: " << kInstances << " hookbridge instances behind nginx (shipped upstream "
       << "block and hookbridge-proxy.conf), topic " << topic_ << " (" << kPartitions
       << " partitions), " << events << " events, " << options.concurrency << " senders, "
       << options.profiles << " profiles (each owned by one sender), drain grace " << kDrainGraceMs
       << " ms\n";
  text << "faults: SIGTERM to instance 0 at " << Fixed(sigterm_at) << " s into the load ("
       << acknowledged_at_sigterm << " acknowledged), SIGKILL to instance 1 at "
       << Fixed(sigkill_at) << " s (" << acknowledged_at_sigkill << " acknowledged)\n";
  text << "traffic per instance (from its own access log):\n";
  for (size_t i = 0; i < instances_.size(); ++i) {
    const Instance& instance = instances_[i];
    text << "  instance " << i << " 127.0.0.1:" << instance.port
         << " 2xx=" << instance.traffic.Count("200") << " 503=" << instance.traffic.Count("503")
         << " other="
         << instance.traffic.webhooks - instance.traffic.Count("200") -
                instance.traffic.Count("503")
         << " share_of_2xx="
         << Fixed(instance_2xx > 0 ? 100.0 * static_cast<double>(instance.traffic.Count("200")) /
                                         static_cast<double>(instance_2xx)
                                   : 0)
         << "% | " << instance.fate << "; exit status " << instance.exit_code << " after "
         << Fixed(instance.exit_seconds) << " s\n";
  }
  text << "client (through nginx): sends=" << report.sends.total() << " 2xx=" << report.sends.ok_2xx
       << " non_2xx=";
  {
    const char* separator = "";
    for (const auto& [status, count] : report.non_2xx_by_status) {
      text << separator << status << ":" << count;
      separator = ",";
    }
    if (report.non_2xx_by_status.empty()) text << "none";
  }
  text << " connection_errors=" << report.sends.connection_errors()
       << " (connect_failed=" << report.sends.connect_failed
       << " no_answer=" << report.sends.no_answer << ")"
       << " retried_events=" << report.retried << " retry_sends=" << report.retry_sends << "\n";
  text << "topic: acknowledged=" << report.acknowledged << " consumed=" << report.consumed_distinct
       << " missing=" << report.missing << " duplicates=" << report.duplicates
       << " (bridge=" << report.duplicates_bridge
       << " sender_retry=" << report.duplicates_sender_retry
       << " unattributed=" << report.duplicates_unattributed << ")"
       << " retried_then_stored=" << report.retried_then_stored
       << " order_pairs=" << report.order_pairs << " order_violations=" << report.order_violations
       << "\n";
  text << "nginx: requests=" << nginx.requests << " answers=";
  {
    const char* separator = "";
    for (const auto& [status, count] : nginx.by_status) {
      text << separator << status << ":" << count;
      separator = ",";
    }
  }
  text << " passed_to_next_instance=" << nginx.passed_to_next_instance
       << " (after sending to the first: " << nginx.passed_on_after_sending << ")"
       << " no_live_instance=" << nginx.no_live_instance << " exit_status=" << nginx_exit << "\n";
  for (const auto& [address, statuses] : nginx.attempts) {
    text << "  attempts on " << address << ":";
    for (const auto& [status, count] : statuses) text << " " << status << "=" << count;
    text << "\n";
  }
  for (const auto& [problem, count] : CountNginxProblems(front_->ErrorLog())) {
    text << "  nginx " << problem << ": " << count << "\n";
  }
  text << "failed attempts on the drained instance: " << drained_failed_attempts
       << " (passive health check " << front_->server_parameters() << ": at most "
       << drained_failed_attempts_bound << ")\n";
  text << "requests logged by more than one instance (a POST sent twice): " << requests_seen_twice
       << "\n";
  text << "durations: load_s=" << Fixed(load_seconds)
       << " consume_s=" << Fixed(report.consume_seconds)
       << " total_s=" << Fixed(Seconds(Clock::now() - started)) << "\n";
  text << "loss checker: " << report.Line() << "\n";
  for (const std::string& id : report.missing_sample) text << "missing: " << id << "\n";
  for (const std::string& pair : report.order_violation_sample)
    text << "out of order: " << pair << "\n";
  // 502 and 504 are nginx's own pages; the error log lines above say why.
  for (const std::string& answer : report.other_answers) {
    if (answer.rfind("502 ", 0) != 0 && answer.rfind("504 ", 0) != 0) {
      text << "other answer: " << OneLine(answer) << "\n";
    }
  }
  std::cout << text.str() << std::flush;
  mkdir(kReportDir.c_str(), 0755);
  std::ofstream(kReportDir + "/scaleout.txt") << text.str();

  EXPECT_TRUE(report.consume_complete) << report.consume_error;
  EXPECT_EQ(report.missing, 0u) << "acknowledged but not in Kafka";
  EXPECT_EQ(report.never_acknowledged, 0u) << "events that never got a 2xx";
  for (size_t i = 0; i < instances_.size(); ++i) {
    EXPECT_GT(instances_[i].traffic.Count("200"), minimum_per_instance)
        << "instance " << i << " took too little of the traffic";
  }
  EXPECT_EQ(report.order_violations, 0u) << "events of a profile stored out of order";
  // Every pair of consecutive events of a profile was checked.
  EXPECT_EQ(report.order_pairs, events > options.profiles ? events - options.profiles : 0);
  EXPECT_EQ(drained.exit_code, 0) << "the drained instance must exit 0\n"
                                  << Tail(drained.process->output(), 20);
  EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
  EXPECT_EQ(non_retryable, 0u) << "answers other than 2xx, 502, 503 and 504";
  // No POST sent twice: by nginx's own account, and by the instances'.
  EXPECT_EQ(nginx.passed_on_after_sending, 0u)
      << "nginx passed a request on to a second instance after sending it to the first";
  EXPECT_EQ(requests_seen_twice, 0u) << "a request reached two instances";
  EXPECT_LE(drained_failed_attempts, drained_failed_attempts_bound)
      << "nginx kept trying the drained instance: passive health checks not in force";
  EXPECT_EQ(nginx.unparsed_lines, 0u) << "nginx access log lines not understood";
}

}  // namespace
}  // namespace hookbridge::scaleout
