#include "server/webhook/cluster_view.h"

#include <algorithm>

#include "server/webhook/log.h"

namespace rg::webhook {

ClusterView::ClusterView(const kube::ClusterInventory* inv, std::string scope_ns, prometheus::Registry& registry)
    : inv_(inv), scope_(std::move(scope_ns)) {
  synced_gauge_ = &prometheus::BuildGauge()
                       .Name("rollout_guard_inventory_synced")
                       .Help("1 once the cluster inventory has listed every watched resource (readyz waits for it)")
                       .Register(registry)
                       .Add({});
  complete_gauge_ = &prometheus::BuildGauge()
                         .Name("rollout_guard_inventory_complete")
                         .Help("1 when the cluster inventory is synced and not stale; 0 makes cross-object "
                               "denials warnings")
                         .Register(registry)
                         .Add({});
  staleness_gauge_ = &prometheus::BuildGauge()
                          .Name("rollout_guard_inventory_staleness_seconds")
                          .Help("Longest time any watched resource has gone without news from the API server")
                          .Register(registry)
                          .Add({});
  objects_gauge_ = &prometheus::BuildGauge()
                        .Name("rollout_guard_inventory_objects")
                        .Help("Objects held by the cluster inventory")
                        .Register(registry)
                        .Add({});
  restarts_ = &prometheus::BuildCounter()
                   .Name("rollout_guard_inventory_watch_restarts_total")
                   .Help("Watches of the cluster inventory opened again after the first")
                   .Register(registry)
                   .Add({});
  relists_ = &prometheus::BuildCounter()
                  .Name("rollout_guard_inventory_relists_total")
                  .Help("LISTs of the cluster inventory after the first (410 Gone)")
                  .Register(registry)
                  .Add({});
  overrides_ = &prometheus::BuildCounter()
                    .Name("rollout_guard_namespace_mode_overrides_total")
                    .Help("Reviews evaluated with the mode of their namespace's rollout-guard.io/enforce label, by mode")
                    .Register(registry);
  invalid_labels_ = &prometheus::BuildCounter()
                         .Name("rollout_guard_namespace_label_invalid_total")
                         .Help("Reviews whose namespace has a rollout-guard.io/enforce label that is not "
                               "enforce, warn or off (ignored)")
                         .Register(registry)
                         .Add({});
}

const Inventory& ClusterView::inventory_for(std::string_view ns) const {
  if (scope_.empty() || ns == scope_) return *inv_;
  return empty_;
}

std::optional<NamespaceMode> ClusterView::namespace_mode(std::string_view ns) {
  if (ns.empty()) return std::nullopt;
  std::optional<std::string> value = inv_->namespace_label(ns, kNamespaceModeLabel);
  if (!value) return std::nullopt;
  NamespaceMode mode = NamespaceMode::Enforce;
  if (parse_namespace_mode(*value, &mode)) {
    overrides_->Add({{"mode", std::string(namespace_mode_name(mode))}}).Increment();
    return mode;
  }
  invalid_labels_->Increment();
  bool log = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = invalid_logged_.find(ns);
    if (it == invalid_logged_.end() || it->second != *value) {
      invalid_logged_[std::string(ns)] = *value;
      log = true;
    }
  }
  if (log) {
    log_json(spdlog::level::warn, "namespace label ignored: the policy file's namespace mode applies",
             {{"namespace", ns},
              {"label", kNamespaceModeLabel},
              {"value", *value},
              {"expected", "enforce, warn or off"}});
  }
  return std::nullopt;
}

void ClusterView::update_metrics() {
  const bool synced = inv_->synced();
  synced_gauge_->Set(synced ? 1 : 0);
  complete_gauge_->Set(inv_->complete() ? 1 : 0);
  objects_gauge_->Set(static_cast<double>(inv_->size()));
  const auto now = std::chrono::steady_clock::now();
  double stale = 0;
  for (const kube::ClusterInventory::ResourceState& s : inv_->state()) {
    if (s.skipped) continue;
    // Never heard from: count from the start.
    auto since = s.last_activity == std::chrono::steady_clock::time_point{} ? started_ : s.last_activity;
    stale = std::max(stale, std::chrono::duration<double>(now - since).count());
  }
  staleness_gauge_->Set(stale);
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t restarts = inv_->restarts(), relists = inv_->relists();
  if (restarts > restarts_seen_) restarts_->Increment(static_cast<double>(restarts - restarts_seen_));
  if (relists > relists_seen_) relists_->Increment(static_cast<double>(relists - relists_seen_));
  restarts_seen_ = std::max(restarts_seen_, restarts);
  relists_seen_ = std::max(relists_seen_, relists);
}

void ClusterView::poll() {
  if (!inv_->synced()) return;
  std::string reason = inv_->incomplete_reason();
  std::lock_guard<std::mutex> lock(mu_);
  if (!logged_synced_) {
    logged_synced_ = true;
    log_json(spdlog::level::info, "cluster inventory synced: cross-object rules and namespace labels in use",
             {{"objects", inv_->size()},
              {"namespace", scope_.empty() ? "(all)" : scope_},
              {"sync_ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                started_)
                              .count()}});
  }
  if (reason.empty() == last_reason_.empty()) {
    last_reason_ = reason;
    return;
  }
  if (!reason.empty()) {
    log_json(spdlog::level::warn, "cluster inventory incomplete: cross-object denials are warnings until it recovers",
             {{"reason", reason}});
  } else {
    log_json(spdlog::level::info, "cluster inventory complete again: cross-object rules enforce");
  }
  last_reason_ = std::move(reason);
}

}  // namespace rg::webhook
