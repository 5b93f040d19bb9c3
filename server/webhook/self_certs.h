// Self-managed certificates (serve --certs-secret): rollout-guard keeps its
// own CA and serving certificate in a Secret, and the caBundle of the
// webhook configurations it serves, as Kyverno's and Gatekeeper's cert
// controllers do. No cert-manager, no hand-made Secret.
//
// - One replica, elected on a Lease, reconciles: it creates the Secret (type
//   kubernetes.io/tls; keys tls.crt, tls.key, ca.crt, ca.key), renews what
//   certs::plan_authority says is due, and sets every webhook's
//   clientConfig.caBundle of the named configurations to base64(ca.crt).
//   A deleted Secret is written back from the last data this process saw,
//   so the CA (and so the published bundle) survives it.
// - Every replica reads the Secret each period and serves a changed serving
//   pair from then on (new handshakes), without a restart. /readyz is false
//   until a pair is loaded.
// The rotation rules (overlap, old CA kept until it expires) are in
// certs/authority.h.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "certs/authority.h"
#include "policy/status.h"
#include "server/kube/client.h"
#include "server/kube/leader.h"
#include "server/webhook/metrics.h"
#include "server/webhook/tls.h"

namespace rg::webhook {

struct SelfCertOptions {
  std::string ns;      // of the Secret
  std::string secret;  // its name
  std::vector<std::string> dns_names;  // the serving certificate's names
  // Configurations whose webhooks' caBundle the leader keeps ("" = none).
  std::string validating_webhook, mutating_webhook;
  certs::AuthorityPolicy policy;
  std::function<int64_t()> now;  // Unix seconds; the system clock by default
};

// The Secret's data as Kubernetes stores it (base64 values).
nlohmann::json secret_data(const certs::AuthorityData& d);
// The reverse; a value that is not base64 reads as empty.
certs::AuthorityData authority_data(const nlohmann::json& secret);

class SelfCerts {
 public:
  // `client`, `store` and `metrics` (may be null) must outlive this.
  SelfCerts(kube::Client& client, SelfCertOptions options, CertStore* store, Metrics* metrics);

  // The leader's pass: read the Secret, write what plan_authority changes,
  // then make every caBundle equal to the bundle. Not thread-safe; call from
  // one thread.
  Status reconcile();
  // Every replica's pass: read the Secret and load its serving pair when it
  // differs from the one loaded.
  Status load();

  const SelfCertOptions& options() const { return options_; }

 private:
  int64_t now() const { return options_.now ? options_.now() : static_cast<int64_t>(std::time(nullptr)); }
  Status write_secret(const nlohmann::json* existing, const certs::AuthorityData& data);
  // Sets caBundle in every webhook of one configuration; Ok when all already
  // held it or now do.
  Status publish(const kube::Resource& r, const std::string& name, const std::string& bundle_b64);
  std::string secret_ref() const { return options_.ns + "/" + options_.secret; }

  kube::Client& client_;
  SelfCertOptions options_;
  CertStore* store_;
  Metrics* metrics_;
  certs::AuthorityData last_;         // the data last read or written
  std::string published_bundle_;      // ca.crt last seen in every caBundle ...
  int64_t published_since_ = -1;      // ... since then (-1: not published)
  std::string loaded_crt_, loaded_key_;  // the pair in the store
};

// The loop each replica runs: load() every period, and reconcile() first
// while this replica holds the Lease (and at once when it becomes leader).
// Errors are logged once each until they change.
class SelfCertLoop {
 public:
  // `election_client` is a second client, so renewals never wait behind
  // the certificate requests.
  SelfCertLoop(SelfCerts* certs, kube::Client& election_client, kube::LeaderElectionOptions election,
               std::chrono::milliseconds period);
  ~SelfCertLoop();
  void start();
  void stop();  // releases the Lease when held; idempotent
  bool is_leader() const { return elector_.is_leader(); }

 private:
  void run();
  void tick();

  SelfCerts* certs_;
  kube::LeaderElector elector_;
  std::chrono::milliseconds period_;
  std::string reconcile_error_, load_error_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false, wake_ = false;
};

}  // namespace rg::webhook
