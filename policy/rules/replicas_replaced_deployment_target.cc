// replicas/replaced-deployment-target
//
// An autoscaler that scales a Deployment which a Rollout replaces scales the
// wrong thing: the Rollout owns the pods (a Rollout of the same name in the
// namespace, or one whose spec.workloadRef names the Deployment, which Argo
// then scales down). KEDA targets are normalized first: no apiVersion means
// apps/v1 and no kind means Deployment.
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

// The Rollout that replaces Deployment `t`, and how; nullptr when none.
const Object* replacing_rollout(const ScaleTarget& t, const Inventory& inv, std::string* how) {
  for (const Object* r : inv.list("Rollout", t.ns)) {
    if (r->group() != "argoproj.io") continue;
    const json* ref = child(r->doc, {"spec", "workloadRef"});
    if (ref != nullptr && str_or(child(*ref, "kind")) == "Deployment" &&
        str_or(child(*ref, "name")) == t.name &&
        api_group(str_or(child(*ref, "apiVersion"), "apps/v1")) == "apps") {
      *how = "its spec.workloadRef names the Deployment";
      return r;
    }
  }
  if (const Object* r = inv.find("argoproj.io", "Rollout", t.ns, t.name)) {
    *how = "a Rollout of the same name";
    return r;
  }
  return nullptr;
}

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  std::optional<ScaleTarget> t = scale_target(obj);
  if (!t || !t->is_deployment()) return out;
  std::string how;
  const Object* rollout = replacing_rollout(*t, ctx.inventory, &how);
  if (rollout == nullptr) return out;
  const bool keda_default = autoscaler_kind(obj) == AutoscalerKind::ScaledObject &&
                            str_or(child(obj.doc, {"spec", "scaleTargetRef", "kind"})).empty();
  Finding f;
  f.path = "spec.scaleTargetRef";
  f.message = object_ref(obj) + " scales Deployment " + quote(t->name) +
              (keda_default ? " (no kind: KEDA defaults to Deployment)" : "") + ", which " + object_ref(*rollout) +
              " replaces (" + how + "); scale the Rollout instead";
  f.hint = "set spec.scaleTargetRef to apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: " +
           std::string(rollout->name());
  out.push_back(std::move(f));
  return out;
}

}  // namespace

const Rule& rule_replicas_replaced_deployment_target() {
  static const Rule r{
      .id = "replicas/replaced-deployment-target",
      .default_action = Action::Deny,
      .summary = "an autoscaler targets a Deployment that a Rollout replaces",
      .doc = "When a Rollout replaces a Deployment (a Rollout of the same name in the namespace, or one whose "
             "spec.workloadRef names the Deployment), the Rollout owns the pods and Argo scales the Deployment "
             "down. An HPA or ScaledObject still pointing at the Deployment scales nothing useful, or fights "
             "the migration. KEDA targets are normalized first (no apiVersion: apps/v1; no kind: Deployment), "
             "so a ScaledObject with only `name:` counts. Fix: point spec.scaleTargetRef at the Rollout "
             "(apiVersion: argoproj.io/v1alpha1, kind: Rollout).",
      .kinds = {"HorizontalPodAutoscaler", "ScaledObject"},
      .check = check,
  };
  return r;
}

}  // namespace rg
