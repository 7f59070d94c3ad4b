// End to end, for operators: HTTPS (webhooks served, TLS below 1.2 refused),
// TLS clients that hang up before their answer, and bad TLS files at
// start-up. The handshakes are checked with OpenSSL directly. On the shared
// broker (HOOKBRIDGE_E2E_BROKERS); the fixture is in operations_fixture.h.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <set>
#include <string>
#include <thread>

#include "../support/loopback.h"
#include "../support/throwaway_certificate.h"
#include "operations_fixture.h"

namespace hookbridge::e2e {
namespace {

using namespace std::chrono_literals;
using ::hookbridge::test_support::ConnectLoopback;
using ::hookbridge::test_support::TlsFiles;
using ::testing::HasSubstr;

// The outcome of a TLS handshake with the given protocol range.
bool TlsHandshakeSucceeds(int port, int min_version, int max_version, std::string* detail) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  // Security level 0: this client is willing to speak the old protocols, so
  // only the server can be the one refusing them.
  SSL_CTX_set_security_level(context, 0);
  SSL_CTX_set_cipher_list(context, "ALL:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(context, min_version);
  SSL_CTX_set_max_proto_version(context, max_version);
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  int sock = ConnectLoopback(port);
  timeval timeout{5, 0};
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  bool ok = false;
  if (sock >= 0) {
    SSL* session = SSL_new(context);
    SSL_set_fd(session, sock);
    ERR_clear_error();
    ok = SSL_connect(session) == 1;
    char reason[256] = "";
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    *detail = ok ? SSL_get_version(session) : reason;
    if (ok) SSL_shutdown(session);
    SSL_free(session);
  } else {
    *detail = "connect failed";
  }
  close(sock);
  SSL_CTX_free(context);
  return ok;
}

// Names a throwaway certificate and its key in `env`, so hookbridge serves HTTPS.
bool ServeTls(const TlsFiles& tls, std::map<std::string, std::string>* env) {
  if (!tls.ok()) {
    ADD_FAILURE() << "no throwaway certificate";
    return false;
  }
  (*env)["HOOKBRIDGE_TLS_CERT_FILE"] = tls.cert_file();
  (*env)["HOOKBRIDGE_TLS_KEY_FILE"] = tls.key_file();
  return true;
}

// --- (f) HTTPS ---------------------------------------------------------------

TEST_F(Operations, HttpsServesWebhooksAndRefusesTlsBelow12) {
  const TlsFiles tls;
  auto env = Environment();
  ASSERT_TRUE(ServeTls(tls, &env));
  StartBridge(env);
  auto listening = LogLines(bridge_->output(), "hookbridge listening");
  ASSERT_EQ(listening.size(), 1u);
  EXPECT_EQ(listening[0]["tls"], "on");

  httplib::SSLClient client("127.0.0.1", bridge_->port());
  client.enable_server_certificate_verification(false);
  client.set_read_timeout(10, 0);
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {  // several on one TLS connection
    auto response =
        client.Post(kPath, {{"Authorization", std::string("Bearer ") + kNewKey}},
                    ProfileEvent("tls-" + std::to_string(i), "p-tls"), "application/json");
    ASSERT_TRUE(response) << httplib::to_string(response.error());
    EXPECT_EQ(response->status, 200) << response->body;
  }
  auto refused = client.Post(kPath, {{"Authorization", std::string("Bearer ") + kWrongKey}},
                             kExampleEvent, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto records = ConsumeFromBeginning(brokers_, topic_, 3, 30s);
  ASSERT_EQ(records.size(), 3u);
  std::set<std::string> ids;
  for (const auto& record : records) ids.insert(record.headers.at("ce_id"));
  EXPECT_EQ(ids, (std::set<std::string>{"tls-0", "tls-1", "tls-2"}));

  // Plain HTTP on the TLS port gets no HTTP answer.
  httplib::Client plain("127.0.0.1", bridge_->port());
  plain.set_read_timeout(5, 0);
  auto plain_answer = plain.Get("/healthz");
  EXPECT_FALSE(plain_answer && plain_answer->status == 200);

  // TLS 1.2 and 1.3 handshakes succeed; a client that speaks at most TLS 1.1
  // (and would accept it) is refused.
  std::string detail;
  EXPECT_TRUE(TlsHandshakeSucceeds(bridge_->port(), TLS1_2_VERSION, TLS1_2_VERSION, &detail))
      << detail;
  EXPECT_EQ(detail, "TLSv1.2");
  EXPECT_TRUE(TlsHandshakeSucceeds(bridge_->port(), TLS1_3_VERSION, TLS1_3_VERSION, &detail))
      << detail;
  EXPECT_EQ(detail, "TLSv1.3");
  // The refusal is the server's minimum version ("protocol version" alert),
  // not merely OpenSSL's default security level ("internal error" alert).
  EXPECT_FALSE(TlsHandshakeSucceeds(bridge_->port(), TLS1_1_VERSION, TLS1_1_VERSION, &detail))
      << detail;
  EXPECT_THAT(detail, HasSubstr("alert protocol version"));
  EXPECT_FALSE(TlsHandshakeSucceeds(bridge_->port(), TLS1_VERSION, TLS1_1_VERSION, &detail))
      << detail;
  EXPECT_THAT(detail, HasSubstr("alert protocol version"));

  // The server survived all of it.
  auto after = client.Post(kPath, {{"Authorization", std::string("Bearer ") + kNewKey}},
                           ProfileEvent("tls-3", "p-tls"), "application/json");
  ASSERT_TRUE(after) << httplib::to_string(after.error());
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(bridge_->SignalAndWait(SIGTERM, 20s), 0) << bridge_->output();
}

TEST_F(Operations, HttpsClientsThatHangUpBeforeTheAnswerLeaveTheServerServing) {
  // OpenSSL writes with plain write(): an answer, or the close_notify after
  // it, written to a client that has gone must be an error for hookbridge to
  // handle, not a SIGPIPE that ends the process. The broker cannot be reached,
  // so each answer (a 503) comes after the client is gone.
  const TlsFiles tls;
  auto env = Environment();
  ASSERT_TRUE(ServeTls(tls, &env));
  env["HOOKBRIDGE_KAFKA_BROKERS"] = "127.0.0.1:1";  // nothing listens there
  env["HOOKBRIDGE_ACK_TIMEOUT_MS"] = "200";
  // Records given up at their deadline too (librdkafka would otherwise keep
  // them for 60 s), so that the stop below is a clean one: exit 0, not the
  // exit 1 of records still undelivered.
  env["HOOKBRIDGE_RDKAFKA_MESSAGE_TIMEOUT_MS"] = "200";
  StartBridge(env);
  const std::string body = ProfileEvent("gone-1", "p-gone");
  const std::string request = WebhookHead(body) + body;
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  for (int i = 0; i < 5; ++i) {
    int sock = ConnectLoopback(bridge_->port());
    ASSERT_GE(sock, 0);
    SSL* session = SSL_new(context);
    SSL_set_fd(session, sock);
    ASSERT_EQ(SSL_connect(session), 1);
    ASSERT_EQ(SSL_write(session, request.data(), static_cast<int>(request.size())),
              static_cast<int>(request.size()));
    SSL_free(session);  // gone without a close_notify, as a crashed client is
    close(sock);
  }
  SSL_CTX_free(context);
  std::this_thread::sleep_for(1s);  // well past the 200 ms deadline of each

  httplib::SSLClient client("127.0.0.1", bridge_->port());
  client.enable_server_certificate_verification(false);
  client.set_read_timeout(10, 0);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health) << httplib::to_string(health.error()) << "\n" << bridge_->output();
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(bridge_->SignalAndWait(SIGTERM, 20s), 0) << bridge_->output();
}

TEST_F(Operations, BadTlsFilesStopStartupNamingTheSetting) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  WriteFile(dir / "cert.pem", "not a certificate\n");
  WriteFile(dir / "key.pem", "not a key\n");
  auto env = Environment();
  env["HOOKBRIDGE_TLS_CERT_FILE"] = dir / "cert.pem";
  env["HOOKBRIDGE_TLS_KEY_FILE"] = dir / "key.pem";
  HookbridgeProcess bridge(env);
  EXPECT_FALSE(bridge.started());
  EXPECT_EQ(bridge.WaitForExit(10s), 2);
  EXPECT_THAT(bridge.output(), HasSubstr("HOOKBRIDGE_TLS_CERT_FILE"));

  env.erase("HOOKBRIDGE_TLS_KEY_FILE");
  HookbridgeProcess half(env);
  EXPECT_FALSE(half.started());
  EXPECT_EQ(half.WaitForExit(10s), 2);
  EXPECT_THAT(half.output(), HasSubstr("HOOKBRIDGE_TLS_KEY_FILE"));
}

}  // namespace
}  // namespace hookbridge::e2e
