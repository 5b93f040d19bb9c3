// analysis/promql-syntax
//
// Every Prometheus metric's query must parse as PromQL (the grammar of
// Prometheus 2.42). Argo checks a query only when a measurement runs; a typo
// then errors every measurement until consecutiveErrorLimit aborts the
// rollout. Argo's {{args.*}} placeholders are substituted before parsing and
// are never reported.
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
    if (!m.prometheus || m.parse_error.empty()) continue;
    Finding f;
    f.path = analysis::query_path(m);
    f.message = analysis::metric_ref(m) + ": the Prometheus query does not parse: " + m.parse_error;
    f.hint = "fix the query; `rollout-guard promql fmt '<query>'` shows the error and the canonical form";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_promql_syntax() {
  static const Rule r{
      .id = "analysis/promql-syntax",
      .default_action = Action::Deny,
      .summary = "a Prometheus metric's query must be valid PromQL",
      .doc = "The query of every prometheus provider is parsed with the PromQL grammar of Prometheus 2.42 "
             "after Argo's {{args.*}} placeholders are replaced by neutral values. Argo only sends the query "
             "when a measurement runs: a syntax error then makes every measurement an Error, and after "
             "consecutiveErrorLimit errors the analysis fails and the rollout aborts at low traffic. The "
             "message carries promtool's line:column and wording.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
