// Siblings of a metric: the other metrics that run beside it and can stop a
// rollout when it cannot. A metric that passes on silence is harmless when a
// sibling fails on silence (a traffic floor); siblings are the other metrics
// of its template and, through the inventory, the metrics of the other
// templates that each referencing Rollout runs in the same analysis.
#pragma once

#include <memory>

#include "policy/analysis/metric.h"
#include "policy/rule.h"

namespace rg::analysis {

// The analysis of AnalysisTemplate `doc`, memoized in ctx.cache when set.
// Keep the pointer while using the result.
std::shared_ptr<const TemplateAnalysis> analysis_for(const json& doc, const Context& ctx);

// True when something certainly stops the rollout in `scenario` beside metric
// `index`: another metric of the template fails (or errors) there, or every
// Rollout analysis that runs this template also runs a template with such a
// metric. False when no such guard is known.
bool sibling_fails(const Object& tmpl, const TemplateAnalysis& ta, size_t index, Scenario scenario,
                   const Context& ctx);

// True when a Rollout in the inventory that references this template is
// labelled rollout-guard.io/tier: critical.
bool used_by_critical_rollout(const Object& tmpl, const Context& ctx);

// Where to point: "spec.metrics[0].provider.prometheus.query".
std::string query_path(const MetricAnalysis& m);

// "metric \"success-rate\"" (or "metric #2" when unnamed).
std::string metric_ref(const MetricAnalysis& m);

// The source text of the subexpression that made a scenario's value what it
// is (empty or NaN), as written ({{args.*}} kept), shortened for messages;
// the whole query when unknown.
std::string cause_text(const MetricAnalysis& m, const ScenarioResult& r);

// The conditions as written, for messages: successCondition "..." and/or
// failureCondition "...".
std::string conditions_text(const MetricAnalysis& m);

}  // namespace rg::analysis
