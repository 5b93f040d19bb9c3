// analysis/unbounded-grouping
//
// A gate reads result[0]. When the query's result is one series per pod,
// instance, container, uid, path or url (grouped by such a label, or not
// aggregated at all), result[0] is whichever series Prometheus lists first:
// the gate judges an arbitrary pod rather than the canary.
#include <algorithm>

#include "policy/analysis/metric.h"
#include "policy/analysis/siblings.h"
#include "policy/messages.h"
#include "policy/rules/rules.h"

namespace rg {

namespace {

std::vector<Finding> check(const Object& obj, const Context& ctx) {
  std::vector<Finding> out;
  const auto& high = ctx.policy.high_cardinality_labels;
  const auto tmpl_analysis = analysis::analysis_for(obj.doc, ctx);
  for (const auto& m : tmpl_analysis->metrics) {
    if (!m.ok() || m.result_type != promql::ValueType::kVector) continue;
    bool indexes = m.success.usage.indexes || m.failure.usage.indexes;
    const auto& v = m.idle.value;
    std::vector<std::string> offending;
    if (v.labels == analysis::Labels::kGrouped) {
      for (const auto& l : v.grouping) {
        if (std::find(high.begin(), high.end(), l) != high.end()) offending.push_back(l);
      }
    }
    Finding f;
    f.path = analysis::query_path(m);
    if (!offending.empty()) {
      f.message = analysis::metric_ref(m) + ": the query groups its result by " + join_quote(offending) +
                  ", one series per " + offending[0] + ", so " +
                  (indexes ? "result[0] is an arbitrary one of them" : "the condition sees an arbitrary set") +
                  " rather than the canary as a whole";
      f.hint = "aggregate those labels away (sum by (service) (...), or sum without (" + offending[0] +
               ") (...)), or use all(result, {...}) if every series must pass";
    } else if (v.labels == analysis::Labels::kRaw && indexes) {
      f.message = analysis::metric_ref(m) +
                  ": the query is not aggregated, so it returns one series per pod or instance and result[0] "
                  "is an arbitrary one of them";
      f.hint = "aggregate the result, e.g. sum(rate(...)) or sum by (service) (...)";
    } else {
      continue;
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_unbounded_grouping() {
  static const Rule r{
      .id = "analysis/unbounded-grouping",
      .default_action = Action::Warn,
      .summary = "a gate must not read result[0] of a result split by pod, instance or similar labels",
      .doc = "The labels a query's result keeps are derived from the PromQL tree. A result grouped by a "
             "high-cardinality label (pod, instance, container, uid, path, url; configurable as "
             "analysis.highCardinalityLabels in the policy) or not aggregated at all has one series per "
             "pod or request path, and result[0] is whichever Prometheus returns first. Aggregate those "
             "labels away, or judge every series with all().",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
