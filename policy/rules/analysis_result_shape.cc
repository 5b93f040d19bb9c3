// analysis/result-shape
//
// A condition must read `result` in the shape the query returns. Argo hands a
// Prometheus instant vector to the condition as a list of floats and a scalar
// as one float: `result[0]` on a scalar query, or `result < 0.05` on a vector
// query, fails to compile and every measurement errors.
#include "policy/analysis/metric.h"
#include "policy/analysis/shape.h"
#include "policy/analysis/siblings.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

void one(const analysis::MetricAnalysis& m, const analysis::ConditionInfo& c, const char* key,
         std::vector<Finding>* out) {
  if (!analysis::shape_mismatch(m, c)) return;
  bool scalar = m.result_type == promql::ValueType::kScalar;
  Finding f;
  f.path = m.path + "." + key;
  f.message = analysis::metric_ref(m) + ": " + key + " uses " + quote(analysis::shape_offender(m, c)) +
              (scalar ? " as a list, but the query returns a scalar (Argo passes result as a float64)"
                      : " as a number, but the query returns an instant vector (Argo passes result as a "
                        "[]float64)");
  f.hint = scalar ? "compare result itself (result >= 0.99), or make the query return a vector"
                  : "index the first sample (result[0] >= 0.99), or wrap the query in scalar(...)";
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

const Rule& rule_analysis_result_shape() {
  static const Rule r{
      .id = "analysis/result-shape",
      .default_action = Action::Deny,
      .summary = "a condition must read result in the shape the query returns",
      .doc = "Argo passes a Prometheus instant vector to successCondition/failureCondition as a list of "
             "floats and a scalar as a float. Indexing (result[0]), len() or all() on a scalar query, or "
             "arithmetic and comparisons on result itself for a vector query, fail to compile when the "
             "measurement runs, so every measurement errors. The query's type comes from the PromQL parser.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
