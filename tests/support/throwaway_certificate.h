// A self-signed certificate for the tests that serve or front HTTPS.
#pragma once

#include <string>

namespace hookbridge::test_support {

// Writes a self-signed P-256 certificate (CN hookbridge-front.test, valid for
// an hour) and its key as PEM files. Clients of it skip verification.
bool WriteThrowawayCertificate(const std::string& cert_path, const std::string& key_path);

// A throwaway certificate and its key (cert.pem, key.pem) in a directory of
// their own under /tmp, removed with it when the test ends.
class TlsFiles {
 public:
  TlsFiles();
  ~TlsFiles();
  TlsFiles(const TlsFiles&) = delete;
  TlsFiles& operator=(const TlsFiles&) = delete;

  // false if the files could not be written (assert it first).
  bool ok() const { return ok_; }
  const std::string& cert_file() const { return cert_file_; }
  const std::string& key_file() const { return key_file_; }

 private:
  std::string dir_;
  std::string cert_file_;
  std::string key_file_;
  bool ok_ = false;
};

}  // namespace hookbridge::test_support
