// Session tickets and the rotation of their keys (session_tickets.h), on a
// clock the test moves: TLS handshakes between two OpenSSL objects over a
// BIO pair in memory, no socket, no waiting.
#include "hookbridge/http/session_tickets.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <chrono>
#include <string>

#include "../support/throwaway_certificate.h"

namespace hookbridge {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// What a client saw of one connection.
struct Visit {
  bool established = false;
  bool resumed = false;
  SSL_SESSION* session = nullptr;  // to resume from later; the caller's, to SSL_SESSION_free
  std::string key_name;            // the name of the key that sealed its ticket
};

bool WaitsForTheOtherSide(SSL* ssl, int result) {
  const int error = SSL_get_error(ssl, result);
  return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
}

// The 16 bytes a ticket starts with: the name of the key that sealed it,
// which the ticket callback chose (session_tickets.cc).
std::string TicketKeyName(const SSL_SESSION* session) {
  const unsigned char* ticket = nullptr;
  size_t length = 0;
  SSL_SESSION_get0_ticket(session, &ticket, &length);
  return length < 16 ? "" : std::string(reinterpret_cast<const char*>(ticket), 16);
}

// A handshake between `client` and `server` in memory, offering `resume`,
// then a byte from the server, which the client reads after the tickets that
// precede it (TLS 1.3 sends them after the handshake).
Visit VisitInMemory(SSL_CTX* server, SSL_CTX* client, SSL_SESSION* resume) {
  Visit visit;
  SSL* server_ssl = SSL_new(server);
  SSL* client_ssl = SSL_new(client);
  BIO* client_bio = nullptr;
  BIO* server_bio = nullptr;
  BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
  SSL_set_bio(client_ssl, client_bio, client_bio);
  SSL_set_bio(server_ssl, server_bio, server_bio);
  SSL_set_connect_state(client_ssl);
  SSL_set_accept_state(server_ssl);
  if (resume != nullptr) SSL_set_session(client_ssl, resume);
  bool client_done = false;
  bool server_done = false;
  bool failed = false;
  // Each side takes a turn with what the other wrote: a handshake is a few
  // flights, so a bounded number of turns settles it either way.
  for (int turn = 0; turn < 20 && !failed && !(client_done && server_done); ++turn) {
    if (!client_done) {
      const int result = SSL_do_handshake(client_ssl);
      client_done = result == 1;
      failed = !client_done && !WaitsForTheOtherSide(client_ssl, result);
    }
    if (!server_done && !failed) {
      const int result = SSL_do_handshake(server_ssl);
      server_done = result == 1;
      failed = !server_done && !WaitsForTheOtherSide(server_ssl, result);
    }
  }
  char byte = 'x';
  if (client_done && server_done && SSL_write(server_ssl, &byte, 1) == 1 &&
      SSL_read(client_ssl, &byte, 1) == 1) {
    visit.established = true;
    visit.resumed = SSL_session_reused(client_ssl) == 1;
    visit.session = SSL_get1_session(client_ssl);
    visit.key_name = TicketKeyName(visit.session);
  }
  // Closed as if cleanly, so that OpenSSL keeps the session resumable.
  SSL_set_shutdown(client_ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_set_shutdown(server_ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(client_ssl);
  SSL_free(server_ssl);
  return visit;
}

// A server with a throwaway certificate and session tickets on the test's
// clock, and a client of one TLS version.
class SessionTickets : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tls_.ok());
    server_ = SSL_CTX_new(TLS_server_method());
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(server_, tls_.cert_file().c_str()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(server_, tls_.key_file().c_str(), SSL_FILETYPE_PEM), 1);
    ASSERT_TRUE(EnableSessionTickets(server_, [this] { return now_; }));
    client_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(client_, GetParam());
    SSL_CTX_set_max_proto_version(client_, GetParam());
  }

  void TearDown() override {
    for (SSL_SESSION* session : sessions_) SSL_SESSION_free(session);
    SSL_CTX_free(client_);
    SSL_CTX_free(server_);
  }

  // A connection at `when` after the test's start.
  Visit VisitAt(Clock::duration when, SSL_SESSION* resume) {
    now_ = start_ + when;
    Visit visit = VisitInMemory(server_, client_, resume);
    if (visit.session != nullptr) sessions_.push_back(visit.session);
    return visit;
  }

  enum class Handshake { kFull, kResumed };

