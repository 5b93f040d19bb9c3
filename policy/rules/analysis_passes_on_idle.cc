// analysis/passes-on-idle
//
// A gate must not pass because of NaN. When the canary's series exist but
// its counters do not move, a ratio of rates is 0/0 = NaN, and every
// comparison with NaN is false: a failureCondition-only metric such as
// `result[0] > 0.05` is then never true, so the measurement is Successful
// while nothing was measured. Denied unless a sibling metric fails when idle.
#include "policy/analysis/metric.h"
#include "policy/analysis/siblings.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  const auto tmpl_analysis = analysis::analysis_for(obj.doc, ctx);
  const analysis::TemplateAnalysis& ta = *tmpl_analysis;
  for (const auto& m : ta.metrics) {
    const auto& s = m.idle;
    if (s.outcome != analysis::Outcome::kSuccessful || !s.nan_reached) continue;
    if (analysis::sibling_fails(obj, ta, m.index, analysis::Scenario::kIdle, ctx)) continue;
    Finding f;
    f.path = analysis::query_path(m);
    f.message = analysis::metric_ref(m) + ": when the canary is idle (series exist, counters flat) the query "
                "returns " + s.result_text + " (" + quote(analysis::cause_text(m, s)) + " is NaN) and " +
                analysis::conditions_text(m) +
                " makes the measurement Successful only because comparisons with NaN are false";
    f.hint = "filter the denominator so idle gives no data instead of NaN, e.g. .../ (sum(rate(...)) > 0), "
             "or write the condition so NaN fails: successCondition !isNaN(result[0]) && result[0] <= 0.05";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_passes_on_idle() {
  static const Rule r{
      .id = "analysis/passes-on-idle",
      .default_action = Action::Deny,
      .summary = "a metric must not pass because its query yields NaN when the canary is idle",
      .doc = "Each Prometheus metric is evaluated abstractly when idle: every selector matches series whose "
             "counters do not move, so rate() and increase() are 0 and a ratio of them is 0/0 = NaN, and "
             "histogram_quantile over empty buckets is NaN. Comparisons with NaN are false, so a metric with "
             "only a failureCondition (result[0] > 0.05) succeeds without measuring anything. Denied unless "
             "another metric of the same analysis fails when idle.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
