// replicas/fixed-replicas-with-autoscaler
//
// A Rollout that sets spec.replicas while an autoscaler owns its replica
// count: the autoscaler changes the live value, Argo CD (or any GitOps
// tool) sees drift, and each sync resets the replica count to the file's
// value until the autoscaler raises it again.
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io" || obj.name().empty()) return out;
  const json* replicas = child(obj.doc, {"spec", "replicas"});
  if (replicas == nullptr || replicas->is_null()) return out;
  ScaleTarget t;
  t.api_version = obj.api_version();
  t.group = "argoproj.io";
  t.kind = "Rollout";
  t.ns = obj.ns();
  t.name = obj.name();
  std::vector<ReplicaOwner> owners = replica_owners(t, ctx.inventory, nullptr, ctx.cache);
  if (owners.empty()) return out;
  Finding f;
  f.path = "spec.replicas";
  f.message = object_ref(obj) + " sets spec.replicas: " + short_json(*replicas) + " while " + owners[0].ref() +
              " scales it; Argo CD reports the autoscaled count as drift and each sync resets it";
  f.hint = "remove spec.replicas, or add ignoreDifferences for /spec/replicas of this Rollout to the Argo CD "
           "Application";
  out.push_back(std::move(f));
  return out;
}

}  // namespace

const Rule& rule_replicas_fixed_replicas_with_autoscaler() {
  static const Rule r{
      .id = "replicas/fixed-replicas-with-autoscaler",
      .default_action = Action::Warn,
      .summary = "a Rollout sets spec.replicas while an autoscaler owns it",
      .doc = "When an HPA or ScaledObject scales a Rollout, the live spec.replicas is the autoscaler's. A "
             "spec.replicas in the manifest then differs from the live object: Argo CD shows the Rollout "
             "OutOfSync, and every sync (or self-heal) resets the count, briefly undoing the autoscaler. Fix: "
             "remove spec.replicas from the manifest, or add ignoreDifferences on /spec/replicas.",
      .kinds = {"Rollout"},
      .cross_object = true,
      .check = check,
  };
  return r;
}

}  // namespace rg
