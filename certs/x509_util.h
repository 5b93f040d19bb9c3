// OpenSSL plumbing the certs/ sources share: owning pointers, PEM text, and
// a certificate's fields as text and Unix seconds. Nothing here fails
// loudly: an unreadable field reads as "" or 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace rg::certs {

// Frees any of the OpenSSL objects certs/ holds.
struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(GENERAL_NAME* p) const { GENERAL_NAME_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(ASN1_STRING* p) const { ASN1_STRING_free(p); }
};
template <class T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

// PEM text of a certificate or private key; "" when OpenSSL cannot write it.
std::string to_pem(X509* cert);
std::string to_pem(EVP_PKEY* key);

std::string serial_hex(const X509* cert);         // "5A3F..." (upper-case hex)
std::string name_line(const X509_NAME* name);     // "/O=rollout-guard/CN=..."
int64_t unix_seconds(const ASN1_TIME* t);         // 0 when unreadable
// The subjectAltName entries: DNS names as written, IP addresses as text.
std::vector<std::string> san_entries(X509* cert);

}  // namespace rg::certs
