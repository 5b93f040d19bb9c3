// replicas/rollout-api-version
//
// An autoscaler that targets kind Rollout must say apiVersion
// argoproj.io/v1alpha1; with any other apiVersion (for KEDA, an empty one
// means apps/v1) the autoscaler cannot find the Rollout's scale subresource
// and never scales it.
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

constexpr std::string_view kRolloutApiVersion = "argoproj.io/v1alpha1";

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  std::optional<ScaleTarget> t = scale_target(obj);
  if (!t || t->kind != "Rollout" || t->api_version == kRolloutApiVersion) return out;
  const bool defaulted = str_or(child(obj.doc, {"spec", "scaleTargetRef", "apiVersion"})).empty();
  Finding f;
  f.path = "spec.scaleTargetRef.apiVersion";
  f.message = object_ref(obj) + ": spec.scaleTargetRef targets kind Rollout with apiVersion " +
              (defaulted ? "unset (KEDA reads it as \"apps/v1\")" : quote(t->api_version)) +
              "; Rollouts are served by " + std::string(kRolloutApiVersion) + ", so " + t->str() +
              " is never scaled";
  f.hint = "set spec.scaleTargetRef.apiVersion: " + std::string(kRolloutApiVersion);
  out.push_back(std::move(f));
  return out;
}

}  // namespace

const Rule& rule_replicas_rollout_api_version() {
  static const Rule r{
      .id = "replicas/rollout-api-version",
      .default_action = Action::Deny,
      .summary = "an autoscaler targets kind Rollout with an apiVersion other than argoproj.io/v1alpha1",
      .doc = "HorizontalPodAutoscalers and KEDA ScaledObjects find their target's scale subresource by "
             "apiVersion and kind. Rollouts are served by argoproj.io/v1alpha1; `apiVersion: apps/v1, kind: "
             "Rollout` (or, in a ScaledObject, no apiVersion, which KEDA reads as apps/v1) names a resource "
             "that does not exist, and the autoscaler reports FailedGetScale forever. Fix: set "
             "spec.scaleTargetRef.apiVersion: argoproj.io/v1alpha1.",
      .kinds = {"HorizontalPodAutoscaler", "ScaledObject"},
      .check = check,
  };
  return r;
}

}  // namespace rg
