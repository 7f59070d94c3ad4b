// Fault scenarios: the guarantee "a 2xx means the event is in Kafka" under a
// broker crash (also on a broker secured with SASL_SSL and ACLs,
// scripts/kafka-secured-broker.sh), a frozen broker, a drained hookbridge and
// a killed hookbridge, and for a dead letter produced while the broker is frozen.
//
// Each scenario runs on its OWN single-node Kafka broker (started and stopped
// through scripts/kafka-broker.sh, on its own port and state dir, so killing
// it disturbs nothing else) with its own topic, and drives the real hookbridge
// binary with the loss checker: N webhooks with unique ids, every non-2xx
// answer and connection error retried as GetProfile would. A fault is
// injected once about a third of the events are acknowledged; afterwards the
// topic is read from the beginning and compared with what was acknowledged.
//
// Every scenario asserts: no acknowledged event is missing, every event was
// eventually acknowledged and is on the topic. The report line goes to stdout
// and to <build>/fault-reports/<scenario>.txt.
//
// Environment (optional): HOOKBRIDGE_FAULTS_EVENTS (20000),
// HOOKBRIDGE_FAULTS_CONCURRENCY (32), HOOKBRIDGE_FAULTS_BASE_PORT (19292: the
// scenarios' brokers listen on BASE, BASE+2, BASE+4, BASE+6, their controllers
// on the next port up; the secured one on BASE+16 (SASL_SSL), BASE+17
// (controller) and BASE+18 (mutual TLS); ports that are taken are skipped for
// free ones).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include "../e2e/bridge_fixture.h"  // CountOf
#include "../e2e/kafka_test_client.h"
#include "../e2e/supervised_hookbridge.h"
#include "../support/env_number.h"
#include "../support/loopback.h"
#include "../support/run_script.h"
#include "../support/tail.h"
#include "hookbridge/core/config.h"  // kMinimumRecordTimeout
#include "loss_checker.h"

namespace hookbridge::faults {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 6;
constexpr const char* kApiKey = "faults-key-0123456789abcdef";
constexpr const char* kAckTimeoutMs = "1500";
constexpr const char* kDrainGraceMs = "300";
constexpr const char* kWebhookPath = "/webhooks/getprofile";
const std::string kScript = std::string(HOOKBRIDGE_SOURCE_DIR) + "/scripts/kafka-broker.sh";
// The same broker with SASL_SSL on its port and mutual TLS on port + 2 (issue 24).
const std::string kSecuredScript =
    std::string(HOOKBRIDGE_SOURCE_DIR) + "/scripts/kafka-secured-broker.sh";
const std::string kReportDir = FAULT_REPORT_DIR;
const std::string kBrokerDirs = FAULT_BROKER_DIR;

using test_support::EnvNumber;

void MakeDirs(const std::string& path) {
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    mkdir(path.substr(0, slash).c_str(), 0755);
    if (slash == std::string::npos) break;
  }
}

// True if nothing listens on 127.0.0.1:port (and nothing holds it bound).
bool PortFree(int port) {
  int sock = socket(AF_INET, SOCK_STREAM, 0);
  if (sock < 0) return false;
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // as Kafka does
  sockaddr_in address = test_support::LoopbackAddress(port);
  bool free = bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(sock);
  return free;
}

// The broker's port: `preferred` (its controller takes the next one) unless
// something else holds one of the two, e.g. another checkout running this
// suite; then the next free pair, in steps that keep scenarios apart.
int PickBrokerPort(int preferred, int ports = 2) {
  for (int port = preferred; port < preferred + 800; port += 8) {
    bool free = true;
    for (int i = 0; i < ports; ++i) free = free && PortFree(port + i);
    if (free) return port;
  }
  return preferred;
}

double Seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

// One dedicated broker, driven through scripts/kafka-broker.sh (or its
// secured sibling, which takes the same commands).
class Broker {
 public:
  Broker(int port, std::string state_dir, std::string script = kScript)
      : port_(port), state_dir_(std::move(state_dir)), script_(std::move(script)) {}

