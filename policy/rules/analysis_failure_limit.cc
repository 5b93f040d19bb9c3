// analysis/failure-limit
//
// A metric that can never fail is theater. Argo fails a metric when more
// than failureLimit measurements failed (default failureLimit 0), so with
// failureLimit >= the number of measurements it always passes. failureLimit
// -1 disables the limit: without consecutiveSuccessLimit nothing can fail it.
// Counts and limits that only resolve after argument substitution
// ("{{args.x}}") are not judged.
#include "policy/autoscaling.h"
#include "policy/messages.h"
#include "policy/rollout_refs.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context&) {
  std::vector<Finding> out;
  if (obj.group() != "argoproj.io") return out;
  const json* metrics = child(obj.doc, {"spec", "metrics"});
  if (metrics == nullptr || !metrics->is_array()) return out;
  for (size_t k = 0; k < metrics->size(); ++k) {
    const json& m = (*metrics)[k];
    const std::string base = path_index("spec.metrics", k);
    const json* fl = child(m, "failureLimit");
    long long limit = 0;
    if (fl != nullptr && !fl->is_null()) {
      std::optional<long long> v = int_field(fl);
      if (!v) continue;  // templated or malformed: analysis/spec's business
      limit = *v;
    }
    const std::string metric = "metric " + quote(str_or(child(m, "name")));
    if (limit == -1) {
      if (int_field(child(m, "consecutiveSuccessLimit")).value_or(0) > 0) continue;
      Finding f;
      f.path = path_key(base, "failureLimit");
      f.message = object_ref(obj) + ": " + metric + " can never fail: " + f.path +
                  " is -1 (no limit) and no consecutiveSuccessLimit is set";
      f.hint = "set " + f.path + " to the number of failed measurements you tolerate (e.g. 1)";
      out.push_back(std::move(f));
      continue;
    }
    MetricCount c = effective_count(m);
    if (c.kind != MetricCount::Finite || limit < c.value) continue;
    const bool implicit = int_field(child(m, "count")).value_or(0) == 0;
    Finding f;
    f.path = path_key(base, "failureLimit");
    f.message = object_ref(obj) + ": " + metric + " can never fail: failureLimit " + std::to_string(limit) +
                " >= count " + std::to_string(c.value) + (implicit ? " (no count and no interval: one measurement)" : "") +
                ", and Argo fails a metric only when more than failureLimit measurements fail";
    f.hint = c.value > 1 ? "set " + f.path + " below " + std::to_string(c.value) + " (e.g. failureLimit: 1)"
                         : "set " + f.path + ": 0, or take more measurements (count: 5 with an interval)";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_failure_limit() {
  static const Rule r{
      .id = "analysis/failure-limit",
      .default_action = Action::Deny,
      .summary = "a metric whose failureLimit lets it never fail",
      .doc = "Argo Rollouts marks a metric Failed when the number of failed measurements exceeds failureLimit "
             "(default 0). With failureLimit >= count (count defaults to one measurement when neither count "
             "nor interval is set), or failureLimit -1 without consecutiveSuccessLimit, no result can fail the "
             "metric and the analysis gate always passes. Fix: keep failureLimit below count, e.g. count: 5, "
             "failureLimit: 1. Applies to AnalysisTemplate and ClusterAnalysisTemplate.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
