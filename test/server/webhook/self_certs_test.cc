// Self-managed certificates against the in-test API server: the first start,
// a restart, a deleted Secret, a caBundle edited by hand, refusals that name
// what is wrong, and two replicas rotating the CA and serving certificate
// under load while clients that trust only the published caBundle see no
// failed request.
#include "server/webhook/self_certs.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "certs/base64.h"
#include "certs/x509_util.h"
#include "server/webhook/server.h"
#include "test/server/kube/test_util.h"
#include "test/support/raw_tls_client.h"

namespace rg::webhook {
namespace {

using json = nlohmann::json;
namespace res = kube::resources;

const std::vector<std::string> kNames = {"guard.ns.svc", "guard.ns.svc.cluster.local"};

class SelfCertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const kube::Resource* r :
         {&res::kSecrets, &res::kValidatingWebhookConfigurations, &res::kMutatingWebhookConfigurations, &res::kLeases})
      api_.serve(*r);
    api_.put(res::kValidatingWebhookConfigurations,
             test::webhook_configuration(res::kValidatingWebhookConfigurations, "guard", {"validate.rollout-guard.io"}));
    api_.put(res::kMutatingWebhookConfigurations,
             test::webhook_configuration(res::kMutatingWebhookConfigurations, "guard",
                                         {"mutate.rollout-guard.io", "mutate2.rollout-guard.io"}));
    client_ = test::client_for(api_);
    ASSERT_TRUE(client_);
  }

  SelfCertOptions options() const {
    SelfCertOptions o;
    o.ns = "ns";
    o.secret = "guard-certs";
    o.dns_names = kNames;
    o.validating_webhook = "guard";
    o.mutating_webhook = "guard";
    return o;
  }

  json secret() { return api_.object(res::kSecrets, "ns", "guard-certs").value_or(json()); }
  // Every caBundle of both configurations.
  std::vector<std::string> bundles() {
    std::vector<std::string> out;
    for (const kube::Resource* r : {&res::kValidatingWebhookConfigurations, &res::kMutatingWebhookConfigurations}) {
      json c = api_.object(*r, "", "guard").value_or(json());
      for (const json& w : c["webhooks"]) out.push_back(w["clientConfig"].value("caBundle", ""));
    }
    return out;
  }
  std::string serial(const std::string& pem) {
    std::vector<certs::CertInfo> infos;
    certs::read_cert_infos(pem, &infos);
    return infos.empty() ? "" : infos[0].serial_hex;
  }

  test::FakeApiServer api_;
  std::unique_ptr<kube::Client> client_;
};

TEST_F(SelfCertsTest, TheFirstStartCreatesTheSecretAndEveryCaBundle) {
  CertStore store;
  SelfCerts certs(*client_, options(), &store, nullptr);
  Status st = certs.load();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "waiting for the certificate Secret ns/guard-certs");
  EXPECT_EQ(store.get(), nullptr);

  st = certs.reconcile();
  ASSERT_TRUE(st.ok()) << st.message();
  json s = secret();
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["type"], "kubernetes.io/tls");
  EXPECT_EQ(s["metadata"]["labels"]["app.kubernetes.io/managed-by"], "rollout-guard");
  const certs::AuthorityData d = authority_data(s);
  EXPECT_TRUE(certs::signed_by(d.tls_crt, d.ca_crt));
  const std::vector<std::string> b = bundles();
  ASSERT_EQ(b.size(), 3u);
  for (const std::string& one : b) EXPECT_EQ(one, base64_encode(d.ca_crt));

  ASSERT_TRUE(certs.load().ok());
  ASSERT_NE(store.get(), nullptr);
  EXPECT_EQ(store.get()->serial_hex(), serial(d.tls_crt));
}

TEST_F(SelfCertsTest, ARestartReusesTheSecretAndWritesNothing) {
  {
    CertStore store;
    SelfCerts first(*client_, options(), &store, nullptr);
    ASSERT_TRUE(first.reconcile().ok());
  }
  const json before = secret();
  const std::vector<std::string> bundles_before = bundles();
  CertStore store;
  SelfCerts second(*client_, options(), &store, nullptr);
  ASSERT_TRUE(second.reconcile().ok());
  ASSERT_TRUE(second.load().ok());
  EXPECT_EQ(secret()["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"]);
  EXPECT_EQ(bundles(), bundles_before);
  EXPECT_EQ(store.get()->serial_hex(), serial(authority_data(before).tls_crt));
}

