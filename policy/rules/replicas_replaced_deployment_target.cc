// replicas/replaced-deployment-target
//
// An autoscaler that scales a Deployment which a Rollout replaces scales the
// wrong thing: the Rollout owns the pods (a Rollout of the same name in the
// namespace, or one whose spec.workloadRef names the Deployment, which Argo
// then scales down). KEDA targets are normalized first: no apiVersion means
// apps/v1 and no kind means Deployment.
//
// Default (policy defaults.kedaTarget): a ScaledObject whose scaleTargetRef
// omits kind and/or apiVersion, when the inventory is complete and holds a
// Rollout of that name in the namespace and no Deployment of that name, gets
// apiVersion argoproj.io/v1alpha1 and kind Rollout: the target KEDA would
// otherwise default to does not exist. Only the missing half is filled, and
// only where it cannot contradict the half the user wrote (kind Rollout, or
// an argoproj.io apiVersion). Without inventory knowledge nothing changes.
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

// A scaleTargetRef field KEDA treats as unset: missing, null or "".
bool unset(const json& ref, std::string_view key) {
  auto it = ref.find(key);
  return it == ref.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty());
}

void fix(json& obj, const Context& ctx, std::vector<FixNote>* notes) {
  constexpr std::string_view kRolloutApi = "argoproj.io/v1alpha1";
  if (!ctx.policy.default_keda_target || !ctx.inventory.complete()) return;
  // As autoscaler_kind(), without wrapping obj in an Object.
  if (str_or(child(obj, "kind")) != "ScaledObject" || api_group(str_or(child(obj, "apiVersion"))) != "keda.sh") return;
  auto spec = obj.find("spec");
  if (spec == obj.end() || !spec->is_object()) return;
  auto ref = spec->find("scaleTargetRef");
  if (ref == spec->end() || !ref->is_object()) return;
  const bool no_api = unset(*ref, "apiVersion"), no_kind = unset(*ref, "kind");
  if (!no_api && !no_kind) return;
  // The half the user wrote must already point at a Rollout.
  if (!no_kind && str_or(child(*ref, "kind")) != "Rollout") return;
  if (!no_api && api_group(str_or(child(*ref, "apiVersion"))) != "argoproj.io") return;
  std::string_view name = str_or(child(*ref, "name"));
  std::string_view ns = str_or(child(obj, {"metadata", "namespace"}));
  if (name.empty() || ctx.inventory.find("argoproj.io", "Rollout", ns, name) == nullptr ||
      ctx.inventory.find("apps", "Deployment", ns, name) != nullptr) {
    return;
  }
  auto set = [&](std::string_view key, std::string_view value) {
    (*ref)[std::string(key)] = std::string(value);
    std::string path = path_key("spec.scaleTargetRef", key);
    if (notes != nullptr) notes->push_back(FixNote{path, "set " + path + "=" + std::string(value)});
  };
  if (no_api) set("apiVersion", kRolloutApi);
  if (no_kind) set("kind", "Rollout");
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
             "(apiVersion: argoproj.io/v1alpha1, kind: Rollout). Default (policy defaults.kedaTarget): a "
             "ScaledObject that omits kind/apiVersion gets the Rollout's when the inventory holds a Rollout of "
             "that name and no Deployment of that name.",
      .kinds = {"HorizontalPodAutoscaler", "ScaledObject"},
      .cross_object = true,
      .check = check,
      .fix = fix,
  };
  return r;
}

}  // namespace rg
