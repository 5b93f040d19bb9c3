// analysis/quantile-shape
//
// histogram_quantile() reads the `le` label of bucket series. Buckets whose
// `le` was aggregated away (sum by (service) ...), or that are not summed by
// le across the canary's pods, give a quantile of one pod, or none at all.
#include <algorithm>

#include "policy/analysis/metric.h"
#include "policy/analysis/siblings.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

const promql::Expr& unparen(const promql::Expr& e) {
  const promql::Expr* p = &e;
  while (p->kind == promql::Kind::kParen && p->expr) p = p->expr.get();
  return *p;
}

bool has(const std::vector<std::string>& v, std::string_view s) { return std::find(v.begin(), v.end(), s) != v.end(); }

void walk(const promql::Expr& e, const analysis::MetricAnalysis& m, std::vector<Finding>* out) {
  if (e.kind == promql::Kind::kCall && e.text == "histogram_quantile" && e.args.size() == 2) {
    const promql::Expr& b = unparen(*e.args[1]);
    std::string problem;
    if (b.kind == promql::Kind::kAggregate) {
      if (b.without && has(b.grouping, "le")) problem = "aggregates the le label away (without (le))";
      else if (!b.without && !has(b.grouping, "le")) problem = "aggregates the le label away (by without le)";
      else if (b.op != promql::Op::kSum) problem = std::string("combines buckets with ") + promql::op_name(b.op) + " instead of sum";
    } else {
      problem = "is not summed by (le), so it gives one quantile per series, not one for the canary";
    }
    if (!problem.empty()) {
      Finding f;
      f.path = analysis::query_path(m);
      f.message = analysis::metric_ref(m) + ": the bucket argument of histogram_quantile " + problem;
      f.hint = "sum the bucket rates by le: histogram_quantile(0.95, sum by (le) (rate(<name>_bucket{...}[2m])))";
      out->push_back(std::move(f));
    }
  }
  e.for_each_child([&](const promql::Expr& c) { walk(c, m, out); });
}

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  const auto tmpl_analysis = analysis::analysis_for(obj.doc, ctx);
  for (const auto& m : tmpl_analysis->metrics) {
    if (m.parsed.ok()) walk(*m.parsed.expr, m, &out);
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_quantile_shape() {
  static const Rule r{
      .id = "analysis/quantile-shape",
      .default_action = Action::Warn,
      .summary = "histogram_quantile needs bucket rates summed by (le)",
      .doc = "histogram_quantile() interpolates within buckets identified by their le label. When the "
             "bucket argument aggregates le away, the result is empty or meaningless; when it is not "
             "summed by le (sum by (le) or sum by (le, service)), it computes one quantile per pod or "
             "instance rather than one for the canary.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
