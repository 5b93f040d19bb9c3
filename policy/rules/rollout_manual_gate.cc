// rollout/manual-gate
//
// A Rollout labelled rollout-guard.io/tier: critical must wait for a person
// before full traffic: a canary needs an indefinite `pause: {}` step before
// the first `setWeight: 100` (or before the end of the steps); a blueGreen
// rollout needs autoPromotionEnabled: false, its equivalent.
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

constexpr std::string_view kTierLabel = "rollout-guard.io/tier";

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io" || label(obj.doc, kTierLabel) != "critical") return out;
  const std::string who = object_ref(obj) + " is labelled " + std::string(kTierLabel) + ": critical";
  if (canary_strategy(obj.doc) != nullptr) {
    const json* steps = canary_steps(obj.doc);
    size_t p = steps ? full_traffic_step(*steps) : 0;
    for (size_t i = 0; i < p; ++i) {
      if (is_indefinite_pause((*steps)[i])) return out;
    }
    const bool explicit_full = steps != nullptr && p < steps->size();
    const std::string where =
        explicit_full ? full_traffic_step_text(*steps, p) : "the end of the steps";
    Finding f;
    f.path = "spec.strategy.canary.steps";
    f.message = who + " but has no indefinite pause (pause: {}) before traffic reaches 100% at " + where;
    f.hint = "insert the step - pause: {} before " +
             (explicit_full ? path_index("spec.strategy.canary.steps", p) : std::string("the last step")) +
             "; a person then promotes with `kubectl argo rollouts promote " + std::string(obj.name()) + "`";
    out.push_back(std::move(f));
    return out;
  }
  if (const json* bg = blue_green_strategy(obj.doc)) {
    const json* ap = child(*bg, "autoPromotionEnabled");
    if (ap != nullptr && ap->is_boolean() && !ap->get<bool>()) return out;
    Finding f;
    f.path = "spec.strategy.blueGreen.autoPromotionEnabled";
    f.message = who + " but spec.strategy.blueGreen promotes automatically (autoPromotionEnabled is not false)";
    f.hint = "set spec.strategy.blueGreen.autoPromotionEnabled: false";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_rollout_manual_gate() {
  static const Rule r{
      .id = "rollout/manual-gate",
      .default_action = Action::Deny,
      .summary = "a critical-tier rollout needs an indefinite pause before 100%",
      .doc = "Rollouts labelled rollout-guard.io/tier: critical must not reach full traffic without a person "
             "deciding. A canary needs a `pause: {}` step (a pause without duration waits until promoted) "
             "before the first `setWeight: 100` step, or before the end of the steps when none sets 100. A "
             "blueGreen rollout needs spec.strategy.blueGreen.autoPromotionEnabled: false. Fix: insert "
             "`- pause: {}` before the 100% step and promote with `kubectl argo rollouts promote`.",
      .kinds = {"Rollout"},
      .check = check,
  };
  return r;
}

}  // namespace rg