TEST_F(SelfCertsTest, ADeletedSecretIsWrittenBackWithTheSameCa) {
  CertStore store;
  SelfCerts certs(*client_, options(), &store, nullptr);
  ASSERT_TRUE(certs.reconcile().ok());
  const certs::AuthorityData d = authority_data(secret());
  ASSERT_TRUE(api_.del(res::kSecrets, "ns", "guard-certs"));
  ASSERT_TRUE(certs.reconcile().ok());
  EXPECT_EQ(authority_data(secret()), d);  // the same CA and pair: nothing changes for clients

  // A process that never saw it (a new leader) can only start over: a new CA, published at once.
  ASSERT_TRUE(api_.del(res::kSecrets, "ns", "guard-certs"));
  SelfCerts other(*client_, options(), &store, nullptr);
  ASSERT_TRUE(other.reconcile().ok());
  const certs::AuthorityData fresh = authority_data(secret());
  EXPECT_NE(fresh.ca_crt, d.ca_crt);
  for (const std::string& one : bundles()) EXPECT_EQ(one, base64_encode(fresh.ca_crt));
}

TEST_F(SelfCertsTest, ACaBundleEditedByHandIsRestored) {
  CertStore store;
  SelfCerts certs(*client_, options(), &store, nullptr);
  ASSERT_TRUE(certs.reconcile().ok());
  const std::string want = base64_encode(authority_data(secret()).ca_crt);
  json m = api_.object(res::kMutatingWebhookConfigurations, "", "guard").value();
  m["webhooks"][1]["clientConfig"]["caBundle"] = base64_encode("not the CA");
  api_.put(res::kMutatingWebhookConfigurations, m);
  json v = api_.object(res::kValidatingWebhookConfigurations, "", "guard").value();
  v["webhooks"][0]["clientConfig"].erase("caBundle");
  api_.put(res::kValidatingWebhookConfigurations, v);

  ASSERT_TRUE(certs.reconcile().ok());
  for (const std::string& one : bundles()) EXPECT_EQ(one, want);
  json after = api_.object(res::kMutatingWebhookConfigurations, "", "guard").value();
  EXPECT_EQ(after["webhooks"][1]["name"], "mutate2.rollout-guard.io");  // the rest is kept
  EXPECT_EQ(after["webhooks"][1]["sideEffects"], "None");
}

TEST_F(SelfCertsTest, RefusalsNameWhatIsWrong) {
  CertStore store;
  // A Secret of another type is not taken over.
  api_.put(res::kSecrets, {{"apiVersion", "v1"},
                           {"kind", "Secret"},
                           {"metadata", {{"name", "guard-certs"}, {"namespace", "ns"}}},
                           {"type", "Opaque"},
                           {"data", json::object()}});
  SelfCerts certs(*client_, options(), &store, nullptr);
  Status st = certs.reconcile();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "Secret ns/guard-certs has type \"Opaque\", not kubernetes.io/tls; delete it and rollout-guard creates it");
  EXPECT_EQ(secret()["type"], "Opaque");
  ASSERT_TRUE(api_.del(res::kSecrets, "ns", "guard-certs"));

  // A missing configuration is an error naming it; the Secret and the other configuration are done.
  SelfCertOptions o = options();
  o.mutating_webhook = "absent";
  SelfCerts partial(*client_, o, &store, nullptr);
  st = partial.reconcile();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("mutatingwebhookconfigurations/absent"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("404"), std::string::npos) << st.message();
  EXPECT_EQ(bundles()[0], base64_encode(authority_data(secret()).ca_crt));

  // A damaged pair is not loaded; the previous one keeps serving.
  ASSERT_TRUE(partial.load().ok());
  const std::string serving = store.get()->serial_hex();
  json s = secret();
  s["data"]["tls.key"] = base64_encode("garbage");
  api_.put(res::kSecrets, s);
  st = partial.load();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("Secret ns/guard-certs"), std::string::npos) << st.message();
  EXPECT_EQ(store.get()->serial_hex(), serving);
}

// A client as the API server is one: it trusts exactly the caBundle of the
// ValidatingWebhookConfiguration as it is at the moment of the call, checks
// the host name, and opens a new connection (a new handshake) each time.
class BundleClient {
 public:
  explicit BundleClient(test::FakeApiServer& api) : api_(api) {}

  // "" on success, else what failed; *leaf and *ca get the serving
  // certificate's serial and the bundle's first CA serial.
  std::string call(int port, std::string* leaf, std::string* ca) {
    json c = api_.object(res::kValidatingWebhookConfigurations, "", "guard").value_or(json());
    std::string pem;
    if (!base64_decode(c["webhooks"][0]["clientConfig"].value("caBundle", ""), &pem) || pem.empty())
      return "no caBundle";
    std::vector<certs::CertInfo> cas;
    certs::read_cert_infos(pem, &cas);
    *ca = cas.empty() ? "" : cas[0].serial_hex;
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    while (X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, x);
      X509_free(x);
    }
    BIO_free(bio);
    ERR_clear_error();
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL* ssl = SSL_new(ctx);
    SSL_set1_host(ssl, "guard.ns.svc");
    const int fd = test::connect_loopback(port);
    std::string error;
    if (fd < 0 || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
      const long v = SSL_get_verify_result(ssl);
      error = "handshake: " + std::string(v != X509_V_OK ? X509_verify_cert_error_string(v) : "failed");
    } else {
      X509* peer = SSL_get1_peer_certificate(ssl);
      if (peer != nullptr) {
        *leaf = certs::serial_hex(peer);
        X509_free(peer);
      }
      const std::string req = "GET /healthz HTTP/1.1\r\nHost: guard\r\nConnection: close\r\n\r\n";
      std::string answer;
      char buf[512];
      if (SSL_write(ssl, req.data(), static_cast<int>(req.size())) <= 0) error = "write failed";
      for (int n; error.empty() && (n = SSL_read(ssl, buf, sizeof buf)) > 0;) answer.append(buf, n);
      if (error.empty() && answer.rfind("HTTP/1.1 200", 0) != 0) error = "answer: " + answer.substr(0, 40);
    }
    ERR_clear_error();
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    if (fd >= 0) close(fd);
    return error;
  }

 private:
  test::FakeApiServer& api_;
};

