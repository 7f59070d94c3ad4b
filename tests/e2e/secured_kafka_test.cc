// End to end on a secured Kafka (issue 24; scripts/kafka-secured-broker.sh,
// which ctest starts as the kafka_secured_broker fixture): webhooks stored
// through SASL_SSL (SCRAM-SHA-512) and through mutual TLS with the least
// privileges the broker grants User:hookbridge, every secret read from a
// file; each refusal (wrong password, untrusted or expired certificate, a
// broker name that does not match its certificate, a topic the principal may
// not write) named in one log line, in /readyz and by --check-config, with
// nothing acknowledged and no secret shown; and both rotations (password
// file, client certificate).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bridge_fixture.h"
#include "child_process.h"
#include "hookbridge/sources/getprofile_contract.h"
#include "hookbridge_process.h"
#include "kafka_test_client.h"
#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

using Env = std::map<std::string, std::string>;

std::string ReadAll(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  std::string content = text.str();
  while (!content.empty() && content.back() == '\n') content.pop_back();
  return content;
}

class SecuredKafka : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sasl_ = SECURED_SASL;
    mtls_ = SECURED_MTLS;
    secrets_ = SECURED_SECRETS;
    // The tests' own client is the super user (its certificate, CN=admin).
    UseClientProperties({{"security.protocol", "SSL"},
                         {"ssl.ca.location", secrets_ + "/ca.pem"},
                         {"ssl.certificate.location", secrets_ + "/admin.crt"},
                         {"ssl.key.location", secrets_ + "/admin.key"},
                         {"ssl.key.password", ReadAll(secrets_ + "/admin.key.password")}});
    // hookbridge may write topics prefixed "hookbridge." and no other.
    const std::string suffix = std::to_string(::getpid());
    allowed_topic_ = "hookbridge.secured-" + suffix;
    denied_topic_ = "denied.secured-" + suffix;
    created_ = CreateTopic(mtls_, allowed_topic_, 2) + CreateTopic(mtls_, denied_topic_, 1);
  }

  void SetUp() override {
    // ctest starts the broker first: the kafka_secured_broker fixture.
    ASSERT_EQ(created_, "") << "is the secured broker running? (scripts/kafka-secured-broker.sh)";
  }

  static std::string Secret(const std::string& name) { return secrets_ + "/" + name; }

  static Env Base(const std::string& brokers, const std::string& topic) {
    return {{"HOOKBRIDGE_LISTEN", "127.0.0.1:0"},
            {"GETPROFILE_API_KEY", kNewKey},
            {"HOOKBRIDGE_KAFKA_BROKERS", brokers},
            {"HOOKBRIDGE_KAFKA_TOPIC", topic},
            {"HOOKBRIDGE_DRAIN_GRACE_MS", "0"},
            {"HOOKBRIDGE_RDKAFKA_SSL_CA_LOCATION", Secret("ca.pem")}};
  }

  // SCRAM-SHA-512 as `user`, the password from `password_file`.
  static Env Sasl(const std::string& topic, const std::string& password_file) {
    Env env = Base(sasl_, topic);
    env["HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL"] = "SASL_SSL";
    env["HOOKBRIDGE_RDKAFKA_SASL_MECHANISMS"] = "SCRAM-SHA-512";
    env["HOOKBRIDGE_RDKAFKA_SASL_USERNAME"] = "hookbridge";
    env["HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE"] = password_file;
    return env;
  }

  // Mutual TLS with the certificate `name` (NAME.crt, NAME.key, NAME.key.password).
  static Env Mtls(const std::string& topic, const std::string& name,
                  const std::string& brokers = mtls_) {
    Env env = Base(brokers, topic);
    env["HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL"] = "SSL";
    env["HOOKBRIDGE_RDKAFKA_SSL_CERTIFICATE_LOCATION"] = Secret(name + ".crt");
    env["HOOKBRIDGE_RDKAFKA_SSL_KEY_LOCATION"] = Secret(name + ".key");
    env["HOOKBRIDGE_RDKAFKA_SSL_KEY_PASSWORD_FILE"] = Secret(name + ".key.password");
    return env;
  }

  static Answer Post(int port, const std::string& body) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    return AnswerOf(client.Post(kPath, {{"Authorization", std::string("Bearer ") + kNewKey}}, body,
                                "application/json"));
  }

  static Answer Readyz(int port) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    return AnswerOf(client.Get("/readyz"));
  }

  // Whether a record of the allowed topic holds `id`: reads every record the
  // topic has now (acks=all: a 200 means it is below the high watermark).
  static bool OnAllowedTopic(const std::string& id) {
    const int64_t count = CountRecords(mtls_, allowed_topic_, 2);
    if (count <= 0) return false;
    for (const ConsumedRecord& record :
         ConsumeFromBeginning(mtls_, allowed_topic_, static_cast<size_t>(count), 20s)) {
      if (record.value.find(id) != std::string::npos) return true;
    }
    return false;
  }

  // A webhook is stored: 200 once /readyz is ready, and the record is on the topic.
  void ExpectStored(const Env& env, const std::string& id) {
    HookbridgeProcess bridge(env);
    ASSERT_TRUE(bridge.started()) << bridge.output();
    EXPECT_TRUE(PollUntil(30s, [&] { return Readyz(bridge.port()).status == 200; }))
        << Readyz(bridge.port()).Describe() << "\n"
        << bridge.output();
    Answer answer = Post(bridge.port(), ProfileEvent(id, "p-" + id));
    ASSERT_EQ(answer.status, 200) << answer.Describe() << "\n" << bridge.output();
    EXPECT_TRUE(OnAllowedTopic(id)) << id << " is not on " << allowed_topic_;
  }

  // A refused connection or topic: /readyz names `failing` (and stays 503),
  // a webhook gets 503, one error line says `failure`, no secret shows.
  void ExpectRefused(const Env& env, const std::string& failure, const std::string& failing,
                     const std::vector<std::string>& secrets) {
    HookbridgeProcess bridge(env);
    ASSERT_TRUE(bridge.started()) << bridge.output();
    // Not stored: 503 (at the latest when the acknowledgement timeout passes).
    Answer answer = Post(bridge.port(), ProfileEvent("evt_refused_" + failure, "p-refused"));
    EXPECT_EQ(answer.status, 503) << answer.Describe();
    std::vector<std::string> names;
    EXPECT_TRUE(PollUntil(30s,
                          [&] {
                            Answer readyz = Readyz(bridge.port());
                            names = FailingOf(readyz.body);
                            return readyz.status == 503 &&
                                   std::find(names.begin(), names.end(), failing) != names.end();
                          }))
        << Readyz(bridge.port()).Describe() << "\n"
        << bridge.output();
    const std::vector<LogLine> lines = LogLines(bridge.output());
    size_t named = 0;
    for (const LogLine& line : lines) {
      auto kind = line.find("failure");
      named += kind != line.end() && kind->second == failure ? 1 : 0;
    }
    EXPECT_EQ(named, 1u) << "one line names the " << failure << " failure:\n" << bridge.output();
    for (const std::string& secret : secrets) {
      EXPECT_THAT(bridge.output(), Not(HasSubstr(secret)));
    }
  }

  static std::string sasl_;
  static std::string mtls_;
  static std::string secrets_;
  static std::string allowed_topic_;
  static std::string denied_topic_;
  static std::string created_;
};

