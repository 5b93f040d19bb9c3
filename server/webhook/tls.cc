#include "server/webhook/tls.h"

namespace rg::webhook {

std::shared_ptr<const certs::KeyPair> CertStore::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pair_;
}

void CertStore::set(std::shared_ptr<const certs::KeyPair> pair) {
  std::lock_guard<std::mutex> lock(mu_);
  pair_ = std::move(pair);
}

namespace {

// Called by OpenSSL once per handshake, before the certificate is chosen.
int install_current_pair(SSL* ssl, void* arg) {
  auto* store = static_cast<CertStore*>(arg);
  std::shared_ptr<const certs::KeyPair> pair = store->get();
  if (!pair) return 0;  // no certificate: fail this handshake
  // SSL_use_cert_and_key takes its own references; the pair may be replaced
  // right after without affecting this connection.
  return SSL_use_cert_and_key(ssl, pair->cert(), pair->key(), pair->chain(), 1) == 1 ? 1 : 0;
}

}  // namespace

bool configure_server_ctx(SSL_CTX* ctx, CertStore* store) {
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return false;
  // TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305 only (Mozilla "intermediate").
  if (SSL_CTX_set_cipher_list(ctx,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1)
    return false;
  if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1)
    return false;
  if (SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1) return false;
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
  SSL_CTX_set_cert_cb(ctx, install_current_pair, store);
  return true;
}

}  // namespace rg::webhook
