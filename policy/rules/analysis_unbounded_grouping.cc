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
    const auto is_high = [&high](const std::string& l) { return std::find(high.begin(), high.end(), l) != high.end(); };
    std::vector<std::string> offending;
    if (v.labels == analysis::Labels::kGrouped || v.labels == analysis::Labels::kSome) {
      for (const auto& l : v.grouping) {
        if (is_high(l)) offending.push_back(l);
      }
    }
    // Raw series, less the labels without()/ignoring() dropped: still split
    // unless every high-cardinality label is among those.
    const bool raw_split = v.labels == analysis::Labels::kRaw &&
                           (v.grouping.empty() || !std::all_of(high.begin(), high.end(), [&v](const std::string& l) {
                             return std::find(v.grouping.begin(), v.grouping.end(), l) != v.grouping.end();
                           }));
    Finding f;
    f.path = analysis::query_path(m);
    if (!offending.empty()) {
      // kSome: part of the result carries them (`sum by (pod) (...) or vector(0)`).
      const std::string what = v.labels == analysis::Labels::kGrouped ? "groups its result by "
                               : offending.size() == 1                 ? "can keep the label "
                                                                       : "can keep the labels ";
      f.message = analysis::metric_ref(m) + ": the query " + what + join_quote(offending) + ", one series per " +
                  offending[0] + ", so " +
                  (indexes ? "result[0] is an arbitrary one of them" : "the condition sees an arbitrary set") +
                  " rather than the canary as a whole";
      f.hint = "aggregate those labels away (sum by (service) (...), or sum without (" + offending[0] +
               ") (...)), or use all(result, {...}) if every series must pass";
    } else if (raw_split && indexes) {
      f.message = analysis::metric_ref(m) +
                  (v.grouping.empty()
                       ? ": the query is not aggregated, so it returns one series per pod or instance and "
                       : ": the query only drops " + join_quote(v.grouping) +
                             " and keeps every other label, so it returns one series per pod or instance and ") +
                  "result[0] is an arbitrary one of them";
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
      .doc = "The labels a query's result keeps are derived from the PromQL tree through every operator, as "
             "Prometheus computes them (by/without, on/ignoring, group_left/right, label_replace, "
             "histogram_quantile, and `or` fallbacks such as `or vector(0)`). A result grouped by a "
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