// openssl s_server with the broker's name on an expired certificate (see
// ExpiredBrokerCertificateIsNamedTlsVerification), on a free port.
class ExpiredBroker {
 public:
  ExpiredBroker()
      : server_("/usr/bin/openssl", {},
                {"s_server", "-accept", "127.0.0.1:0", "-www", "-cert",
                 std::string(SECURED_SECRETS) + "/expired-broker.crt", "-key",
                 std::string(SECURED_SECRETS) + "/expired-broker.key", "-pass",
                 std::string("file:") + SECURED_SECRETS + "/expired-broker.key.password"}) {}

  // Whether it listens (within 10 s): its first line names the port.
  bool Serving() {
    const std::string accepting = "ACCEPT 127.0.0.1:";
    return PollUntil(10s, [&] {
      const std::string& output = server_.output();
      const auto at = output.find(accepting);
      const auto end = at == std::string::npos ? at : output.find('\n', at);
      if (end == std::string::npos) return false;
      address_ = "127.0.0.1:" + output.substr(at + accepting.size(), end - at - accepting.size());
      return true;
    });
  }

  // hookbridge's settings for it: TLS, trusting the suite's CA.
  Env Settings(const std::string& topic) const {
    return {{"HOOKBRIDGE_LISTEN", "127.0.0.1:0"},
            {"GETPROFILE_API_KEY", kNewKey},
            {"HOOKBRIDGE_KAFKA_BROKERS", address_},
            {"HOOKBRIDGE_KAFKA_TOPIC", topic},
            {"HOOKBRIDGE_DRAIN_GRACE_MS", "0"},
            {"HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL", "SSL"},
            {"HOOKBRIDGE_RDKAFKA_SSL_CA_LOCATION", std::string(SECURED_SECRETS) + "/ca.pem"}};
  }