  // Runs `kafka-broker.sh command`; true on exit status 0. *output gets
  // stdout and stderr.
  bool Run(const std::string& command, std::string* output = nullptr) const {
    return test_support::RunScript(
        script_, {command},
        {{"KAFKA_PORT", std::to_string(port_)}, {"KAFKA_STATE_DIR", state_dir_}}, output);
  }

  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& state_dir() const { return state_dir_; }

  pid_t Pid() const {
    std::string output;
    if (!Run("pid", &output)) return -1;
    return static_cast<pid_t>(std::atoi(output.c_str()));
  }

  // The partitions' partition.metadata files hold the topic id. Kafka writes
  // them asynchronously; a broker killed before that treats the partition
  // dirs as stray on restart and sets them aside with their records (a test
  // set-up hazard, not a hookbridge one). So wait until they are on disk.
  bool WaitForPartitionMetadata(const std::string& topic, int partitions,
                                std::chrono::milliseconds timeout) const {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int present = 0;
      for (int p = 0; p < partitions; ++p) {
        std::string path =
            state_dir_ + "/data/" + topic + "-" + std::to_string(p) + "/partition.metadata";
        struct stat info {};
        present += stat(path.c_str(), &info) == 0 && info.st_size > 0 ? 1 : 0;
      }
      if (present == partitions) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  std::string LogTail(size_t lines) const {
    std::ifstream file(state_dir_ + "/broker.log");
    std::vector<std::string> all;
    for (std::string line; std::getline(file, line);) all.push_back(line);
    std::string tail;
    for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
      tail += all[i] + "\n";
    return tail;
  }

 private:
  int port_;
  std::string state_dir_;
  std::string script_;
};

using e2e::CountOf;
using test_support::Tail;

class FaultScenario : public ::testing::Test {
 protected:
  // Scenario index: picks the broker's port.
  // `secured`: on scripts/kafka-secured-broker.sh, hookbridge through
  // SASL_SSL as User:hookbridge (the password from a file), the test's own
  // clients as the super user over mutual TLS.
  void StartScenario(const std::string& name, int index, bool secured = false) {
    secured_ = secured;
    scenario_ = name;
    started_ = Clock::now();
    events_ = EnvNumber("HOOKBRIDGE_FAULTS_EVENTS", 20000);
    concurrency_ = static_cast<int>(EnvNumber("HOOKBRIDGE_FAULTS_CONCURRENCY", 32));
    int base = static_cast<int>(EnvNumber("HOOKBRIDGE_FAULTS_BASE_PORT", 19292));
    MakeDirs(kBrokerDirs);
    MakeDirs(kReportDir);
    const std::string state_dir = kBrokerDirs + "/" + name;
    const std::string& script = secured ? kSecuredScript : kScript;
    // whatever an interrupted earlier run left
    Broker(base + 2 * index, state_dir, script).Run("stop");
    broker_ = std::make_unique<Broker>(PickBrokerPort(base + 2 * index, secured ? 3 : 2), state_dir,
                                       script);
    ASSERT_TRUE(broker_->Run("start")) << "could not start the scenario's broker";
    // The secured broker lets hookbridge write topics prefixed "hookbridge." only.
    topic_ = std::string(secured ? "hookbridge." : "") + "faults." + name + "." + RandomRunId();
    if (secured) e2e::UseClientProperties(AdminProperties());
    ASSERT_EQ(e2e::CreateTopic(AdminBootstrap(), topic_, kPartitions), "");
    ASSERT_TRUE(broker_->WaitForPartitionMetadata(topic_, kPartitions, 30s))
        << "partition.metadata files did not appear";
  }

  void TearDown() override {
    if (run_) run_->Stop();
    if (HasFailure()) {
      if (bridge_) {
        std::cerr << "--- hookbridge output (tail) ---\n" << Tail(bridge_->process().output(), 40);
      }
      if (broker_) std::cerr << "--- broker log (tail) ---\n" << broker_->LogTail(60);
    }
    bridge_.reset();
    if (broker_) broker_->Run("stop");
    if (secured_) e2e::UseClientProperties({});
  }

