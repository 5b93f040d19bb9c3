// The webhook's HTTPS server: routes, AdmissionReview handling through
// admission/admission.h, health, readiness and metrics. The decision itself is
// in the core; this layer checks the HTTP envelope, counts and logs.
//
// Threading and limits are the transport's (transport.h): one worker thread
// per connection up to max_connections, a bounded queue of waiting
// connections behind them, idle keep-alive connections closed to make room,
// and total deadlines for a handshake, a request and an answer. Size
// max_connections above the number of apiserver replicas times their idle
// connections per host. /healthz, /readyz and /metrics are also served plain
// on a listener of their own (health_port), so probes and scrapes never wait
// behind admission traffic.
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
#include "server/webhook/transport.h"

namespace rg::webhook {

class ClusterView;

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8443;                          // 0: any free port
  size_t max_connections = 256;             // worker threads at most
  size_t max_queued_connections = 128;      // waiting for a worker; more are reset
  size_t keep_alive_max_count = 100000;     // requests per connection
  int keep_alive_timeout_seconds = 30;      // idle connection closed after
  int read_timeout_seconds = 10;            // a handshake; a request's head and body
  int write_timeout_seconds = 10;           // an answer
  size_t max_body_bytes = 3u << 20;         // larger: 413
  std::string client_ca_file;               // non-empty: client certificates must verify against it
  std::string health_host = "0.0.0.0";
  int health_port = -1;                     // plain HTTP /healthz, /readyz, /metrics; -1: none, 0: any free port
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

class WebhookServer {
 public:
  WebhookServer(ServerOptions opts, CertStore* certs, PolicyStore* policies, Metrics* metrics);
  ~WebhookServer();

  // Binds the listening sockets. False with *error on failure.
  bool bind(std::string* error);
  int port() const { return port_; }
  int health_port() const { return health_port_; }
  // Serves (both listeners) until stop(); returns when every worker has
  // finished (at once when stop() came first).
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
  const TransportStats& transport_stats() const { return server_->stats(); }

 private:
  void routes();
  void health_routes(httplib::Server& s);
  void handle_review(const httplib::Request& req, httplib::Response& res, bool mutate);

  ServerOptions opts_;
  CertStore* certs_;
  PolicyStore* policies_;
  Metrics* metrics_;
  std::unique_ptr<Transport> server_;
  std::unique_ptr<Transport> health_;  // null without health_port
  std::atomic<bool> draining_{false};
  std::atomic<size_t> in_flight_{0};
  ClusterView* cluster_ = nullptr;  // nullptr: every review sees an EmptyInventory
  int port_ = 0, health_port_ = -1;
};

// A JSON body for a refused request: a metav1.Status naming the problem.
std::string error_body(int code, const std::string& message);

}  // namespace rg::webhook