  const std::string& output() const { return server_.output(); }

 private:
  ChildProcess server_;
  std::string address_;
};

std::string SecuredKafka::sasl_;
std::string SecuredKafka::mtls_;
std::string SecuredKafka::secrets_;
std::string SecuredKafka::allowed_topic_;
std::string SecuredKafka::denied_topic_;
std::string SecuredKafka::created_;

TEST_F(SecuredKafka, WebhookIsStoredThroughSaslSslWithThePasswordFromAFile) {
  ExpectStored(Sasl(allowed_topic_, Secret("hookbridge.password")), "evt_sasl_ssl_0001");
}

TEST_F(SecuredKafka, WebhookIsStoredThroughMutualTlsWithTheKeyPasswordFromAFile) {
  ExpectStored(Mtls(allowed_topic_, "hookbridge"), "evt_mutual_tls_0001");
}

TEST_F(SecuredKafka, WrongPasswordIsNamedAuthenticationAndNothingIsAcknowledged) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  WriteFile(dir / "password", "Wrong-Pw-never-shown-7\n");
  ExpectRefused(Sasl(allowed_topic_, dir / "password"), "authentication", "kafka_authentication",
                {"Wrong-Pw-never-shown-7"});
}

TEST_F(SecuredKafka, UntrustedCertificateIsNamedTlsVerification) {
  ExpectRefused(Mtls(allowed_topic_, "untrusted"), "tls_verification", "kafka_tls_verification",
                {ReadAll(Secret("untrusted.key.password"))});
}

// An expired client certificate (signed by the CA the broker trusts, expired
// yesterday). The broker, a JVM, answers the handshake with the TLS alert
// "certificate unknown", as it does for an untrusted one: neither librdkafka
// nor hookbridge is told it expired, so the name is tls_verification. Not a
// dead letter either: the refusal is Kafka's, not the body's.
TEST_F(SecuredKafka, ExpiredClientCertificateIsNamedTlsVerificationAndIsNoDeadLetter) {
  const std::string dead_topic = allowed_topic_ + ".dead-expired";
  ASSERT_EQ(CreateTopic(mtls_, dead_topic, 1), "");
  Env env = Mtls(allowed_topic_, "expired");
  env["HOOKBRIDGE_DEAD_LETTER_TOPIC"] = dead_topic;
  ExpectRefused(env, "tls_verification", "kafka_tls_verification",
                {ReadAll(Secret("expired.key.password"))});
  EXPECT_EQ(CountRecords(mtls_, dead_topic, 1), 0);
}

// A broker certificate that expired: librdkafka's own check of the broker's
// certificate refuses it ("certificate verify failed"). The suite's broker
// cannot serve an expired certificate beside its good one, so openssl
// s_server serves one for the broker's name (IP:127.0.0.1), signed by the CA
// hookbridge trusts: the TLS handshake, where the check happens, is all a
// client reaches before it refuses. (--check-config: the test below.)
TEST_F(SecuredKafka, ExpiredBrokerCertificateIsNamedTlsVerification) {
  ExpiredBroker broker;
  ASSERT_TRUE(broker.Serving()) << broker.output();
  ExpectRefused(broker.Settings(allowed_topic_), "tls_verification", "kafka_tls_verification", {});
}

TEST_F(SecuredKafka, BrokerNameThatDoesNotMatchItsCertificateIsNamedTlsVerification) {
  // The broker's certificate names 127.0.0.1 only; "localhost" (IPv4, where it listens) is
  // the same broker under a name the certificate does not carry.
  const std::string port = mtls_.substr(mtls_.rfind(':') + 1);
  Env env = Mtls(allowed_topic_, "hookbridge", "localhost:" + port);
  env["HOOKBRIDGE_RDKAFKA_BROKER_ADDRESS_FAMILY"] = "v4";
  ExpectRefused(env, "tls_verification", "kafka_tls_verification", {});
}