  // The secured broker's secrets, made at its start.
  std::string Secret(const std::string& name) const {
    return broker_->state_dir() + "/secrets/" + name;
  }

  // Where the test's own clients connect: the secured broker's mutual TLS
  // listener (port + 2), as the super user.
  std::string AdminBootstrap() const {
    if (!secured_) return broker_->bootstrap();
    const std::string bootstrap = broker_->bootstrap();
    const int port = std::atoi(bootstrap.substr(bootstrap.rfind(':') + 1).c_str());
    return "127.0.0.1:" + std::to_string(port + 2);
  }

  std::vector<std::pair<std::string, std::string>> AdminProperties() const {
    if (!secured_) return {};
    std::ifstream file(Secret("admin.key.password"));
    std::string key_password;
    std::getline(file, key_password);
    return {{"security.protocol", "SSL"},
            {"ssl.ca.location", Secret("ca.pem")},
            {"ssl.certificate.location", Secret("admin.crt")},
            {"ssl.key.location", Secret("admin.key")},
            {"ssl.key.password", key_password}};
  }

  std::map<std::string, std::string> BridgeEnvironment(int port) const {
    std::map<std::string, std::string> env = {
        {"HOOKBRIDGE_LISTEN", "127.0.0.1:" + std::to_string(port)},
        {"GETPROFILE_API_KEY", kApiKey},
        {"HOOKBRIDGE_KAFKA_BROKERS", broker_->bootstrap()},
        {"HOOKBRIDGE_KAFKA_TOPIC", topic_},
        {"HOOKBRIDGE_ACK_TIMEOUT_MS", kAckTimeoutMs},
        {"HOOKBRIDGE_DRAIN_GRACE_MS", kDrainGraceMs},
        {"HOOKBRIDGE_FAULT_INJECTION", "1"}};  // SIGUSR2: a fatal producer error
    if (!dead_letter_topic_.empty()) env["HOOKBRIDGE_DEAD_LETTER_TOPIC"] = dead_letter_topic_;
    if (secured_) {
      env["HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL"] = "SASL_SSL";
      env["HOOKBRIDGE_RDKAFKA_SASL_MECHANISMS"] = "SCRAM-SHA-512";
      env["HOOKBRIDGE_RDKAFKA_SASL_USERNAME"] = "hookbridge";
      env["HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE"] = Secret("hookbridge.password");
      env["HOOKBRIDGE_RDKAFKA_SSL_CA_LOCATION"] = Secret("ca.pem");
    }
    return env;
  }

  // Starts hookbridge (again, after the previous one exited or was killed):
  // on a free port the first time, then on the same port. The test plays the
  // supervisor itself (SupervisedHookbridge::Supervise is not used).
  void StartBridge() {
    if (!bridge_) {
      bridge_ = std::make_unique<e2e::SupervisedHookbridge>(
          [this](int port) { return BridgeEnvironment(port); });
    }
    ASSERT_TRUE(bridge_->Start()) << bridge_->process().output();
    port_ = bridge_->port();
  }

  void StartLoad() {
    LoadOptions options;
    options.port = port_;
    options.api_key = kApiKey;
    options.events = events_;
    options.concurrency = concurrency_;
    options.overall_deadline = 180s;
    run_ = std::make_unique<LoadRun>(options);
    run_->Start();
  }

  // Blocks until a third of the events are acknowledged (the fault goes in then).
  void WaitForAThird() {
    ASSERT_TRUE(run_->WaitForAcknowledged(events_ / 3, 120s))
        << "only " << run_->acknowledged() << " of " << events_ / 3
        << " acknowledged before the fault";
  }

