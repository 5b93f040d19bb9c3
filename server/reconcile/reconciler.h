// The reconciler: audits the cluster's Rollouts, AnalysisTemplates,
// ClusterAnalysisTemplates, HPAs and ScaledObjects with the core and keeps
// one PolicyReport per namespace (a ClusterPolicyReport for the
// cluster-scoped templates) in step with what the core says.
//
// - Changes arrive from ClusterInventory's listener and mark namespaces
//   dirty: a change to any object in namespace N (Deployments included)
//   re-audits all of N, which covers every same-namespace dependency (an HPA
//   whose Deployment a new Rollout replaces, Rollouts referencing a changed
//   AnalysisTemplate, autoscalers sharing a target); a ClusterAnalysisTemplate
//   change re-audits the cluster report and the namespaces of the Rollouts
//   that reference it; a Namespace change (its rollout-guard.io/enforce
//   label) re-audits that namespace. Changes are batched for `debounce`.
// - Reports are written by server-side apply (field manager rollout-guard,
//   force) and only when their content (timestamps aside) changed. A
//   namespace with no audited object left has its report deleted.
// - An Event (Warning, PolicyViolation) is emitted when a deny finding
//   appears that the previous report did not have. On taking leadership the
//   reconciler reads the reports already in the cluster, so a restart or a
//   failover neither repeats events nor leaves stale reports.
// - Only the leader audits and writes; followers only keep the inventory warm.
//
// Thread safety: listener(), set_policy(), set_leading() and the getters may
// be called from any thread. reconcile_once() is called either by the loop
// (start()) or directly (--once, tests), never both.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "policy/policy.h"
#include "server/kube/cache.h"
#include "server/kube/client.h"
#include "server/reconcile/metrics.h"
#include "server/reconcile/report.h"

namespace rg::reconcile {

struct ReconcilerOptions {
  std::string report_name = std::string(kReportName);
  std::chrono::milliseconds debounce{200};      // changes within this window are audited together
  std::chrono::milliseconds retry_after{2000};  // a failed write is retried after this
  bool events = true;
  std::string instance;                 // the Events' reportingInstance ("" = the controller name)
  std::function<int64_t()> unix_now;    // result timestamps; system_clock by default
  // Audit only while the inventory is complete (synced, and no resource
  // stale): a report is never written from a partial or stale view; changes
  // meanwhile wait and are audited once it is complete again.
  bool wait_for_sync = true;
  std::string ns;                       // the one namespace watched ("" = all): reports elsewhere are not ours to prune
};

class Reconciler {
 public:
  // The client and inventory must outlive the reconciler; metrics may be null.
  Reconciler(kube::Client& client, const kube::ClusterInventory& inventory, std::shared_ptr<const Policy> policy,
             ReconcilerOptions options = {}, Metrics* metrics = nullptr);
  ~Reconciler();  // stop()
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // To hand to ClusterInventory::set_listener() before the inventory starts.
  kube::ChangeListener listener();
  // Replaces the policy and schedules a full audit.
  void set_policy(std::shared_ptr<const Policy> policy);
  // Leader election callbacks. true: read the existing reports and audit
  // everything; false: stop writing (what is in flight finishes).
  void set_leading(bool leading);
  bool leading() const;

  // One pass: audits the dirty namespaces (everything when a full audit is
  // due) and, when leading, writes what changed. Returns false when the
  // inventory is not synced yet or a write failed (the namespace stays
  // dirty and is retried).
  bool reconcile_once();
  // Runs reconcile_once() on a thread whenever something is dirty.
  void start();
  void stop();

  struct Stats {
    uint64_t passes = 0, full_audits = 0, objects_audited = 0;
    uint64_t writes = 0, unchanged = 0, deletes = 0, write_errors = 0, events = 0, event_errors = 0;
    // Passes held back because the inventory was incomplete (not synced, or stale).
    uint64_t held = 0;
  };
  Stats stats() const;
  // No pass running and, when leading, nothing dirty and no full audit
  // pending (tests wait for this). A follower is idle between passes.
  bool idle() const;

 private:
  bool seed_from_cluster();
  bool process(const std::string& ns, const Policy& policy);
  void emit_events(const json& report, const json& previous);
  void publish_findings();
  void mark_dirty_locked(const std::string& ns);

  kube::Client& client_;
  bool holding_ = false;  // the last pass was held back (logged once per hold); loop thread only
  const kube::ClusterInventory& inventory_;
  ReconcilerOptions options_;
  Metrics* metrics_;

  mutable std::mutex mu_;  // guards the fields up to stats_
  std::condition_variable cv_;
  std::shared_ptr<const Policy> policy_;
  std::set<std::string> dirty_;      // namespaces ("" = cluster report)
  std::set<std::string> dirty_cats_; // ClusterAnalysisTemplate names changed
  std::chrono::steady_clock::time_point dirty_since_{};
  std::chrono::steady_clock::time_point retry_at_{};
  bool full_due_ = true;
  bool leading_ = false;
  bool seeded_ = false;
  bool stopping_ = false;
  bool busy_ = false;  // a pass is running
  Stats stats_;

  // Owned by whoever runs reconcile_once().
  std::map<std::string, json> written_;  // ns -> the report as last written or read
  std::map<std::string, std::map<std::pair<std::string, std::string>, int64_t>> counts_;  // ns -> (rule, action) -> n
  std::thread thread_;
};

}  // namespace rg::reconcile
