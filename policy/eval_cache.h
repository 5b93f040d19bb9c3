// EvalCache: memoized work shared by the rules of an evaluation, so that ten
// analysis rules parse and analyze a template's queries once, and finding the
// Rollouts that run a template does not rescan every Rollout for every
// template (a `check` over 2,500 templates and 2,500 Rollouts in one
// namespace was quadratic: ~630 manifests/s).
//
// evaluate() makes one per call. An adapter that evaluates many objects
// against one unchanging inventory and policy (the CLI's run) may put one in
// the Context for the whole run, shared by its threads; evaluate() then puts a
// per-call front before it. The shared one must not outlive the inventory, the
// policy or the evaluated objects, and must be dropped when any of them
// changes. Safe for concurrent use.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "policy/object.h"

namespace rg {

struct Context;
struct ScaleTarget;
struct AnalysisTemplateRef;
class Inventory;
namespace analysis {
struct TemplateAnalysis;
}
namespace psa {
struct PodTemplate;
}

class EvalCache {
 public:
  // `shared`, when given, is the run's cache (which must outlive this one):
  // this one is then a front for one evaluation on one thread, keeping what it
  // got from `shared` so the rules' repeated lookups do not contend for the
  // shared cache's locks (evaluate() makes one).
  explicit EvalCache(EvalCache* shared = nullptr);
  ~EvalCache();
  EvalCache(const EvalCache&) = delete;
  EvalCache& operator=(const EvalCache&) = delete;

  // The analysis of the AnalysisTemplate document `doc`, keyed by its address.
  std::shared_ptr<const analysis::TemplateAnalysis> template_analysis(const json& doc, const Context& ctx);
  // The Rollouts in ctx.inventory whose analyses reference `tmpl` (an
  // AnalysisTemplate: same namespace; a ClusterAnalysisTemplate: any), in
  // inventory order.
  std::vector<const Object*> rollouts_using(const Object& tmpl, const Context& ctx);
  // The HorizontalPodAutoscalers, then the ScaledObjects, in `inv` whose
  // normalized scale target is `target` (ScaleTarget::same_as), in inventory
  // order: what replica_owners() would find by scanning the namespace.
  std::vector<const Object*> autoscalers_of(const ScaleTarget& target, const Inventory& inv);
  // doc.spec.template walked once (psa::walk_pod_template), keyed by doc's
  // address: the 19 pod-security rules of an evaluation share it.
  std::shared_ptr<const psa::PodTemplate> pod_template(const json& doc);
  // analysis_template_refs(doc) (policy/rollout_refs.h), keyed by doc's
  // address: the Rollout rules that read a Rollout's template references
  // share one list.
  std::shared_ptr<const std::vector<AnalysisTemplateRef>> template_refs(const json& doc);

 private:
  // Template name (or "<group>\0<lowercase kind>\0<name>" scale target) -> objects, in inventory order.
  using NameIndex = std::unordered_map<std::string, std::vector<const Object*>>;

  template <class K, class V>
  using Memo = std::unordered_map<K, std::shared_ptr<const V>>;
  // map[key], computed on a miss (eval_cache.cc).
  template <class K, class V, class Compute>
  std::shared_ptr<const V> memo(std::mutex& mu, Memo<K, V>& map, const K& key, Compute&& compute);

  EvalCache* shared_;
  // One lock per map, each held only to look up or insert (eval_cache.cc).
  std::mutex analyses_mu_, pods_mu_, refs_mu_, users_mu_, scalers_mu_;
  Memo<const json*, analysis::TemplateAnalysis> analyses_;
  Memo<const json*, psa::PodTemplate> pods_;
  Memo<const json*, std::vector<AnalysisTemplateRef>> refs_;
  // Per namespace scanned ("\x01" = every namespace, for cluster templates,
  // where only clusterScope references count): template name -> Rollouts.
  Memo<std::string, NameIndex> users_;
  // Per namespace: "<group>\0<lowercase kind>\0<name>" -> autoscalers.
  Memo<std::string, NameIndex> scalers_;
};

}  // namespace rg
