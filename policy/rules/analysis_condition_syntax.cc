// analysis/condition-syntax
//
// successCondition and failureCondition must compile in Argo's expression
// language (expr) against the type of the query's result: Argo compiles a
// condition with `result` bound to the measurement, so a syntax error, an
// unknown function or a type error is a measurement Error at run time. Shape
// mistakes (result[0] on a scalar, result used as a number on a vector) are
// analysis/result-shape, not this rule.
#include "policy/analysis/metric.h"
#include "policy/analysis/shape.h"
#include "policy/analysis/siblings.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

void one(const analysis::MetricAnalysis& m, const analysis::ConditionInfo& c, const char* key,
         std::vector<Finding>* out) {
  if (!c.present || c.error.empty()) return;
  if (c.parsed.ok && analysis::shape_mismatch(m, c)) return;  // analysis/result-shape says it better
  Finding f;
  f.path = m.path + "." + key;
  f.message = analysis::metric_ref(m) + ": " + key + " " + quote(c.text) + " does not compile: " + c.error;
  f.hint = "write the condition in Argo's expression language, e.g. result[0] >= 0.99 for a Prometheus vector";
  out->push_back(std::move(f));
}

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  const auto tmpl_analysis = analysis::analysis_for(obj.doc, ctx);
  for (const auto& m : tmpl_analysis->metrics) {
    one(m, m.success, "successCondition", &out);
    one(m, m.failure, "failureCondition", &out);
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_condition_syntax() {
  static const Rule r{
      .id = "analysis/condition-syntax",
      .default_action = Action::Deny,
      .summary = "successCondition and failureCondition must compile",
      .doc = "Conditions are parsed with the expression language Argo Rollouts uses (expr) and type-checked "
             "against the query's result type, as Argo compiles them when a measurement is taken: a "
             "Prometheus vector is []float64, a scalar is float64. A condition that does not compile turns "
             "every measurement into an Error, which aborts the rollout after consecutiveErrorLimit errors. "
             "Conditions longer than 64 KiB, nested deeper than 200 levels, or of more than 100,000 nodes "
             "(`c ?: b` repeats c, a chained comparison `a < b < c` repeats b) are refused too.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
