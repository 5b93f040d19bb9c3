// analysis/no-data-guard
//
// "No data" must be a defined value. With no traffic (or a metric name typo)
// a query over rates returns an empty vector; a condition that indexes
// result[0] then fails to evaluate, the measurement is an Error, and after
// consecutiveErrorLimit + 1 consecutive errors the analysis fails and the
// rollout aborts while it is still at low traffic, for no real reason.
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
    const auto& s = m.silence;
    if (s.outcome != analysis::Outcome::kError || !s.value.empty()) continue;
    int errors = m.consecutive_error_limit + 1;
    Finding f;
    f.path = analysis::query_path(m);
    f.message = analysis::metric_ref(m) + ": with no traffic this query returns nothing (" +
                quote(analysis::cause_text(m, s)) + " is empty); " + analysis::conditions_text(m) +
                " cannot be evaluated on [] (" + s.error + "), so the measurement errors, and after " +
                std::to_string(errors) + " consecutive " + std::string(pluralize("error", "errors", errors)) +
                " (consecutiveErrorLimit " + std::to_string(m.consecutive_error_limit) +
                ") the analysis fails and the rollout aborts";
    f.hint = "make no data a defined value: wrap the whole query, not its numerator, as (<query>) or vector(0) "
             "(choose the value the gate should see with no traffic), or start the condition with "
             "len(result) == 0 || ... and add a traffic-floor metric so silence cannot pass";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_no_data_guard() {
  static const Rule r{
      .id = "analysis/no-data-guard",
      .default_action = Action::Deny,
      .summary = "a query that returns nothing with no traffic must not error the measurement",
      .doc = "Each Prometheus metric is evaluated abstractly in silence: no selector matches any series, as "
             "for a canary that got no traffic yet or a misspelt metric name. Rates and aggregations over "
             "nothing are empty, so the query returns an empty vector; a condition that reads result[0] "
             "then fails to evaluate and the measurement is an Error. After consecutiveErrorLimit (Argo's "
             "default 4) consecutive errors the analysis fails and the rollout aborts at low traffic. Make no "
             "data a defined value with `or vector(c)` around the whole expression, or guard the condition "
             "with len(result) == 0 ||, and pair it with a traffic floor.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
