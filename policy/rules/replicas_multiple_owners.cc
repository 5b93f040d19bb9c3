// replicas/multiple-owners
//
// One workload, one autoscaler. Two HPAs, two ScaledObjects, or an HPA and a
// ScaledObject on the same normalized target each write the replica count,
// and the workload flaps between their answers. The HPA KEDA generates for a
// ScaledObject (keda-hpa-<name>) belongs to that ScaledObject and is not a
// second owner.
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  std::optional<ScaleTarget> t = scale_target(obj);
  if (!t) return out;
  std::vector<ReplicaOwner> owners = replica_owners(*t, ctx.inventory, &obj, ctx.cache);
  if (owners.size() < 2) return out;
  // owners[0] is this object (or, for KEDA's own HPA, its ScaledObject).
  std::vector<std::string> others;
  for (size_t i = 1; i < owners.size(); ++i) others.push_back(owners[i].ref());
  std::string list;
  for (size_t i = 0; i < others.size(); ++i) {
    if (i) list += (i + 1 == others.size()) ? " and " : ", ";
    list += others[i];
  }
  Finding f;
  f.path = "spec.scaleTargetRef";
  f.message = object_ref(obj) + (others.size() == 1 ? " and " : ", ") + list + " all scale " + t->str() +
              "; autoscalers on one workload overwrite each other's replica count";
  f.hint = "keep one autoscaler for " + t->str() + ": delete " + others.front() +
           (owners[0].kind != owners[1].kind ? " or move its metrics into the other's triggers/metrics" : "") +
           " (with KEDA, put CPU/memory in ScaledObject triggers instead of a separate HPA)";
  out.push_back(std::move(f));
  return out;
}

}  // namespace

const Rule& rule_replicas_multiple_owners() {
  static const Rule r{
      .id = "replicas/multiple-owners",
      .default_action = Action::Deny,
      .summary = "two or more autoscalers scale the same workload",
      .doc = "Each HorizontalPodAutoscaler and each KEDA ScaledObject (through the HPA KEDA generates for it) "
             "writes its target's replica count. Two of them on one normalized target (HPA + ScaledObject, two "
             "HPAs, two ScaledObjects) overwrite each other and the workload flaps. The HPA KEDA generates for a "
             "ScaledObject (keda-hpa-<name>, or horizontalPodAutoscalerConfig.name; recognised by its "
             "scaledobject.keda.sh/name label or owner reference) is part of that ScaledObject. Fix: keep one "
             "autoscaler; KEDA can scale on CPU and memory triggers too.",
      .kinds = {"HorizontalPodAutoscaler", "ScaledObject"},
      .cross_object = true,
      .check = check,
  };
  return r;
}

}  // namespace rg
