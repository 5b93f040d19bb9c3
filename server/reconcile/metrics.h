// Prometheus metrics of the reconciler (prometheus-cpp core, rendered for
// GET /metrics as server/webhook/metrics.h does). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace rg::reconcile {

class Metrics {
 public:
  Metrics();
  void audited(size_t objects);                 // objects evaluated (full or incremental)
  // A full audit finished at `unix_seconds` after `seconds`.
  void full_audit(double unix_seconds, double seconds);
  // The current findings across every report, by (rule, action): replaces the
  // previous values (a pair no longer present reads 0).
  void set_findings(const std::map<std::pair<std::string, std::string>, int64_t>& counts);
  void report_write(const char* result);  // ok | unchanged | deleted | error
  void event(bool ok);
  void set_leader(bool leader);
  void set_inventory(bool synced, size_t objects, uint64_t watch_restarts, uint64_t relists);

  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter* audited_;
  prometheus::Gauge* last_full_audit_;
  prometheus::Gauge* last_full_audit_duration_;
  prometheus::Counter* full_audits_;
  prometheus::Family<prometheus::Gauge>* findings_;
  prometheus::Family<prometheus::Counter>* writes_;
  prometheus::Family<prometheus::Counter>* events_;
  prometheus::Gauge* leader_;
  prometheus::Gauge* synced_;
  prometheus::Gauge* objects_;
  prometheus::Counter* restarts_;
  prometheus::Counter* relists_;
  std::mutex mu_;  // guards the fields below
  std::map<std::pair<std::string, std::string>, prometheus::Gauge*> finding_gauges_;
  uint64_t seen_restarts_ = 0, seen_relists_ = 0;
};

}  // namespace rg::reconcile
