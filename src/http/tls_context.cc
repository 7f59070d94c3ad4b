#include "hookbridge/http/tls_context.h"

#include <openssl/err.h>

#include "hookbridge/http/session_tickets.h"

namespace hookbridge {

TlsContext LoadTlsContext(const std::string& cert_file, const std::string& key_file,
                          std::string* error) {
  TlsContext context(SSL_CTX_new(TLS_server_method()));
  if (!context || SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate_chain_file(context.get(), cert_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(context.get(), key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(context.get()) != 1) {
    char reason[256];
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    *error = "HOOKBRIDGE_TLS_CERT_FILE/HOOKBRIDGE_TLS_KEY_FILE: " + std::string(reason);
    return nullptr;
  }
  SSL_CTX_set_options(context.get(), SSL_OP_NO_RENEGOTIATION);
  // A write that would block is retried later from the same answer, whose
  // unsent part may start further on: OpenSSL must not insist on the same
  // pointer, and may take part of it.
  SSL_CTX_set_mode(context.get(),
                   SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (!EnableSessionTickets(context.get())) {
    *error = "HOOKBRIDGE_TLS_CERT_FILE/HOOKBRIDGE_TLS_KEY_FILE: OpenSSL refused session tickets";
    return nullptr;
  }
  return context;
}

}  // namespace hookbridge
