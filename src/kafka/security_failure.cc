#include "hookbridge/kafka/security_failure.h"

#include <librdkafka/rdkafka.h>

namespace hookbridge {

SecurityFailure ClassifySecurityFailure(int err, std::string_view reason) {
  switch (static_cast<rd_kafka_resp_err_t>(err)) {
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED: return SecurityFailure::kAuthentication;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return SecurityFailure::kAuthorization;
    case RD_KAFKA_RESP_ERR__SSL: return SecurityFailure::kTlsVerification;
    default: break;
  }
  // A broker that refuses our certificate closes the connection with a TLS
  // alert (bad certificate, unknown ca, certificate expired...), which
  // librdkafka reports as a transport error whose reason quotes OpenSSL.
  for (std::string_view sign : {"SSL handshake failed", "certificate verify failed",
                                "alert bad certificate", "alert unknown ca", "alert certificate"}) {
    if (reason.find(sign) != std::string_view::npos) return SecurityFailure::kTlsVerification;
  }
  return SecurityFailure::kNone;
}

const char* SecurityFailureName(SecurityFailure failure) {
  switch (failure) {
    case SecurityFailure::kAuthentication: return "authentication";
    case SecurityFailure::kAuthorization: return "authorization";
    case SecurityFailure::kTlsVerification: return "tls_verification";
    case SecurityFailure::kNone: break;
  }
  return nullptr;
}

const char* SecurityFailureAdvice(SecurityFailure failure) {
  switch (failure) {
    case SecurityFailure::kAuthentication:
      return "Kafka authentication failed: the broker refused hookbridge's credentials (check "
             "sasl.username, sasl.mechanisms and the password file); nothing is acknowledged";
    case SecurityFailure::kAuthorization:
      return "Kafka authorization failed: hookbridge's principal may not do this (it needs "
             "Describe and Write on each topic it writes); nothing is acknowledged";
    case SecurityFailure::kTlsVerification:
      return "Kafka TLS verification failed: a certificate was refused (untrusted or expired, "
             "or the broker's name does not match its certificate); nothing is acknowledged";
    case SecurityFailure::kNone: break;
  }
  return "";
}

}  // namespace hookbridge
