// Prometheus metrics of the webhook (prometheus-cpp core, rendered by
// TextSerializer for GET /metrics). Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace rg::webhook {

class Metrics {
 public:
  Metrics();
  // One answered AdmissionReview. `kind` is bounded by the caller (kinds the
  // catalog reads, else "other"). decision: allow|warn|deny|patch|skip.
  void review(std::string_view endpoint, std::string_view kind, std::string_view operation,
              std::string_view decision, bool dry_run, double seconds);
  void finding(std::string_view rule, std::string_view action);
  // A /mutate whose defaults could not be computed (allowed with no patch).
  void mutation_error();
  // A request refused before a decision (400/405/413/415), by HTTP status.
  void bad_request(std::string_view endpoint, int status);
  void policy_reload(bool ok);
  void cert_reload(bool ok);
  void set_ready(bool ready);
  void set_pool(size_t threads, size_t queued);

  std::string render() const;
  // For metrics registered elsewhere (the cluster inventory's, cluster_view.h).
  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* latency_;
  prometheus::Family<prometheus::Counter>* findings_;
  prometheus::Family<prometheus::Counter>* bad_requests_;
  prometheus::Counter* mutation_errors_;
  prometheus::Family<prometheus::Counter>* policy_reloads_;
  prometheus::Family<prometheus::Counter>* cert_reloads_;
  prometheus::Gauge* ready_;
  prometheus::Gauge* pool_threads_;
  prometheus::Gauge* pool_queued_;
};

}  // namespace rg::webhook