  // Waits for the senders, reads the topic, reports, and checks the guarantee.
  void Finish(const std::vector<size_t>* before_fault = nullptr) {
    ASSERT_TRUE(run_->Wait(240s)) << "senders did not finish";
    ConsumeOptions consume;
    consume.brokers = AdminBootstrap();
    consume.properties = AdminProperties();
    consume.topic = topic_;
    consume.timeout = 90s;
    report_ = CheckTopic(*run_, consume, before_fault);
    report_.scenario = scenario_;
    const double total = Seconds(Clock::now() - started_);

    std::ostringstream text;
    text << report_.Line() << "\n";
    text << "scenario=" << scenario_ << " topic=" << topic_ << " concurrency=" << concurrency_
         << " ack_timeout_ms=" << kAckTimeoutMs << " drain_grace_ms=" << kDrainGraceMs
         << " duration_s=" << static_cast<int>(total + 0.5) << "\n";
    for (const std::string& note : notes_) text << note << "\n";
    for (const std::string& id : report_.missing_sample) text << "missing: " << id << "\n";
    for (const std::string& answer : report_.other_answers)
      text << "other answer: " << answer << "\n";
    std::cout << text.str() << std::flush;
    std::ofstream(kReportDir + "/" + scenario_ + ".txt") << text.str();

    EXPECT_TRUE(report_.consume_complete) << report_.consume_error;
    EXPECT_EQ(report_.missing, 0u) << "acknowledged but not in Kafka";
    if (before_fault != nullptr) {
      EXPECT_EQ(report_.acked_before_fault_missing, 0u)
          << "acknowledged before the fault, then lost";
    }
    EXPECT_EQ(report_.never_acknowledged, 0u) << "events that never got a 2xx";
    EXPECT_EQ(report_.acknowledged, events_);
    EXPECT_EQ(report_.consumed_distinct, events_) << "every event must end up on the topic";
    EXPECT_EQ(report_.sends.status_other, 0u) << "answers other than 2xx and 503";
    // The producer is idempotent: a request is never stored twice. Every
    // record carries the checker's traceparent, or the split means nothing.
    EXPECT_EQ(report_.duplicates_bridge, 0u) << "a request stored twice";
    EXPECT_EQ(report_.duplicates_unattributed, 0u) << "records without the checker's traceparent";
  }

  void Note(const std::string& note) { notes_.push_back(note); }

  // Kafka back within message.timeout.ms (at least 60 s, docs/producer-settings.md):
  // a record answered 503 meanwhile is stored late or not at all, never
  // dropped as "possibly persisted", and the dedup window answers the
  // sender's retries of the late ones. So no event is stored twice (issue
  // 22). Down for longer, that is not promised: only noted.
  void ExpectEachEventStoredOnce(double kafka_down_s) {
    // The ack deadline here (kAckTimeoutMs) is far below the minimum, so
    // message.timeout.ms is kMinimumRecordTimeout. An outage is measured until
    // the broker serves again; the producer then still needs a moment to
    // reconnect (reconnect.backoff.max.ms, 1 s) and send what it holds, so an
    // outage within this margin of the timeout may already see records expire.
    constexpr auto kReconnectMargin = 5s;
    constexpr double kLongestCheckedOutageS =
        std::chrono::duration<double>(kMinimumRecordTimeout - kReconnectMargin).count();
    if (kafka_down_s >= kLongestCheckedOutageS) {
      std::cout << "Kafka was down " << kafka_down_s
                << " s, near message.timeout.ms: duplicates not checked\n";
      return;
    }
    EXPECT_EQ(report_.duplicates, 0u) << "an event stored twice though Kafka was back within "
                                         "message.timeout.ms";
  }

  // A figure, not a check: seconds from now until the next event is
  // acknowledged (the service is back), or -1 if none within `timeout`.
  double SecondsUntilNextAcknowledgement(std::chrono::milliseconds timeout) const {
    auto from = Clock::now();
    size_t at = run_->acknowledged();
    if (!run_->WaitForAcknowledged(at + 1, timeout)) return -1;
    return Seconds(Clock::now() - from);
  }

