// analysis/nan-unhandled
//
// When the canary is idle the query yields NaN, and the conditions never ask
// isNaN: the measurement's outcome then hangs on which way each comparison
// points (NaN >= x and NaN < x are both false), not on a decision someone made.
#include "policy/analysis/metric.h"
#include "policy/analysis/siblings.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  const auto tmpl_analysis = analysis::analysis_for(obj.doc, ctx);
  for (const auto& m : tmpl_analysis->metrics) {
    const auto& s = m.idle;
    if (!s.nan_reached || s.outcome == analysis::Outcome::kUnknown) continue;
    if (m.success.usage.checks_nan || m.failure.usage.checks_nan) continue;
    if (!m.success.present && !m.failure.present) continue;  // analysis/condition-missing
    Finding f;
    f.path = analysis::query_path(m);
    f.message = analysis::metric_ref(m) + ": when the canary is idle the query yields NaN (" +
                quote(analysis::cause_text(m, s)) + ") and " + analysis::conditions_text(m) +
                " does not check isNaN: the measurement is " + analysis::outcome_name(s.outcome) +
                " only because comparisons with NaN are false";
    f.hint = "filter the denominator so idle yields no data instead of NaN, e.g. ... / (sum(rate(...)) > 0), "
             "or handle NaN explicitly with isNaN(result[0])";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_nan_unhandled() {
  static const Rule r{
      .id = "analysis/nan-unhandled",
      .default_action = Action::Warn,
      .summary = "a query that yields NaN when idle needs a condition that handles NaN",
      .doc = "When every counter is flat, a ratio of rates is 0/0 = NaN and histogram_quantile over empty "
             "buckets is NaN. Every comparison with NaN is false, so whether the measurement passes, fails "
             "or is inconclusive depends only on the direction of the comparison. Filter the denominator "
             "(`/ (x > 0)`) so idle yields no data, which analysis/no-data-guard then covers, or test "
             "isNaN(result[0]) explicitly.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
