// analysis/condition-missing
//
// A metric with neither successCondition nor failureCondition has nothing to
// compare a result with: Argo counts every measurement as successful. Job
// and Kayenta metrics are exempt: a Job passes or fails by its exit status,
// Kayenta by its own score thresholds.
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io") return out;
  const json* metrics = child(obj.doc, {"spec", "metrics"});
  if (metrics == nullptr || !metrics->is_array()) return out;
  for (size_t k = 0; k < metrics->size(); ++k) {
    const json& m = (*metrics)[k];
    std::string_view provider = metric_provider(m);
    if (provider == "job" || provider == "kayenta") continue;
    if (!blank(str_or(child(m, "successCondition"))) || !blank(str_or(child(m, "failureCondition")))) continue;
    const std::string base = path_index("spec.metrics", k);
    Finding f;
    f.path = base;
    f.message = object_ref(obj) + ": metric " + quote(str_or(child(m, "name"))) +
                " has neither successCondition nor failureCondition, so every measurement succeeds";
    f.hint = "add " + path_key(base, "successCondition") + ", e.g. successCondition: result[0] >= 0.99";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_condition_missing() {
  static const Rule r{
      .id = "analysis/condition-missing",
      .default_action = Action::Deny,
      .summary = "a metric without successCondition or failureCondition always succeeds",
      .doc = "Argo Rollouts evaluates each measurement against successCondition and failureCondition. With "
             "neither set, a measurement that returns any value is successful, so the analysis passes whatever "
             "the service does. Job and Kayenta metrics are exempt (they judge themselves). Fix: add a "
             "successCondition such as `result[0] >= 0.99`, or a failureCondition.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