TEST_F(SecuredKafka, TopicThePrincipalMayNotWriteIsNamedAuthorization) {
  ExpectRefused(Sasl(denied_topic_, Secret("hookbridge.password")), "authorization",
                "kafka_authorization", {ReadAll(Secret("hookbridge.password"))});
}

// Rotation: the password file changes under a running hookbridge (as a
// Kubernetes Secret does); the producer takes the new credentials
// (rd_kafka_sasl_set_credentials) for its next connection, without a restart.
// Started with a wrong password, it is refused until the file holds the
// right one, then stores a webhook: the same process, no restart.
TEST_F(SecuredKafka, ChangedPasswordFileTakesEffectWithoutARestart) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  WriteFile(dir / "password", "Old-Pw-never-shown-9\n");
  HookbridgeProcess bridge(Sasl(allowed_topic_, dir / "password"));
  ASSERT_TRUE(bridge.started()) << bridge.output();
  EXPECT_TRUE(PollUntil(30s, [&] {
    std::vector<std::string> names = FailingOf(Readyz(bridge.port()).body);
    return std::find(names.begin(), names.end(), "kafka_authentication") != names.end();
  })) << bridge.output();

  const std::string password = ReadAll(Secret("hookbridge.password"));
  WriteFile(dir / "password.new", password + "\n");
  ASSERT_EQ(std::rename((dir / "password.new").c_str(), (dir / "password").c_str()), 0);
  EXPECT_TRUE(PollUntil(30s, [&] { return Readyz(bridge.port()).status == 200; }))
      << Readyz(bridge.port()).Describe() << "\n"
      << bridge.output();
  Answer answer = Post(bridge.port(), ProfileEvent("evt_rotated_0001", "p-rotated"));
  EXPECT_EQ(answer.status, 200) << answer.Describe() << "\n" << bridge.output();
  EXPECT_EQ(LogLines(bridge.output(),
                     "Kafka SASL password reloaded: used from the next "
                     "connection on")
                .size(),
            1u)
      << bridge.output();
  EXPECT_THAT(bridge.output(), Not(HasSubstr(password)));
  EXPECT_THAT(bridge.output(), Not(HasSubstr("Old-Pw-never-shown-9")));
}