  // Scenario a, plain and secured, once StartScenario ran: the broker is
  // SIGKILLed when a third of the events are acknowledged, then restarted on
  // the same data. `broker` names it in the report.
  void KillAndRestartBrokerUnderLoad(const std::string& broker) {
    ASSERT_NO_FATAL_FAILURE(StartBridge());
    StartLoad();
    ASSERT_NO_FATAL_FAILURE(WaitForAThird());

    std::vector<size_t> before = run_->AcknowledgedSoFar();
    auto killed_at = Clock::now();
    ASSERT_TRUE(broker_->Run("kill"));
    std::this_thread::sleep_for(1s);  // hookbridge sees the broker gone
    ASSERT_TRUE(broker_->Run("restart")) << "the broker did not come back on its own data";
    const double down = Seconds(Clock::now() - killed_at);
    Note(broker + " down for " + std::to_string(down) +
         " s (kill, 1 s, restart until it serves); first 2xx " +
         std::to_string(SecondsUntilNextAcknowledgement(60s)) + " s after the broker served again");

    ASSERT_NO_FATAL_FAILURE(Finish(&before));
    ExpectEachEventStoredOnce(down);
  }

  std::string scenario_;
  bool secured_ = false;
  Clock::time_point started_;
  size_t events_ = 0;
  int concurrency_ = 0;
  std::unique_ptr<Broker> broker_;
  std::string topic_;
  std::string dead_letter_topic_;
  int port_ = 0;
  std::unique_ptr<e2e::SupervisedHookbridge> bridge_;
  std::unique_ptr<LoadRun> run_;
  LossReport report_;
  std::vector<std::string> notes_;
};

// a. The broker is SIGKILLed mid-run, then restarted on the same data.
TEST_F(FaultScenario, BrokerKilledAndRestartedOnSameData) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("broker_sigkill", 0));
  ASSERT_NO_FATAL_FAILURE(KillAndRestartBrokerUnderLoad("broker"));
}

// a, on a secured broker (issue 24): hookbridge produces through SASL_SSL
// (SCRAM-SHA-512, the password from a file) with only Write and Describe on
// its topic; the broker is SIGKILLed mid-run and restarted on the same data,
// and hookbridge re-authenticates on its own. 0 missing, no duplicate.
TEST_F(FaultScenario, SecuredBrokerKilledAndRestartedOnSameData) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("secured_broker_sigkill", 8, /*secured=*/true));
  // A quarter of the plain scenario's events: the kill and restart are the
  // same, and CI's time is short (about 30 s instead of 2 minutes).
  events_ = std::min<size_t>(events_, 5000);
  ASSERT_NO_FATAL_FAILURE(KillAndRestartBrokerUnderLoad("SASL_SSL broker"));
}

// b. The broker is frozen (SIGSTOP) for longer than the ack deadline.
TEST_F(FaultScenario, BrokerPausedLongerThanAckDeadline) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("broker_sigstop", 1));
  ASSERT_NO_FATAL_FAILURE(StartBridge());
  StartLoad();
  ASSERT_NO_FATAL_FAILURE(WaitForAThird());

  pid_t pid = broker_->Pid();
  ASSERT_GT(pid, 0);
  std::vector<size_t> before = run_->AcknowledgedSoFar();
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  // Acks already on their way may still land within the deadline; after it,
  // nothing can be acknowledged while the broker is frozen.
  std::this_thread::sleep_for(2s);
  size_t acknowledged_frozen = run_->acknowledged();
  std::this_thread::sleep_for(2s);
  size_t acknowledged_before_cont = run_->acknowledged();
  ASSERT_EQ(kill(pid, SIGCONT), 0);
  Note("paused 4 s; acknowledged while frozen (from 2 s after SIGSTOP to SIGCONT): " +
       std::to_string(acknowledged_before_cont - acknowledged_frozen) + "; first 2xx " +
       std::to_string(SecondsUntilNextAcknowledgement(60s)) + " s after SIGCONT");

  ASSERT_NO_FATAL_FAILURE(Finish(&before));
  ExpectEachEventStoredOnce(4);
  EXPECT_EQ(acknowledged_before_cont, acknowledged_frozen) << "2xx answers while Kafka was frozen";
  EXPECT_GT(report_.sends.status_503, 0u) << "the pause outlasted the ack deadline: expected 503s";
}

