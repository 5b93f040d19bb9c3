// hpa/replica-range
//
// HorizontalPodAutoscaler (autoscaling/v1 and v2) replica bounds, as the API
// server validates them: minReplicas (default 1) >= 1, maxReplicas set and
// >= 1, maxReplicas >= minReplicas. minReplicas 0 needs the alpha
// HPAScaleToZero feature gate, which rollout-guard does not assume.
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

Finding invalid(const Object& obj, std::string path, const json& value, std::string why, std::string hint) {
  Finding f;
  f.message = object_ref(obj) + " is invalid: " + path + ": Invalid value: " + short_json(value) + ": " + why;
  f.path = std::move(path);
  f.hint = std::move(hint);
  return f;
}

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  if (autoscaler_kind(obj) != AutoscalerKind::Hpa) return out;
  const json* spec = child(obj.doc, "spec");
  if (spec == nullptr || !spec->is_object()) return out;
  const json* min_j = child(*spec, "minReplicas");
  const json* max_j = child(*spec, "maxReplicas");
  // The effective minimum (default 1); min_ok is false when minReplicas is unusable.
  long long min_v = 1;
  bool min_ok = true;
  if (min_j != nullptr && !min_j->is_null()) {
    std::optional<long long> v = min_j->is_number() ? int_field(min_j) : std::nullopt;
    if (!v) {
      out.push_back(invalid(obj, "spec.minReplicas", *min_j, "must be an integer", "set spec.minReplicas: 2"));
      min_ok = false;
    } else if (*v < 1) {
      out.push_back(invalid(obj, "spec.minReplicas", *min_j, "must be greater than or equal to 1",
                            "set spec.minReplicas: 1 or more (0 needs the HPAScaleToZero feature gate)"));
      min_ok = false;
    } else {
      min_v = *v;
    }
  }
  if (max_j == nullptr || max_j->is_null()) {
    Finding f;
    f.path = "spec.maxReplicas";
    f.message = object_ref(obj) + " is invalid: spec.maxReplicas: Required value";
    f.hint = "set spec.maxReplicas to the most replicas the workload may run, e.g. maxReplicas: 10";
    out.push_back(std::move(f));
    return out;
  }
  std::optional<long long> max_v = max_j->is_number() ? int_field(max_j) : std::nullopt;
  if (!max_v) {
    out.push_back(invalid(obj, "spec.maxReplicas", *max_j, "must be an integer", "set spec.maxReplicas: 10"));
    return out;
  }
  if (*max_v < 1) {
    out.push_back(invalid(obj, "spec.maxReplicas", *max_j, "must be greater than 0",
                          "set spec.maxReplicas to at least " + std::to_string(min_v)));
  }
  if (min_ok && *max_v < min_v) {
    out.push_back(invalid(obj, "spec.maxReplicas", *max_j,
                          "must be greater than or equal to `minReplicas` (" + std::to_string(min_v) + ")",
                          "set spec.maxReplicas to at least " + std::to_string(min_v) +
                              ", or lower spec.minReplicas"));
  }
  return out;
}

}  // namespace

const Rule& rule_hpa_replica_range() {
  static const Rule r{
      .id = "hpa/replica-range",
      .default_action = Action::Deny,
      .summary = "HorizontalPodAutoscaler minReplicas/maxReplicas out of range",
      .doc = "A HorizontalPodAutoscaler (autoscaling/v1 or v2) needs maxReplicas >= 1, minReplicas >= 1 "
             "(default 1; 0 only with the alpha HPAScaleToZero feature gate) and maxReplicas >= minReplicas. "
             "The API server rejects anything else, and a GitOps sync then fails halfway. Messages use the "
             "API server's wording. Fix: set both bounds, min <= max.",
      .kinds = {"HorizontalPodAutoscaler"},
      .check = check,
  };
  return r;
}

}  // namespace rg
