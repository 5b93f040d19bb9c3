#include "server/reconcile/metrics.h"

#include <sstream>

#include <prometheus/text_serializer.h>

namespace rg::reconcile {

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  audited_ = &prometheus::BuildCounter()
                  .Name("rollout_guard_reconcile_objects_audited_total")
                  .Help("Objects evaluated by the reconciler (full and incremental audits)")
                  .Register(*registry_)
                  .Add({});
  full_audits_ = &prometheus::BuildCounter()
                      .Name("rollout_guard_reconcile_full_audits_total")
                      .Help("Audits of every object (on start, on leadership, on policy change)")
                      .Register(*registry_)
                      .Add({});
  last_full_audit_ = &prometheus::BuildGauge()
                          .Name("rollout_guard_reconcile_last_full_audit_timestamp_seconds")
                          .Help("Unix time when the last full audit finished")
                          .Register(*registry_)
                          .Add({});
  last_full_audit_duration_ = &prometheus::BuildGauge()
                                   .Name("rollout_guard_reconcile_last_full_audit_duration_seconds")
                                   .Help("How long the last full audit took (evaluation and report writes)")
                                   .Register(*registry_)
                                   .Add({});
  findings_ = &prometheus::BuildGauge()
                   .Name("rollout_guard_reconcile_findings")
                   .Help("Findings in the reports now, by rule and action (deny, warn)")
                   .Register(*registry_);
  writes_ = &prometheus::BuildCounter()
                 .Name("rollout_guard_reconcile_report_writes_total")
                 .Help("PolicyReport writes by result (ok, unchanged: skipped, deleted, error)")
                 .Register(*registry_);
  events_ = &prometheus::BuildCounter()
                 .Name("rollout_guard_reconcile_events_total")
                 .Help("Events emitted for new deny findings, by result (ok, error)")
                 .Register(*registry_);
  leader_ = &prometheus::BuildGauge()
                 .Name("rollout_guard_reconcile_leader")
                 .Help("1 while this instance holds the lease and writes reports")
                 .Register(*registry_)
                 .Add({});
  synced_ = &prometheus::BuildGauge()
                 .Name("rollout_guard_inventory_synced")
                 .Help("1 once every informer has done its first LIST")
                 .Register(*registry_)
                 .Add({});
  objects_ = &prometheus::BuildGauge()
                  .Name("rollout_guard_inventory_objects")
                  .Help("Objects in the watch cache")
                  .Register(*registry_)
                  .Add({});
  restarts_ = &prometheus::BuildCounter()
                   .Name("rollout_guard_watch_restarts_total")
                   .Help("Watches opened again after a stream ended or failed, summed over informers")
                   .Register(*registry_)
                   .Add({});
  relists_ = &prometheus::BuildCounter()
                  .Name("rollout_guard_watch_relists_total")
                  .Help("LISTs after the first (410 Gone), summed over informers")
                  .Register(*registry_)
                  .Add({});
}

void Metrics::audited(size_t objects) { audited_->Increment(static_cast<double>(objects)); }

void Metrics::full_audit(double unix_seconds, double seconds) {
  full_audits_->Increment();
  last_full_audit_->Set(unix_seconds);
  last_full_audit_duration_->Set(seconds);
}

void Metrics::set_findings(const std::map<std::pair<std::string, std::string>, int64_t>& counts) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, g] : finding_gauges_) {
    if (!counts.count(key)) g->Set(0);
  }
  for (const auto& [key, n] : counts) {
    auto it = finding_gauges_.find(key);
    if (it == finding_gauges_.end()) {
      it = finding_gauges_.emplace(key, &findings_->Add({{"rule", key.first}, {"action", key.second}})).first;
    }
    it->second->Set(static_cast<double>(n));
  }
}

void Metrics::report_write(const char* result) { writes_->Add({{"result", result}}).Increment(); }
void Metrics::event(bool ok) { events_->Add({{"result", ok ? "ok" : "error"}}).Increment(); }
void Metrics::set_leader(bool leader) { leader_->Set(leader ? 1 : 0); }

void Metrics::set_inventory(bool synced, size_t objects, uint64_t watch_restarts, uint64_t relists) {
  synced_->Set(synced ? 1 : 0);
  objects_->Set(static_cast<double>(objects));
  std::lock_guard<std::mutex> lock(mu_);
  // The informers own the counts; the counters follow them by increments.
  if (watch_restarts > seen_restarts_) restarts_->Increment(static_cast<double>(watch_restarts - seen_restarts_));
  if (relists > seen_relists_) relists_->Increment(static_cast<double>(relists - seen_relists_));
  seen_restarts_ = std::max(seen_restarts_, watch_restarts);
  seen_relists_ = std::max(seen_relists_, relists);
}

std::string Metrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace rg::reconcile