// c. hookbridge gets SIGTERM mid-run: it drains, answers what is in flight,
// exits 0; a new one takes over the same port and the senders carry on.
TEST_F(FaultScenario, HookbridgeDrainedBySigtermAndReplaced) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("hookbridge_sigterm", 2));
  ASSERT_NO_FATAL_FAILURE(StartBridge());
  StartLoad();
  ASSERT_NO_FATAL_FAILURE(WaitForAThird());

  std::vector<size_t> before = run_->AcknowledgedSoFar();
  auto signalled = Clock::now();
  int exit_code = bridge_->process().SignalAndWait(SIGTERM, 30s);
  auto exited = Clock::now();
  // Requests that were in flight when it exited fail within moments: look a
  // little past the exit, before the new instance is started.
  std::this_thread::sleep_for(300ms);
  const auto window_end = Clock::now();
  std::string old_output = bridge_->process().output();
  // A request on a keep-alive connection that the old instance had accepted
  // and served before must get an answer. A request on a connection opened
  // during the drain may instead sit in the listen queue when the instance
  // stops accepting, and be reset by the kernel: counted, not asserted on.
  const size_t unanswered_reused =
      run_->CountFailures(SendOutcome::kNoAnswer, signalled, window_end, /*reused_only=*/true);
  const size_t unanswered_all = run_->CountFailures(SendOutcome::kNoAnswer, signalled, window_end);
  const size_t old_200 = CountOf(old_output, R"("status":200,)");  // webhook access-log lines
  const size_t old_503 = CountOf(old_output, R"("status":503,)");
  Note("SIGTERM: exit code " + std::to_string(exit_code) + " after " +
       std::to_string(Seconds(exited - signalled)) + " s; old instance logged " +
       std::to_string(old_200) + " 2xx and " + std::to_string(old_503) +
       " 503; requests without an answer from SIGTERM to exit+300ms: " +
       std::to_string(unanswered_all) +
       " (on reused keep-alive connections: " + std::to_string(unanswered_reused) + ")");
  std::string when;  // ms after SIGTERM of each request left without an answer
  for (const FailedSend& failure : run_->failures()) {
    if (failure.outcome == SendOutcome::kNoAnswer && failure.at >= signalled &&
        failure.at < window_end) {
      when += (when.empty() ? "" : ",") +
              std::to_string(static_cast<int>(Seconds(failure.at - signalled) * 1000));
    }
  }
  Note("SIGTERM: the old instance exited " +
       std::to_string(static_cast<int>(Seconds(exited - signalled) * 1000)) +
       " ms after SIGTERM; requests without an answer failed at ms after SIGTERM: [" + when + "]");
  EXPECT_EQ(exit_code, 0) << Tail(old_output, 20);
  EXPECT_NE(old_output.find(R"("message":"stopped","undelivered_records":0})"), std::string::npos)
      << Tail(old_output, 20);
  EXPECT_EQ(unanswered_reused, 0u)
      << "requests on connections of the draining instance got no answer";

  ASSERT_NO_FATAL_FAILURE(StartBridge());
  Note("first 2xx " + std::to_string(SecondsUntilNextAcknowledgement(60s)) +
       " s after the new instance listened");
  ASSERT_NO_FATAL_FAILURE(Finish(&before));
}

// d. hookbridge is SIGKILLed mid-run and restarted on the same port: nothing
// acknowledged before the kill may be missing.
TEST_F(FaultScenario, HookbridgeKilledAndRestarted) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("hookbridge_sigkill", 3));
  ASSERT_NO_FATAL_FAILURE(StartBridge());
  StartLoad();
  ASSERT_NO_FATAL_FAILURE(WaitForAThird());

  std::vector<size_t> before = run_->AcknowledgedSoFar();
  EXPECT_EQ(bridge_->process().SignalAndWait(SIGKILL, 10s), 128 + SIGKILL);
  std::this_thread::sleep_for(500ms);  // the senders find nobody listening
  ASSERT_NO_FATAL_FAILURE(StartBridge());
  Note("acknowledged before the kill: " + std::to_string(before.size()) + "; first 2xx " +
       std::to_string(SecondsUntilNextAcknowledgement(60s)) + " s after the new instance listened");

  ASSERT_NO_FATAL_FAILURE(Finish(&before));
  EXPECT_GT(report_.sends.connection_errors(), 0u) << "the kill should have cut connections";
}

