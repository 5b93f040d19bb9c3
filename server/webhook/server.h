// The webhook's HTTPS server: routes, AdmissionReview handling through
// policy/admission.h, health, readiness and metrics. The decision itself is
// in the core; this layer checks the HTTP envelope, counts and logs.
//
// Threading: cpp-httplib serves each TCP connection on one worker thread for
// its whole keep-alive life. The pool grows on demand up to
// max_connections; past that, new connections wait (accepted, queued) until
// a worker's connection closes (keep-alive timeout or max count), and the
// queued gauge in /metrics shows it. Size max_connections above the number of
// apiserver replicas times their idle connections per host.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include <httplib.h>

#include "policy/policy.h"
#include "server/webhook/metrics.h"
#include "server/webhook/tls.h"
#include "server/webhook/tls_server.h"

namespace rg::webhook {

class ClusterView;

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8443;                          // 0: any free port
  size_t max_connections = 256;             // worker threads at most
  size_t keep_alive_max_count = 100000;     // requests per connection
  int keep_alive_timeout_seconds = 30;      // idle connection closed after
  int read_timeout_seconds = 10;
  int write_timeout_seconds = 10;
  size_t max_body_bytes = 3u << 20;         // larger: 413
};

// The current policy, swapped whole on reload.
class PolicyStore {
 public:
  std::shared_ptr<const Policy> get() const;
  void set(std::shared_ptr<const Policy> p);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Policy> policy_;
};

struct PoolStats {
  std::atomic<size_t> threads{0};
  std::atomic<size_t> idle{0};
  std::atomic<size_t> queued{0};
};

class WebhookServer {
 public:
  WebhookServer(ServerOptions opts, CertStore* certs, PolicyStore* policies, Metrics* metrics);
  ~WebhookServer();

  // Binds the listening socket. False with *error on failure.
  bool bind(std::string* error);
  int port() const { return port_; }
  // Serves until stop(); returns when every worker has finished (at once
  // when stop() came first).
  void run();
  // Readiness turns false; requests are still served.
  void begin_drain();
  // Stops accepting and closes idle keep-alive connections; in-flight
  // requests finish.
  void stop();
  bool ready() const;
  // Evaluates with the cluster inventory (serve --inventory=cluster) instead
  // of an empty one; readiness then also waits for its initial sync. Call
  // before run(); `view` outlives the server.
  void set_cluster(ClusterView* view) { cluster_ = view; }
  // Requests between routing and their response written.
  size_t in_flight() const { return in_flight_.load(); }

 private:
  void routes();
  void handle_review(const httplib::Request& req, httplib::Response& res, bool mutate);

  ServerOptions opts_;
  CertStore* certs_;
  PolicyStore* policies_;
  Metrics* metrics_;
  std::unique_ptr<TlsServer> server_;
  std::atomic<bool> draining_{false};
  std::atomic<size_t> in_flight_{0};
  PoolStats pool_;
  ClusterView* cluster_ = nullptr;  // nullptr: every review sees an EmptyInventory
  int port_ = 0;
};

// A JSON body for a refused request: a metav1.Status naming the problem.
std::string error_body(int code, const std::string& message);

}  // namespace rg::webhook
