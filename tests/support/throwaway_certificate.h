// A self-signed certificate for the tests that serve or front HTTPS.
#pragma once

#include <string>

namespace hookbridge::test_support {

// Writes a self-signed P-256 certificate (CN hookbridge-front.test, valid for
// an hour) and its key as PEM files. Clients of it skip verification.
bool WriteThrowawayCertificate(const std::string& cert_path, const std::string& key_path);

}  // namespace hookbridge::test_support
