// TLS for the webhook: the SSL_CTX settings (TLS 1.2 minimum, 1.3 preferred,
// AEAD ciphers with forward secrecy only) and the serving pair, swapped on
// rotation without touching the SSL_CTX: a certificate callback installs the
// current pair into each new handshake, so new connections get the new pair
// while established ones keep theirs.
#pragma once

#include <memory>
#include <mutex>

#include <openssl/ssl.h>

#include "certs/certs.h"

namespace rg::webhook {

class CertStore {
 public:
  // The pair new handshakes use; nullptr before the first set().
  std::shared_ptr<const certs::KeyPair> get() const;
  void set(std::shared_ptr<const certs::KeyPair> pair);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const certs::KeyPair> pair_;
};

// Configures ctx for serving with `store` (which must outlive ctx). Returns
// false when OpenSSL refuses a setting.
bool configure_server_ctx(SSL_CTX* ctx, CertStore* store);

}  // namespace rg::webhook
