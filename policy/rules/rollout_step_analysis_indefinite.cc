// rollout/step-analysis-indefinite
//
// A step, pre-promotion or post-promotion analysis must finish: the rollout
// waits for it. Argo refuses such a rollout (InvalidSpec) when a template it
// uses has a metric without a finite count, i.e. an interval without count
// (or count 0): "AnalysisTemplate X has metric Y which runs indefinitely".
// Background analysis may run indefinitely and is not checked. Templates
// missing from the inventory, and counts set through arguments, are skipped.
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io") return out;
  const std::shared_ptr<const std::vector<AnalysisTemplateRef>> refs = shared_template_refs(obj.doc, ctx.cache);
  for (const AnalysisTemplateRef& ref : *refs) {
    if (ref.use != AnalysisUse::Step && ref.use != AnalysisUse::PrePromotion &&
        ref.use != AnalysisUse::PostPromotion) {
      continue;
    }
    const Object* tmpl = find_analysis_template(ctx.inventory, obj.ns(), ref);
    if (tmpl == nullptr) continue;
    const json* metrics = child(tmpl->doc, {"spec", "metrics"});
    if (metrics == nullptr || !metrics->is_array()) continue;
    for (size_t k = 0; k < metrics->size(); ++k) {
      const json& m = (*metrics)[k];
      if (effective_count(m).kind != MetricCount::Indefinite) continue;
      const json* count = child(m, "count");
      const std::string count_str = count == nullptr || count->is_null() ? "<nil>" : short_json(*count);
      const std::string metric_name(str_or(child(m, "name")));
      Finding f;
      f.path = ref.path;
      f.message = object_ref(obj) + ": " + ref.path + ": Invalid value: " + quote(ref.name) + ": " +
                  std::string(ref.kind()) + " " + ref.name + " has metric " + metric_name +
                  " which runs indefinitely. Invalid value for count: " + count_str + " (" +
                  std::string(analysis_use_name(ref.use)) + " waits for it; interval " +
                  quote(str_or(child(m, "interval"))) + " without count)";
      f.hint = "set spec.metrics[" + std::to_string(k) + "].count (e.g. count: 5) in " + std::string(ref.kind()) +
               " " + quote(ref.name) + ", or run it as background analysis (spec.strategy.canary.analysis)";
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace

const Rule& rule_rollout_step_analysis_indefinite() {
  static const Rule r{
      .id = "rollout/step-analysis-indefinite",
      .default_action = Action::Deny,
      .summary = "a step/pre/post-promotion analysis uses a metric that runs indefinitely",
      .doc = "An analysis step, prePromotionAnalysis or postPromotionAnalysis blocks the rollout until the "
             "AnalysisRun completes. A metric with an interval but no count (or count 0) never completes, and "
             "Argo Rollouts marks the Rollout InvalidSpec: \"AnalysisTemplate X has metric Y which runs "
             "indefinitely\". Checked through the inventory: templates that are not present, and counts set "
             "from arguments, are not judged. Background analysis (spec.strategy.canary.analysis) may run "
             "indefinitely. Fix: set count on the metric, or use the template as background analysis.",
      .kinds = {"Rollout"},
      .cross_object = true,
      .check = check,
  };
  return r;
}

}  // namespace rg
