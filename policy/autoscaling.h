// Autoscalers and what they scale: HorizontalPodAutoscalers (autoscaling/v1,
// v2) and KEDA ScaledObjects (keda.sh/v1alpha1), reduced to one normalized
// target {group, kind, ns, name} so the rules, the reconciler and the mutation
// agree on "which workload does this scale".
//
// Normalization follows each controller: KEDA defaults an empty
// scaleTargetRef.apiVersion to apps/v1 and an empty kind to Deployment; an HPA
// has no defaults (kind and name are required). The target lives in the
// autoscaler's namespace. Never throws; wrong JSON types read as absent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/inventory.h"
#include "policy/object.h"

namespace rg {

class EvalCache;

enum class AutoscalerKind { None, Hpa, ScaledObject };

// Hpa for kind HorizontalPodAutoscaler in group autoscaling, ScaledObject for
// kind ScaledObject in group keda.sh, None otherwise.
AutoscalerKind autoscaler_kind(const Object& obj);

struct ScaleTarget {
  std::string api_version;  // after defaults ("apps/v1")
  std::string group;        // "apps", "argoproj.io", "" for core
  std::string kind;         // after defaults ("Deployment")
  std::string ns;           // the autoscaler's namespace
  std::string name;
  // Same workload: group, kind (case-insensitively, as kubectl resolves
  // kinds), namespace and name.
  bool same_as(const ScaleTarget& other) const;
  bool is_rollout() const;     // argoproj.io Rollout
  bool is_deployment() const;  // apps Deployment
  std::string str() const;     // "Rollout \"catalog\""
};

// The normalized target, or nullopt when obj is not an autoscaler or has no
// target name.
std::optional<ScaleTarget> scale_target(const Object& autoscaler);

// API group of an apiVersion: "apps/v1" -> "apps", "v1" -> "".
std::string_view api_group(std::string_view api_version);

// For an HPA that KEDA generated for a ScaledObject (label
// scaledobject.keda.sh/name, an ownerReference to a ScaledObject, or the name
// keda-hpa-<name> / spec.advanced.horizontalPodAutoscalerConfig.name of a
// ScaledObject in the inventory), that ScaledObject's name; "" otherwise.
std::string owning_scaled_object(const Object& hpa, const Inventory& inv);

// One autoscaler that owns the replica count of a target. A KEDA-generated
// HPA is folded into its ScaledObject.
struct ReplicaOwner {
  AutoscalerKind kind = AutoscalerKind::None;
  std::string name;              // the HPA's or ScaledObject's name
  const Object* object = nullptr;  // nullptr when only known by reference
  std::string ref() const;       // "ScaledObject default/catalog"
  std::string ns;
};

// Every distinct owner of `target`: the autoscalers in the inventory plus
// `self` (the object being evaluated, which a webhook's inventory may not
// hold yet). Stable order: as listed by the inventory, self first.
// With `cache`, the inventory's autoscalers are indexed once per namespace.
std::vector<ReplicaOwner> replica_owners(const ScaleTarget& target, const Inventory& inv,
                                         const Object* self = nullptr, EvalCache* cache = nullptr);

// Reads an integer field that may be a JSON number (integral) or a decimal
// string. nullopt when absent, fractional or not a number.
std::optional<long long> int_field(const json* j);

}  // namespace rg