// Client-certificate rotation: librdkafka 2.8.0 reads ssl.certificate.location
// and ssl.key.location only when the producer is made, and has no call that
// replaces them on a live client (rd_kafka_sasl_set_credentials is SASL's
// alone), so the documented route is a restart through the drain. The
// certificate files change under the running instance (as a Secret update
// swaps them), it gets SIGTERM while webhooks keep coming, and its
// replacement starts on the same paths. Every webhook answered 2xx by either
// is on the topic; the others were told so (non-2xx, or no connection). The
// retiring certificate (CN=hookbridge-retiring) loses its ACL before the
// replacement starts, so the replacement can only be storing with the new one.
TEST_F(SecuredKafka, ClientCertificateRotatesByARestartThroughTheDrain) {
  const std::string retiring = "User:hookbridge-retiring";
  ASSERT_EQ(SetTopicPrefixWriteAcl(mtls_, retiring, "hookbridge.", true), "");
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  // The mounted Secret: each file replaced whole by a rename.
  auto mount = [&dir](const std::string& name) {
    for (const std::string suffix : {".crt", ".key", ".key.password"}) {
      WriteFile(dir / ("new" + suffix), ReadAll(Secret(name + suffix)) + "\n");
      ASSERT_EQ(std::rename((dir / ("new" + suffix)).c_str(), (dir / ("client" + suffix)).c_str()),
                0);
    }
  };
  mount("hookbridge-retiring");
  Env env = Base(mtls_, allowed_topic_);
  env["HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL"] = "SSL";
  env["HOOKBRIDGE_RDKAFKA_SSL_CERTIFICATE_LOCATION"] = dir / "client.crt";
  env["HOOKBRIDGE_RDKAFKA_SSL_KEY_LOCATION"] = dir / "client.key";
  env["HOOKBRIDGE_RDKAFKA_SSL_KEY_PASSWORD_FILE"] = dir / "client.key.password";
  // Requests keep arriving while it drains; each is answered, its connection closed.
  env["HOOKBRIDGE_DRAIN_GRACE_MS"] = "1000";

  HookbridgeProcess old_bridge(env);
  ASSERT_TRUE(old_bridge.started()) << old_bridge.output();
  ASSERT_TRUE(PollUntil(30s, [&] { return Readyz(old_bridge.port()).status == 200; }))
      << Readyz(old_bridge.port()).Describe() << "\n"
      << old_bridge.output();

  // Senders, as GetProfile behind a load balancer: each webhook a new id, to
  // whichever instance is current.
  std::atomic<int> port{old_bridge.port()};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::map<int, int> stored_by_port;  // 200s per instance
  std::vector<std::string> acknowledged;
  size_t refused = 0;
  std::vector<std::thread> senders;
  for (int s = 0; s < 4; ++s) {
    senders.emplace_back([&, s] {
      for (int n = 0; !stop.load(); ++n) {
        const int target = port.load();
        const std::string id = "evt_cert_rotation_" + std::to_string(s) + "_" + std::to_string(n);
        const Answer answer = Post(target, ProfileEvent(id, "p-rotation"));
        {
          std::lock_guard<std::mutex> lock(mutex);
          if (answer.status >= 200 && answer.status < 300) {
            acknowledged.push_back(id);
            ++stored_by_port[target];
          } else {
            ++refused;
          }
        }
        // No instance listening (between the two): do not spin on refused connections.
        if (!answer) std::this_thread::sleep_for(20ms);
      }
    });
  }
  auto stored_by = [&](int instance) {
    std::lock_guard<std::mutex> lock(mutex);
    return stored_by_port[instance];
  };
  EXPECT_TRUE(PollUntil(30s, [&] { return stored_by(old_bridge.port()) >= 20; }));

  mount("hookbridge");
  EXPECT_EQ(old_bridge.SignalAndWait(SIGTERM, 60s), 0) << old_bridge.output();
  ASSERT_EQ(SetTopicPrefixWriteAcl(mtls_, retiring, "hookbridge.", false), "");

  HookbridgeProcess new_bridge(env);
  ASSERT_TRUE(new_bridge.started()) << new_bridge.output();
  EXPECT_TRUE(PollUntil(30s, [&] { return Readyz(new_bridge.port()).status == 200; }))
      << Readyz(new_bridge.port()).Describe() << "\n"
      << new_bridge.output();
  port = new_bridge.port();
  EXPECT_TRUE(PollUntil(30s, [&] { return stored_by(new_bridge.port()) >= 20; }))
      << new_bridge.output();
  stop = true;
  for (auto& sender : senders) sender.join();

  // Every acknowledged webhook is on the topic: read it to its current end.
  const int64_t count = CountRecords(mtls_, allowed_topic_, 2);
  std::set<std::string> on_topic;
  for (const ConsumedRecord& record : ConsumeFromBeginning(
           mtls_, allowed_topic_, static_cast<size_t>(std::max<int64_t>(count, 0)), 30s)) {
    const auto start = record.value.find("evt_cert_rotation_");
    if (start != std::string::npos)
      on_topic.insert(record.value.substr(start, record.value.find('"', start) - start));
  }
  size_t lost = 0;
  for (const std::string& id : acknowledged) lost += on_topic.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(lost, 0u) << "of " << acknowledged.size() << " acknowledged (" << refused
                      << " not acknowledged)";
  EXPECT_THAT(new_bridge.output(), Not(HasSubstr(ReadAll(Secret("hookbridge.key.password")))));
}

