// The webhook's TLS settings: clients offering less than TLS 1.2 are refused.
// Handshakes run over memory BIOs, server and client in one thread.
#include "server/webhook/tls.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

namespace rg::webhook {
namespace {

// Runs a handshake between a server configured by configure_server_ctx and
// a client limited to [min_version, max_version]; the negotiated version, or
// 0 when the handshake failed.
int handshake(int min_version, int max_version) {
  certs::Pem ca, leaf;
  EXPECT_TRUE(certs::generate_ca("test CA", 1, &ca).ok());
  EXPECT_TRUE(certs::issue_serving_cert(ca, {}, 1, &leaf).ok());
  std::shared_ptr<const certs::KeyPair> pair;
  EXPECT_TRUE(certs::load_key_pair_pem(leaf.cert, leaf.key, "test", &pair).ok());
  CertStore store;
  store.set(pair);
  SSL_CTX* sctx = SSL_CTX_new(TLS_server_method());
  EXPECT_TRUE(configure_server_ctx(sctx, &store));
  SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(cctx, 0);  // the client is willing; the server must refuse
  SSL_CTX_set_cipher_list(cctx, "ALL:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(cctx, min_version);
  SSL_CTX_set_max_proto_version(cctx, max_version);
  SSL* server = SSL_new(sctx);
  SSL* client = SSL_new(cctx);
  BIO *s_bio = nullptr, *c_bio = nullptr;
  BIO_new_bio_pair(&s_bio, 0, &c_bio, 0);
  SSL_set_bio(server, s_bio, s_bio);
  SSL_set_bio(client, c_bio, c_bio);
  SSL_set_accept_state(server);
  SSL_set_connect_state(client);
  bool s_done = false, c_done = false, failed = false;
  for (int i = 0; i < 100 && !(s_done && c_done) && !failed; ++i) {
    for (auto [ssl, done] : {std::pair{client, &c_done}, std::pair{server, &s_done}}) {
      if (*done) continue;
      const int r = SSL_do_handshake(ssl);
      if (r == 1) {
        *done = true;
      } else {
        const int e = SSL_get_error(ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) failed = true;
      }
    }
  }
  const int version = s_done && c_done ? SSL_version(server) : 0;
  ERR_clear_error();
  SSL_free(client);
  SSL_free(server);
  SSL_CTX_free(cctx);
  SSL_CTX_free(sctx);
  return version;
}

TEST(ServerTls, RefusesClientsBelowTls12) {
  EXPECT_EQ(handshake(TLS1_VERSION, TLS1_1_VERSION), 0);
  EXPECT_EQ(handshake(TLS1_VERSION, TLS1_VERSION), 0);
}

TEST(ServerTls, AcceptsTls12AndTls13) {  // the control: the same setup, one version up
  EXPECT_EQ(handshake(TLS1_2_VERSION, TLS1_2_VERSION), TLS1_2_VERSION);
  EXPECT_EQ(handshake(TLS1_2_VERSION, TLS1_3_VERSION), TLS1_3_VERSION);
}

}  // namespace
}  // namespace rg::webhook
