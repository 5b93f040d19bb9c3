// rollout/analysis-template-ref
//
// Every AnalysisTemplate / ClusterAnalysisTemplate a Rollout references
// should exist. A warning, not a denial: apply order is arbitrary, and the
// template may arrive a moment later. When the inventory is incomplete (the
// webhook without a cluster cache, a stale cache) absence proves nothing and
// the rule stays silent.
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io" || !ctx.inventory.complete()) return out;
  const std::shared_ptr<const std::vector<AnalysisTemplateRef>> refs = shared_template_refs(obj.doc, ctx.cache);
  for (const AnalysisTemplateRef& ref : *refs) {
    if (ref.name.empty() || find_analysis_template(ctx.inventory, obj.ns(), ref) != nullptr) continue;
    AnalysisTemplateRef other = ref;
    other.cluster_scope = !ref.cluster_scope;
    const bool other_scope = find_analysis_template(ctx.inventory, obj.ns(), other) != nullptr;
    Finding f;
    f.path = ref.path;
    f.message = object_ref(obj) + ": " + std::string(analysis_use_name(ref.use)) + " " + ref.path +
                " references " + std::string(ref.kind()) + " " + quote(ref.name) +
                (ref.cluster_scope ? std::string() : " in namespace " + quote(obj.ns())) +
                ", which was not found; the rollout stops at this analysis until it exists";
    if (other_scope) {
      f.hint = std::string("a ") + std::string(other.kind()) + " " + quote(ref.name) + " exists: set " + ref.path +
               ".clusterScope: " + (other.cluster_scope ? "true" : "false");
    } else {
      f.hint = "apply " + std::string(ref.kind()) + " " + quote(ref.name) +
               (ref.cluster_scope ? std::string() : " in namespace " + quote(obj.ns())) +
               " with the rollout, or correct " + ref.path + ".templateName";
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_rollout_analysis_template_ref() {
  static const Rule r{
      .id = "rollout/analysis-template-ref",
      .default_action = Action::Warn,
      .summary = "a referenced (Cluster)AnalysisTemplate is missing",
      .doc = "Checks that every templateName in a Rollout's step analyses, experiment analyses, background "
             "analysis and blueGreen pre/post-promotion analyses names an AnalysisTemplate in the Rollout's "
             "namespace (or, with clusterScope: true, a ClusterAnalysisTemplate) that exists among the objects "
             "checked or in the cluster. It warns rather than denies because apply order is arbitrary; it is "
             "silent when the inventory is known to be incomplete. Fix: apply the template with the Rollout, "
             "or fix templateName / clusterScope.",
      .kinds = {"Rollout"},
      .cross_object = true,
      .check = check,
  };
  return r;
}

}  // namespace rg
