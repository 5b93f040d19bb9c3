// rollout/gate-order
//
// An analysis that starts after traffic reached 100% gates nothing: every
// user already gets the new version while it measures. Flags analysis steps
// (and experiment steps with analyses) after the first `setWeight: 100`, and a
// background analysis whose startingStep is at or after it.
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io") return out;
  const json* steps = canary_steps(obj.doc);
  if (steps == nullptr) return out;
  const size_t p = full_traffic_step(*steps);
  if (p >= steps->size()) return out;  // no explicit 100% step
  const std::string full = path_index("spec.strategy.canary.steps", p);
  // Built only for a finding: most Rollouts pass.
  const auto who = [&obj] { return object_ref(obj); };
  for (size_t i = p + 1; i < steps->size(); ++i) {
    const json& step = (*steps)[i];
    const char* what = nullptr;
    if (child(step, "analysis") != nullptr) {
      what = "analysis";
    } else if (const json* a = child(step, {"experiment", "analyses"}); a && a->is_array() && !a->empty()) {
      what = "experiment";
    }
    if (what == nullptr) continue;
    const std::string at = path_key(path_index("spec.strategy.canary.steps", i), what);
    Finding f;
    f.path = at;
    const std::string full_text = full_traffic_step_text(*steps, p);
    f.message = who() + ": " + at + " runs after " + full_text +
                " sends all traffic to the new version, so every user already gets it and the analysis "
                "gates nothing";
    f.hint = "move this step before " + full_text;
    out.push_back(std::move(f));
  }
  if (const json* bg = child(*canary_strategy(obj.doc), "analysis"); bg != nullptr && bg->is_object()) {
    long long s = int_field(child(*bg, "startingStep")).value_or(0);
    if (s >= static_cast<long long>(p)) {
      Finding f;
      f.path = "spec.strategy.canary.analysis.startingStep";
      f.message = who() + ": spec.strategy.canary.analysis (" + starting_step_text(*bg) +
                  ") starts the background analysis when " + full_traffic_step_text(*steps, p) +
                  " has sent all traffic to the new version, so it gates nothing";
      f.hint = p == 0 ? "add traffic steps before " + full + " and start the analysis at step 0"
                      : "set spec.strategy.canary.analysis.startingStep below " + std::to_string(p) +
                            " (e.g. startingStep: 0)";
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace

const Rule& rule_rollout_gate_order() {
  static const Rule r{
      .id = "rollout/gate-order",
      .default_action = Action::Warn,
      .summary = "an analysis placed after setWeight: 100 gates nothing",
      .doc = "Steps run in order. An analysis step (or experiment with analyses) after the first "
             "`setWeight: 100` step, or a background analysis whose startingStep is at or after it, starts "
             "measuring when all users already get the new version: a failure can still abort the rollout, "
             "but only after everyone saw the regression. Fix: move the analysis before the 100% step.",
      .kinds = {"Rollout"},
      .check = check,
  };
  return r;
}

}  // namespace rg