// One replica: its own clients, certificate loop and HTTPS server.
struct Replica {
  Replica(test::FakeApiServer& api, const SelfCertOptions& o, const std::string& identity) {
    client = test::client_for(api);
    election_client = test::client_for(api);
    policies.set(std::make_shared<Policy>());
    ServerOptions so;
    so.host = "127.0.0.1";
    so.port = 0;
    server = std::make_unique<WebhookServer>(so, &store, &policies, &metrics);
    std::string error;
    bound = server->bind(&error);
    certs = std::make_unique<SelfCerts>(*client, o, &store, &metrics);
    kube::LeaderElectionOptions lo;
    lo.ns = "ns";
    lo.name = "guard-certs-leader";
    lo.identity = identity;
    lo.lease_duration = std::chrono::milliseconds(2000);
    lo.renew_deadline = std::chrono::milliseconds(1500);
    lo.retry_period = std::chrono::milliseconds(200);
    loop = std::make_unique<SelfCertLoop>(certs.get(), *election_client, lo, std::chrono::milliseconds(100));
    thread = std::thread([this] { server->run(); });
    loop->start();
  }
  ~Replica() {
    loop->stop();
    server->stop();
    thread.join();
  }
  std::unique_ptr<kube::Client> client, election_client;
  CertStore store;
  PolicyStore policies;
  Metrics metrics;
  std::unique_ptr<WebhookServer> server;
  std::unique_ptr<SelfCerts> certs;
  std::unique_ptr<SelfCertLoop> loop;
  std::thread thread;
  bool bound = false;
};

TEST_F(SelfCertsTest, TwoReplicasRotateTheCaAndServingCertificateUnderLoadWithoutAFailedRequest) {
  SelfCertOptions o = options();
  // The CA is renewed after 8 s and expires after 12 s; serving certificates
  // are renewed after two thirds of at most 6 s, which leaves them more than
  // the overlap when they wait for a new CA.
  o.policy.ca_validity_seconds = 12;
  o.policy.cert_validity_seconds = 6;
  o.policy.overlap_seconds = 1;
  Replica a(api_, o, "replica-a"), b(api_, o, "replica-b");
  ASSERT_TRUE(a.bound && b.bound);
  ASSERT_TRUE(test::eventually([&] { return a.server->ready() && b.server->ready(); }, std::chrono::seconds(10)));
  EXPECT_NE(a.loop->is_leader(), b.loop->is_leader());

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::mutex mu;
  std::vector<std::string> failures;
  std::set<std::string> leaves, cas;
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      BundleClient c(api_);
      for (int n = 0; !stop; ++n) {
        std::string leaf, ca;
        const std::string error = c.call((n + i) % 2 == 0 ? a.server->port() : b.server->port(), &leaf, &ca);
        std::lock_guard<std::mutex> lock(mu);
        if (error.empty()) {
          ++ok;
          leaves.insert(leaf);
          cas.insert(ca);
        } else {
          ++failed;
          if (failures.size() < 10) failures.push_back(error);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(15));  // past a CA renewal and the old CA's expiry
  stop = true;
  for (std::thread& t : clients) t.join();

  std::printf("[ measured ] self-managed rotation, 2 replicas, 4 clients: %d answered, %d failed, %zu serving "
              "certificates and %zu CAs seen\n",
              ok.load(), failed.load(), leaves.size(), cas.size());
  std::string why;
  for (const std::string& f : failures) why += f + "\n";
  EXPECT_EQ(failed.load(), 0) << why;
  EXPECT_GT(ok.load(), 100);
  EXPECT_GE(leaves.size(), 3u) << "serving certificates seen";
  EXPECT_GE(cas.size(), 2u) << "CAs seen first in the bundle";
  // The old CA has expired and left the bundle.
  std::vector<certs::CertInfo> bundle;
  certs::read_cert_infos(authority_data(secret()).ca_crt, &bundle);
  EXPECT_LE(bundle.size(), 2u);
  for (const certs::CertInfo& ca : bundle) EXPECT_GT(ca.not_after, static_cast<int64_t>(std::time(nullptr)));
  EXPECT_NE(a.loop->is_leader(), b.loop->is_leader());
}

}  // namespace
}  // namespace rg::webhook
