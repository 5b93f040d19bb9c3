// keda/replica-range
//
// KEDA ScaledObject (keda.sh/v1alpha1) replica bounds, as KEDA's admission
// webhook checks them: minReplicaCount (default 0) must not exceed
// maxReplicaCount (default 100), and idleReplicaCount, when set, must be
// less than minReplicaCount. KEDA accepts minReplicaCount == maxReplicaCount
// (a fixed size that KEDA only activates), and so do we. Negative counts are
// denied too.
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

constexpr long long kDefaultMin = 0;
constexpr long long kDefaultMax = 100;

// Reads an optional integer field; false (and a finding) when it is malformed.
bool read(const Object& obj, const json& spec, std::string_view key, std::optional<long long>* out,
          std::vector<Finding>* findings) {
  const json* j = child(spec, key);
  if (j == nullptr || j->is_null()) return true;
  const std::string path = path_key("spec", key);
  std::optional<long long> v = j->is_number() ? int_field(j) : std::nullopt;
  if (!v || *v < 0) {
    Finding f;
    f.path = path;
    f.message = object_ref(obj) + " is invalid: " + path + ": Invalid value: " + short_json(*j) + ": " +
                (v ? "must be greater than or equal to 0" : "must be an integer");
    f.hint = "set " + path + " to a whole number >= 0";
    findings->push_back(std::move(f));
    return false;
  }
  *out = v;
  return true;
}

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  if (autoscaler_kind(obj) != AutoscalerKind::ScaledObject) return out;
  const json* spec = child(obj.doc, "spec");
  if (spec == nullptr || !spec->is_object()) return out;
  std::optional<long long> min_v, max_v, idle_v;
  bool ok = read(obj, *spec, "minReplicaCount", &min_v, &out);
  ok = read(obj, *spec, "maxReplicaCount", &max_v, &out) && ok;
  ok = read(obj, *spec, "idleReplicaCount", &idle_v, &out) && ok;
  if (!ok) return out;
  const long long lo = min_v.value_or(kDefaultMin);
  const long long hi = max_v.value_or(kDefaultMax);
  if (lo > hi) {
    Finding f;
    f.path = "spec.minReplicaCount";
    f.message = object_ref(obj) + ": MinReplicaCount=" + std::to_string(lo) +
                " must be less than MaxReplicaCount=" + std::to_string(hi) +
                (max_v ? "" : " (the default maxReplicaCount)");
    f.hint = "set spec.maxReplicaCount to at least " + std::to_string(lo) + ", or lower spec.minReplicaCount";
    out.push_back(std::move(f));
  }
  if (idle_v && *idle_v >= lo) {
    Finding f;
    f.path = "spec.idleReplicaCount";
    f.message = object_ref(obj) + ": IdleReplicaCount=" + std::to_string(*idle_v) +
                " must be less than MinReplicaCount=" + std::to_string(lo) +
                (min_v ? "" : " (the default minReplicaCount)");
    f.hint = *idle_v == 0 ? "set spec.minReplicaCount: 1 or more, or remove spec.idleReplicaCount"
                          : "set spec.idleReplicaCount: 0, or remove it";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_keda_replica_range() {
  static const Rule r{
      .id = "keda/replica-range",
      .default_action = Action::Deny,
      .summary = "KEDA ScaledObject min/max/idle replica counts out of range",
      .doc = "KEDA's admission webhook rejects a ScaledObject whose minReplicaCount (default 0) is greater "
             "than maxReplicaCount (default 100), or whose idleReplicaCount is not less than minReplicaCount. "
             "Messages use KEDA's wording. min == max is accepted, as KEDA accepts it. Fix: min <= max, "
             "idle < min (idleReplicaCount: 0 with minReplicaCount: 1 scales to zero when idle).",
      .kinds = {"ScaledObject"},
      .check = check,
  };
  return r;
}

}  // namespace rg
