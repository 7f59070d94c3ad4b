// ClassifySecurityFailure: librdkafka's errors as an operator must tell them
// apart, with the reasons librdkafka 2.8.0 gave against Kafka 4.1.1 (copied
// from tests/e2e/secured_kafka_test.cc runs).
#include "hookbridge/kafka/security_failure.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

namespace hookbridge {
namespace {

TEST(SecurityFailureTest, WrongPasswordIsAuthentication) {
  EXPECT_EQ(ClassifySecurityFailure(RD_KAFKA_RESP_ERR__AUTHENTICATION,
                                    "sasl_ssl://127.0.0.1:19094/bootstrap: SASL authentication "
                                    "error: Authentication failed during authentication due to "
                                    "invalid credentials with SASL mechanism SCRAM-SHA-512"),
            SecurityFailure::kAuthentication);
}

TEST(SecurityFailureTest, CertificateTheBrokerRefusesIsTlsVerification) {
  // The broker's alert reaches librdkafka as a transport error.
  EXPECT_EQ(ClassifySecurityFailure(RD_KAFKA_RESP_ERR__TRANSPORT,
                                    "ssl://127.0.0.1:19096/bootstrap: Receive failed: "
                                    "error:0A000412:SSL routines::sslv3 alert bad certificate: SSL "
                                    "alert number 42 (after 2ms in state APIVERSION_QUERY)"),
            SecurityFailure::kTlsVerification);
  EXPECT_EQ(ClassifySecurityFailure(RD_KAFKA_RESP_ERR__SSL, "SSL handshake failed"),
            SecurityFailure::kTlsVerification);
}

TEST(SecurityFailureTest, TopicOrClusterRefusalIsAuthorization) {
  EXPECT_EQ(ClassifySecurityFailure(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, ""),
            SecurityFailure::kAuthorization);
  EXPECT_EQ(ClassifySecurityFailure(RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, ""),
            SecurityFailure::kAuthorization);
}

TEST(SecurityFailureTest, AnOrdinaryOutageIsNone) {
  EXPECT_EQ(ClassifySecurityFailure(RD_KAFKA_RESP_ERR__TRANSPORT,
                                    "127.0.0.1:19092/1: Connect to ipv4#127.0.0.1:19092 failed: "
                                    "Connection refused"),
            SecurityFailure::kNone);
  EXPECT_EQ(ClassifySecurityFailure(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down"),
            SecurityFailure::kNone);
  EXPECT_EQ(SecurityFailureName(SecurityFailure::kNone), nullptr);
  EXPECT_STREQ(SecurityFailureName(SecurityFailure::kTlsVerification), "tls_verification");
}

}  // namespace
}  // namespace hookbridge