// A fatal producer error (injected with SIGUSR2): no 2xx without the record
// stored, the process exits 3 for its supervisor, and a restarted instance
// carries on (the test plays the supervisor).
TEST_F(FaultScenario, FatalProducerErrorExitsForRestart) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("fatal_producer_error", 4));
  ASSERT_NO_FATAL_FAILURE(StartBridge());
  StartLoad();
  ASSERT_NO_FATAL_FAILURE(WaitForAThird());

  std::vector<size_t> before = run_->AcknowledgedSoFar();
  EXPECT_EQ(bridge_->process().SignalAndWait(SIGUSR2, 30s), 3) << bridge_->process().output();
  EXPECT_NE(bridge_->process().output().find("fatal Kafka producer error"), std::string::npos);
  ASSERT_NO_FATAL_FAILURE(StartBridge());
  Note("acknowledged before the fatal error: " + std::to_string(before.size()));

  ASSERT_NO_FATAL_FAILURE(Finish(&before));
}

// A dead letter is held to the promise of every 2xx: with the broker frozen,
// an authenticated event that fails the checks gets 503 with Retry-After,
// never 200 dead_lettered; once the broker is back, the sender's retry is
// dead-lettered and the record is on the dead-letter topic (and nothing on
// the main topic).
TEST_F(FaultScenario, DeadLetterWhileBrokerPausedIs503ThenStoredOnRetry) {
  ASSERT_NO_FATAL_FAILURE(StartScenario("dead_letter_sigstop", 5));
  dead_letter_topic_ = topic_ + ".dead";
  ASSERT_EQ(e2e::CreateTopic(broker_->bootstrap(), dead_letter_topic_, 1), "");
  ASSERT_TRUE(broker_->WaitForPartitionMetadata(dead_letter_topic_, 1, 30s));
  ASSERT_NO_FATAL_FAILURE(StartBridge());

  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(10, 0);
  const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kApiKey}};
  // An event without a profile: authenticated, read whole, fails the checks.
  const std::string body =
      R"({"id":"evt-dead-paused","event":"profile.updated","tenant_id":"t1","data":{}})";

  pid_t pid = broker_->Pid();
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGSTOP), 0);
  auto paused = client.Post(kWebhookPath, auth, body, "application/json");
  ASSERT_EQ(kill(pid, SIGCONT), 0);
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->status, 503) << paused->body;
  EXPECT_TRUE(paused->has_header("Retry-After"));
  EXPECT_EQ(paused->body.find("dead_lettered"), std::string::npos) << paused->body;

  // The sender retries, as GetProfile would, until the broker answers again.
  int status = 0;
  std::string answer;
  auto deadline = Clock::now() + 60s;
  do {
    std::this_thread::sleep_for(200ms);
    auto retried = client.Post(kWebhookPath, auth, body, "application/json");
    ASSERT_TRUE(retried);
    status = retried->status;
    answer = retried->body;
    ASSERT_TRUE(status == 200 || status == 503) << status << " " << answer;
  } while (status != 200 && Clock::now() < deadline);
  ASSERT_EQ(status, 200) << "no 2xx within 60 s of SIGCONT";
  EXPECT_NE(answer.find(R"("status":"dead_lettered")"), std::string::npos) << answer;

  // At least once: the record produced during the pause may be there too.
  std::vector<e2e::ConsumedRecord> records =
      e2e::ConsumeFromBeginning(broker_->bootstrap(), dead_letter_topic_, 1, 30s);
  ASSERT_GE(records.size(), 1u);
  for (const e2e::ConsumedRecord& record : records) {
    EXPECT_EQ(record.key, "evt-dead-paused");
    EXPECT_EQ(record.value, body);
    EXPECT_EQ(record.headers.at("hookbridge_dead_letter_reason"), "schema");
  }
  EXPECT_EQ(e2e::CountRecords(broker_->bootstrap(), topic_, kPartitions), 0);
}

}  // namespace
}  // namespace hookbridge::faults