  // VisitAt, which must be established by the handshake `expected`, with a
  // ticket under a 16-byte key name; the visit either way, to compare keys.
  Visit ExpectVisitAt(Clock::duration when, SSL_SESSION* resume, Handshake expected) {
    SCOPED_TRACE("the visit at " +
                 std::to_string(std::chrono::duration_cast<std::chrono::minutes>(when).count()) +
                 " min");
    const Visit visit = VisitAt(when, resume);
    EXPECT_TRUE(visit.established);
    if (visit.established) {
      EXPECT_EQ(visit.resumed, expected == Handshake::kResumed);
      EXPECT_EQ(visit.key_name.size(), 16u);
    }
    return visit;
  }

  const test_support::TlsFiles tls_;
  const Clock::time_point start_ = Clock::time_point{} + 1000h;
  Clock::time_point now_ = start_;
  SSL_CTX* server_ = nullptr;
  SSL_CTX* client_ = nullptr;
  std::vector<SSL_SESSION*> sessions_;
};

TEST_P(SessionTickets, ATicketOpensWithinTheHourUnderTheKeyThatSealedIt) {
  const Visit first = ExpectVisitAt(0s, nullptr, Handshake::kFull);
  const Visit again = ExpectVisitAt(59min, first.session, Handshake::kResumed);
  EXPECT_EQ(again.key_name, first.key_name) << "no new key within the hour";
}

TEST_P(SessionTickets, AfterOneRotationATicketStillOpensAndIsRenewedUnderTheNewKey) {
  const Visit first = ExpectVisitAt(0s, nullptr, Handshake::kFull);
  const Visit later = ExpectVisitAt(61min, first.session, Handshake::kResumed);
  EXPECT_NE(later.key_name, first.key_name) << "renewed under the new key";
  // The renewed ticket opens in its turn, under the key that sealed it.
  ExpectVisitAt(90min, later.session, Handshake::kResumed);
}

TEST_P(SessionTickets, AfterTwoRotationsATicketGetsAFullHandshakeNotAFailure) {
  const Visit first = ExpectVisitAt(0s, nullptr, Handshake::kFull);
  // Other clients' full handshakes seal tickets, which rotates the key twice.
  ExpectVisitAt(61min, nullptr, Handshake::kFull);
  const Visit second_rotation = ExpectVisitAt(122min, nullptr, Handshake::kFull);
  const Visit stale = ExpectVisitAt(123min, first.session, Handshake::kFull);
  EXPECT_EQ(stale.key_name, second_rotation.key_name) << "a new ticket under the current key";
}

// Keys are made when a ticket is sealed: after two quiet hours the key that
// sealed the last ticket is still the current one, and must open nothing.
TEST_P(SessionTickets, AfterTwoQuietHoursATicketGetsAFullHandshake) {
  const Visit first = ExpectVisitAt(0s, nullptr, Handshake::kFull);
  const Visit stale = ExpectVisitAt(121min, first.session, Handshake::kFull);
  EXPECT_NE(stale.key_name, first.key_name);
}

// A key that opens nothing any more is wiped at the next handshake, not kept
// as "the one before" until another key is made.
TEST_P(SessionTickets, AKeyTwoLifetimesOldIsForgottenAtTheNextHandshake) {
  ExpectVisitAt(0s, nullptr, Handshake::kFull);
  EXPECT_EQ(TicketKeysHeld(server_), 1u);
  // Two quiet hours: the only key has expired; a new one is made, alone.
  ExpectVisitAt(121min, nullptr, Handshake::kFull);
  EXPECT_EQ(TicketKeysHeld(server_), 1u) << "the expired key is still held";
}

TEST_P(SessionTickets, TheKeyBeforeIsForgottenWhenItExpiresEvenIfNoKeyIsMade) {
  ExpectVisitAt(0s, nullptr, Handshake::kFull);                           // key A
  const Visit second = ExpectVisitAt(100min, nullptr, Handshake::kFull);  // key B; A the one before
  EXPECT_EQ(TicketKeysHeld(server_), 2u);
  // A expires at 120 min; B, 25 min old, still seals: no key is made.
  ExpectVisitAt(125min, second.session, Handshake::kResumed);
  EXPECT_EQ(TicketKeysHeld(server_), 1u) << "A opens nothing and is still held";
}

INSTANTIATE_TEST_SUITE_P(TlsVersions, SessionTickets,
                         ::testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const ::testing::TestParamInfo<int>& version) {
                           return version.param == TLS1_2_VERSION ? "Tls12" : "Tls13";
                         });

}  // namespace
}  // namespace hookbridge
