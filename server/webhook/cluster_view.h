// The webhook's use of the cluster inventory (`serve --inventory=cluster`):
// which inventory a request is evaluated with, the mode a namespace sets with
// its rollout-guard.io/enforce label, readiness, and the inventory's metrics.
// The decisions themselves stay in the core: the view only fills rg::Context.
//
// - Objects in the watched scope are evaluated with the ClusterInventory; with
//   --namespace, objects elsewhere get an empty inventory (as without
//   --inventory=cluster), since the cache cannot know their neighbours.
// - A namespace labelled rollout-guard.io/enforce: enforce|warn|off gets that
//   mode (Context::namespace_mode, which wins over the policy file's
//   `namespaces:`). Any other value is ignored: logged once per namespace and
//   value, counted in rollout_guard_namespace_label_invalid_total.
// - Ready once the inventory's first LIST of every resource is done; a stale
//   cache keeps the webhook ready (the core turns cross-object denials into
//   warnings that say why) and is logged when it starts and ends.
//
// Thread-safe: workers call inventory_for() and namespace_mode() at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "policy/inventory.h"
#include "policy/policy.h"
#include "server/kube/cache.h"

namespace rg::webhook {

class ClusterView {
 public:
  // `inv` is started by the caller and outlives the view. `scope_ns` is the
  // namespace the inventory watches ("" for all). Metrics are registered in
  // `registry` (the webhook's /metrics).
  ClusterView(const kube::ClusterInventory* inv, std::string scope_ns, prometheus::Registry& registry);

  // The inventory to evaluate an object of namespace `ns` with.
  const Inventory& inventory_for(std::string_view ns) const;
  // The mode set by namespace `ns`'s label; nullopt when the namespace is
  // unknown, unlabelled or the value is invalid. Counts applied overrides.
  std::optional<NamespaceMode> namespace_mode(std::string_view ns);

  // Every resource has been listed once (the initial sync).
  bool synced() const { return inv_->synced(); }
  // "" when complete; else why not ("... has not finished its initial sync
  // (waiting for ...)", "... is stale: no news ... for 412s (bound 360s)").
  std::string incomplete_reason() const { return inv_->incomplete_reason(); }

  // Refreshes the inventory gauges; called before /metrics renders.
  void update_metrics();
  // Logs the initial sync and changes between complete and stale; called
  // about once a second.
  void poll();

 private:
  const kube::ClusterInventory* inv_;
  const std::string scope_;
  const EmptyInventory empty_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  prometheus::Gauge* synced_gauge_;
  prometheus::Gauge* complete_gauge_;
  prometheus::Gauge* staleness_gauge_;
  prometheus::Gauge* objects_gauge_;
  prometheus::Counter* restarts_;
  prometheus::Counter* relists_;
  prometheus::Family<prometheus::Counter>* overrides_;
  prometheus::Counter* invalid_labels_;

  std::mutex mu_;  // guards the fields below
  std::map<std::string, std::string, std::less<>> invalid_logged_;  // namespace -> value logged
  uint64_t restarts_seen_ = 0, relists_seen_ = 0;
  bool logged_synced_ = false;
  std::string last_reason_;  // incomplete reason at the last poll after sync
};

}  // namespace rg::webhook
