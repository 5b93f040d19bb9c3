// ClusterInventory: the core's Inventory, kept in step with the cluster by
// one informer per resource (Rollouts, AnalysisTemplates,
// ClusterAnalysisTemplates, Deployments, HPAs, ScaledObjects, Namespaces).
//
// Memory is bounded by storing only what rules read (strip_for_inventory):
// no status, no managedFields, no annotations but rollout-guard.io/* and the
// few in kKeptAnnotations; Deployments keep only metadata, spec.replicas,
// spec.selector and spec.template; Namespaces only their name and labels.
//
// Objects are stored packed (CBOR of the stripped document, about a third of
// the size of a parsed nlohmann::json tree) and unpacked on demand: find(),
// list() and get() return unpacked copies that are shared while in use and
// kept for a while after each access, so repeated lookups do not unpack again.
//
// Thread safety: any number of readers and the informer threads may use it
// at once (a shared_mutex guards the maps). A pointer returned by find() or
// list() stays valid for at least `pointer_lifetime` after the call, whatever
// happens to the object meanwhile (replaced, deleted): that covers any single
// evaluation. Keep the shared_ptr from get() to hold an object longer.
//
// complete() is false until every informer has finished its first LIST, and
// whenever one of them has not heard from the API server (an event, a
// bookmark, a normally ended stream, a LIST) for longer than `stale_after`;
// incomplete_reason() says which and for how long.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/inventory.h"
#include "policy/policy.h"
#include "server/kube/client.h"
#include "server/kube/informer.h"

namespace rg::kube {

// Annotations kept besides rollout-guard.io/*: the ones rules read.
inline constexpr std::string_view kKeptAnnotations[] = {
    "autoscaling.keda.sh/paused",           // a paused ScaledObject does not drive replicas
    "autoscaling.keda.sh/paused-replicas",
};

// The resources the inventory watches.
std::vector<Resource> inventory_resources();

// What the inventory keeps of an object (see the file comment).
json strip_for_inventory(const json& obj);

struct ClusterInventoryOptions {
  std::chrono::seconds stale_after{360};  // > the longest watch timeout: quiet clusters still end streams
  std::chrono::seconds pointer_lifetime{30};  // see the file comment
  SteadyClock clock;                      // defaults to steady_clock::now
  InformerOptions informer;               // namespace, paging, timeouts, backoff (clock is overridden)
  std::vector<Resource> resources = inventory_resources();
};

// Called after each change, on the informer's thread: "ADDED", "MODIFIED" or
// "DELETED", with the stored (stripped) object; for DELETED the last version.
using ChangeListener = std::function<void(std::string_view type, const std::shared_ptr<const Object>& obj)>;

class ClusterInventory : public rg::Inventory {
 public:
  explicit ClusterInventory(ClusterInventoryOptions options = {});
  ~ClusterInventory() override;  // stops the informers

  // Starts one informer per resource. The client must outlive the inventory.
  void start(Client& client);
  void stop();
  void set_listener(ChangeListener listener);  // before start()

  // Every informer has done its first LIST (or found its resource not served).
  bool synced() const;
  // Blocks until synced() or the timeout; returns synced().
  bool wait_synced(std::chrono::milliseconds timeout) const;

  const Object* find(std::string_view group, std::string_view kind, std::string_view ns,
                     std::string_view name) const override;
  std::vector<const Object*> list(std::string_view kind, std::string_view ns) const override;
  bool complete() const override;
  std::string incomplete_reason() const override;

  // Shared ownership of one object, for callers that hold it past an evaluation.
  std::shared_ptr<const Object> get(std::string_view group, std::string_view kind, std::string_view ns,
                                    std::string_view name) const;
  // A namespace's label value; nullopt when the namespace or label is absent.
  std::optional<std::string> namespace_label(std::string_view ns, std::string_view key) const;
  // The mode set by the rollout-guard.io/enforce label; nullopt when absent or
  // not one of enforce|warn|off.
  std::optional<NamespaceMode> namespace_mode(std::string_view ns) const;

  // Feeding without informers (the informer handlers call these; so do tests
  // and benchmarks). `obj` is stripped before it is stored.
  void upsert(const json& obj);
  void erase(const json& obj);

  size_t size() const;
  struct ResourceState {
    std::string resource;  // "deployments.apps/v1"
    bool synced = false, skipped = false;
    uint64_t restarts = 0, relists = 0, errors = 0;
    std::chrono::steady_clock::time_point last_activity;
    std::string last_error;
  };
  std::vector<ResourceState> state() const;
  uint64_t restarts() const;  // summed over informers
  uint64_t relists() const;

 private:
  // An unpacked object and how long the inventory keeps it alive.
  struct Hot {
    Object obj;
    std::chrono::steady_clock::time_point kept_until;
  };
  struct Entry {
    std::string packed;                  // CBOR
    mutable std::weak_ptr<Hot> hot;      // guarded by hot_mu_
  };
  struct Bucket {  // one kind
    std::string group;
    std::map<std::pair<std::string, std::string>, Entry, std::less<>> objects;
  };
  std::chrono::steady_clock::time_point now() const;
  // Unpacks (or reuses) an entry; the caller holds mu_ (shared or exclusive).
  std::shared_ptr<const Object> unpack(const Entry& e) const;
  // Keeps `hot` alive for 2 x pointer_lifetime; caller holds hot_mu_.
  void keep(const std::shared_ptr<Hot>& hot) const;

  ClusterInventoryOptions options_;
  ChangeListener listener_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Bucket, std::less<>> kinds_;
  mutable std::mutex hot_mu_;  // guards Entry::hot, Hot::kept_until and kept_
  mutable std::deque<std::pair<std::chrono::steady_clock::time_point, std::shared_ptr<Hot>>> kept_;
  std::vector<std::unique_ptr<Informer>> informers_;
};

}  // namespace rg::kube
