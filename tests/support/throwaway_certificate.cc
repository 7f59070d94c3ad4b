#include "throwaway_certificate.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>

namespace hookbridge::test_support {

bool WriteThrowawayCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  bool ok = key != nullptr && cert != nullptr;
  if (ok) {
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("hookbridge-front.test"), -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    ok = X509_sign(cert, key, EVP_sha256()) > 0;
  }
  if (ok) {
    FILE* cert_file = std::fopen(cert_path.c_str(), "w");
    FILE* key_file = std::fopen(key_path.c_str(), "w");
    ok = cert_file && key_file && PEM_write_X509(cert_file, cert) == 1 &&
         PEM_write_PrivateKey(key_file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
    if (cert_file) std::fclose(cert_file);
    if (key_file) std::fclose(key_file);
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

TlsFiles::TlsFiles(const std::string& cert_name, const std::string& key_name)
    : cert_file_(dir_ / cert_name), key_file_(dir_ / key_name) {
  ok_ = dir_.ok() && WriteThrowawayCertificate(cert_file_, key_file_);
}

}  // namespace hookbridge::test_support
