// The server's TLS settings: certificate chain and key from PEM files,
// TLS 1.2 or newer, no renegotiation, resumption by session tickets with
// rotating keys (session_tickets.h). Loaded once at start-up.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace hookbridge {

struct TlsContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
using TlsContext = std::unique_ptr<SSL_CTX, TlsContextDeleter>;

// nullptr and *error (naming the settings) if the files cannot be used.
TlsContext LoadTlsContext(const std::string& cert_file, const std::string& key_file,
                          std::string* error);

}  // namespace hookbridge
