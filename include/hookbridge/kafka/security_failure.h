// Which of the secured-Kafka failures (issue 24) a librdkafka error is: the
// broker refused our credentials (authentication), refused an operation to
// our principal (authorization), or a TLS handshake failed verification
// (either side's certificate: untrusted, expired, or a broker name that does
// not match). An operator fixes each in a different place, so the log,
// /readyz and --check-config name the kind, never only "no broker reachable".
// Pure: tested without a broker.
#pragma once

#include <string_view>

namespace hookbridge {

enum class SecurityFailure { kNone, kAuthentication, kAuthorization, kTlsVerification };

// From an error code (rd_kafka_resp_err_t as an int) and librdkafka's reason.
SecurityFailure ClassifySecurityFailure(int err, std::string_view reason);

// "authentication", "authorization", "tls_verification"; nullptr for kNone.
const char* SecurityFailureName(SecurityFailure failure);

// The one log line's message for a failure: what failed and where to look.
const char* SecurityFailureAdvice(SecurityFailure failure);

}  // namespace hookbridge
