// rollout/analysis-gate
//
// A progressive rollout must be able to stop itself. A canary needs at least
// one analysis that starts before traffic reaches 100%: an analysis step
// (spec.strategy.canary.steps[i].analysis, or an experiment step with
// analyses) before the first `setWeight: 100`, or a background
// spec.strategy.canary.analysis whose startingStep comes before it. A canary
// with no steps goes straight to 100%. A blueGreen rollout needs
// spec.strategy.blueGreen.prePromotionAnalysis. Rollouts without either
// strategy are left to rollout/spec.
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"
#include "policy/autoscaling.h"

namespace rg {

namespace {

bool has_templates(const json* analysis) {
  const json* t = analysis ? child(*analysis, "templates") : nullptr;
  return t != nullptr && t->is_array() && !t->empty();
}

bool step_has_analysis(const json& step) {
  if (has_templates(child(step, "analysis"))) return true;
  const json* a = child(step, {"experiment", "analyses"});
  return a != nullptr && a->is_array() && !a->empty();
}

std::string full_traffic_where(const json& steps, size_t p) {
  if (p < steps.size()) return full_traffic_step_text(steps, p);
  return "the end of spec.strategy.canary.steps";
}

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io") return out;
  // Built only for a finding: most Rollouts pass.
  const auto who = [&obj] { return object_ref(obj); };
  if (const json* canary = canary_strategy(obj.doc)) {
    const json* steps = canary_steps(obj.doc);
    if (steps == nullptr || steps->empty()) {
      Finding f;
      f.path = "spec.strategy.canary.steps";
      f.message = who() + ": spec.strategy.canary has no steps, so an update shifts 100% of traffic at once "
                        "and no analysis can stop it";
      f.hint = "add steps that shift traffic gradually with an analysis before 100%, e.g. "
               "- setWeight: 10, - pause: {duration: 60s}, - analysis: {templates: [{templateName: success-rate}]}";
      out.push_back(std::move(f));
      return out;
    }
    const size_t p = full_traffic_step(*steps);
    for (size_t i = 0; i < p; ++i) {
      if (step_has_analysis((*steps)[i])) return out;
    }
    const json* bg = child(*canary, "analysis");
    std::string extra;
    if (has_templates(bg)) {
      std::optional<long long> start = int_field(child(*bg, "startingStep"));
      long long s = start.value_or(0);
      if (s >= 0 && static_cast<size_t>(s) < p) return out;
      extra = "; spec.strategy.canary.analysis (" + starting_step_text(*bg) + ") starts too late";
    }
    Finding f;
    f.path = "spec.strategy.canary.steps";
    f.message = who() + ": no analysis runs before traffic reaches 100% at " + full_traffic_where(*steps, p) + extra;
    f.hint = p < steps->size()
                 ? "insert - analysis: {templates: [{templateName: <template>}]} before " +
                       path_index("spec.strategy.canary.steps", p)
                 : "add a step - analysis: {templates: [{templateName: <template>}]} before the last step, "
                   "or a background spec.strategy.canary.analysis";
    out.push_back(std::move(f));
    return out;
  }
  if (const json* bg = blue_green_strategy(obj.doc)) {
    if (has_templates(child(*bg, "prePromotionAnalysis"))) return out;
    Finding f;
    f.path = "spec.strategy.blueGreen.prePromotionAnalysis";
    f.message = who() + ": spec.strategy.blueGreen has no prePromotionAnalysis, so the new version is promoted "
                      "to the active service without analysis";
    f.hint = "add spec.strategy.blueGreen.prePromotionAnalysis: {templates: [{templateName: <template>}]}";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_rollout_analysis_gate() {
  static const Rule r{
      .id = "rollout/analysis-gate",
      .default_action = Action::Deny,
      .summary = "a rollout must run an analysis before traffic reaches 100%",
      .doc = "A canary Rollout must run at least one analysis that starts before traffic reaches 100%: an "
             "analysis step (or an experiment step with analyses) before the first `setWeight: 100` step "
             "(or before the end of the steps when none sets 100), or a background "
             "spec.strategy.canary.analysis whose startingStep is earlier. A canary with no steps shifts all "
             "traffic at once and is denied. A blueGreen Rollout needs prePromotionAnalysis. Without such a "
             "gate, Argo Rollouts promotes a broken version on schedule. Fix: add an analysis step before "
             "100%, referencing an AnalysisTemplate that measures errors and latency.",
      .kinds = {"Rollout"},
      .check = check,
  };
  return r;
}

}  // namespace rg
