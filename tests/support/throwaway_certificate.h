// A self-signed certificate for the tests that serve or front HTTPS.
#pragma once

#include <string>

#include "temp_dir.h"

namespace hookbridge::test_support {

// Writes a self-signed P-256 certificate (CN hookbridge-front.test, valid for
// an hour) and its key as PEM files. Clients of it skip verification.
bool WriteThrowawayCertificate(const std::string& cert_path, const std::string& key_path);

// A throwaway certificate and its key in a directory of their own under /tmp
// (a TempDir), removed with it when the test ends.
class TlsFiles {
 public:
  // cert.pem and key.pem, or the names a configuration expects.
  explicit TlsFiles(const std::string& cert_name = "cert.pem",
                    const std::string& key_name = "key.pem");

  // false if the files could not be written (assert it first).
  bool ok() const { return ok_; }
  const std::string& cert_file() const { return cert_file_; }
  const std::string& key_file() const { return key_file_; }
  // The directory that holds both.
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_{"hookbridge-tls"};
  std::string cert_file_;
  std::string key_file_;
  bool ok_ = false;
};

}  // namespace hookbridge::test_support