// hookbridge-replay on the secured cluster: it reads the dead-letter topic as
// User:hookbridge-replay (Read and Describe on the topic, Read on its group),
// the password from a file, and hookbridge stores what it posts.
TEST_F(SecuredKafka, ReplayReadsTheDeadLetterTopicThroughSaslSsl) {
  const std::string dead_topic = allowed_topic_ + ".dead";
  ASSERT_EQ(CreateTopic(mtls_, dead_topic, 1), "");
  DeadLetterSource source;
  source.refusal = ErrorCode::kInvalidEvent;
  source.message = "refused by the test";
  source.request_id = "req-secured-replay";
  source.received = std::chrono::system_clock::now();
  source.content_type = "application/json";
  source.body = ProfileEvent("evt_replayed_0001", "p-replayed");
  source.source_name = "getprofile";
  KafkaRecord built = GetProfileContract().BuildDeadLetter(std::move(source), HeaderLookup());
  ASSERT_EQ(ProduceRecords(mtls_, dead_topic, {{built.key, built.value, built.headers, 0}}), "");

  HookbridgeProcess bridge(Sasl(allowed_topic_, Secret("hookbridge.password")));
  ASSERT_TRUE(bridge.started()) << bridge.output();
  ASSERT_TRUE(PollUntil(30s, [&] { return Readyz(bridge.port()).status == 200; }))
      << bridge.output();
  ChildProcess replay(
      HOOKBRIDGE_REPLAY_BINARY,
      {{"HOOKBRIDGE_KAFKA_BROKERS", sasl_},
       {"HOOKBRIDGE_DEAD_LETTER_TOPIC", dead_topic},
       {"HOOKBRIDGE_REPLAY_GROUP", "hookbridge-replay." + allowed_topic_},
       {"HOOKBRIDGE_REPLAY_URL", "http://127.0.0.1:" + std::to_string(bridge.port()) + kPath},
       {"HOOKBRIDGE_REPLAY_API_KEY", kNewKey}},
      {"--rdkafka", "security.protocol=SASL_SSL", "--rdkafka", "sasl.mechanisms=SCRAM-SHA-512",
       "--rdkafka", "sasl.username=hookbridge-replay", "--rdkafka",
       "sasl.password.file=" + Secret("hookbridge-replay.password"), "--rdkafka",
       "ssl.ca.location=" + Secret("ca.pem")});
  EXPECT_EQ(replay.WaitForExit(90s), 0) << replay.output();
  EXPECT_THAT(replay.output(), Not(HasSubstr(ReadAll(Secret("hookbridge-replay.password")))));
  EXPECT_TRUE(OnAllowedTopic("evt_replayed_0001"))
      << "the replayed event is not on " << allowed_topic_;
}

// --check-config: exit 0 with the password shown by its file only; each
// refusal named, exit non-zero. Run at once: a failing check takes up to 10 s.
TEST_F(SecuredKafka, CheckConfigNamesEachRefusalAndShowsNoSecret) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  WriteFile(dir / "password", "Wrong-Pw-never-shown-8\n");
  struct Run {
    Env env;
    std::string expected;  // in the output
    int exit_code = -1;
    std::string output;
  };
  std::vector<Run> runs;
  auto add = [&runs](Env env, std::string expected) {
    runs.push_back(Run{std::move(env), std::move(expected), -1, ""});
  };
  add(Sasl(allowed_topic_, Secret("hookbridge.password")),
      "rdkafka sasl.password=(from file " + Secret("hookbridge.password") + ")");
  add(Sasl(allowed_topic_, dir / "password"), "kafka: Kafka authentication failed");
  add(Mtls(allowed_topic_, "untrusted"), "kafka: Kafka TLS verification failed");
  add(Mtls(allowed_topic_, "expired"), "kafka: Kafka TLS verification failed");
  ExpiredBroker expired_broker;
  ASSERT_TRUE(expired_broker.Serving()) << expired_broker.output();
  add(expired_broker.Settings(allowed_topic_), "kafka: Kafka TLS verification failed");
  add(Sasl(denied_topic_, Secret("hookbridge.password")), "kafka: Kafka authorization failed");
  std::vector<std::thread> threads;
  for (Run& run : runs) {
    threads.emplace_back([&run] {
      HookbridgeProcess check(run.env, {"--check-config"});
      run.exit_code = check.WaitForExit(40s);
      run.output = check.output();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(runs[0].exit_code, 0) << runs[0].output;
  for (size_t i = 1; i < runs.size(); ++i) {
    EXPECT_NE(runs[i].exit_code, 0) << runs[i].output;
    EXPECT_NE(runs[i].exit_code, -1) << runs[i].output;
  }
  for (const Run& run : runs) {
    EXPECT_THAT(run.output, HasSubstr(run.expected));
    EXPECT_THAT(run.output, Not(HasSubstr(ReadAll(Secret("hookbridge.password")))));
    EXPECT_THAT(run.output, Not(HasSubstr("Wrong-Pw-never-shown-8")));
  }
}

}  // namespace
}  // namespace hookbridge::e2e
