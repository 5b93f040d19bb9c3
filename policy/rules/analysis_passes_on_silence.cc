// analysis/passes-on-silence
//
// A gate must not pass when the canary gets no traffic. A metric whose
// measurement is Successful in silence (the common success-rate template
// `1 - (errors / total or vector(0))` is 1 when nothing is measured) promotes
// a canary nobody used, unless a sibling metric of the same template or
// analysis step fails in silence, such as a traffic floor
// `sum(rate(http_requests_total[2m])) or vector(0)` with `result[0] >= N`.
// Warn by default; deny for Rollouts labelled rollout-guard.io/tier: critical.
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
    const auto& s = m.silence;
    if (s.outcome != analysis::Outcome::kSuccessful || !m.prometheus) continue;
    if (analysis::sibling_fails(obj, ta, m.index, analysis::Scenario::kSilence, ctx)) continue;
    Finding f;
    f.path = analysis::query_path(m);
    // Without a complete inventory (the webhook without a cluster cache) the
    // templates run beside this one are unknown: say so rather than claim
    // that nothing else fails.
    const std::string others =
        ctx.inventory.complete()
            ? std::string("no other metric of this analysis fails without traffic")
            : "no other metric of this template fails without traffic (the Rollouts that run it, and any "
              "traffic floor in their other templates, cannot be seen here: " +
                  ctx.inventory.incomplete_reason() + ")";
    f.message = analysis::metric_ref(m) + ": with no traffic the query returns " + s.result_text + " (" +
                quote(analysis::cause_text(m, s)) + ") and " + analysis::conditions_text(m) +
                " makes the measurement Successful, and " + others +
                ": a canary that received no requests is promoted";
    f.hint = "add a traffic-floor metric that fails in silence, e.g. query "
             "sum(rate(http_requests_total{service=\"...\"}[2m])) or vector(0) with successCondition "
             "result[0] >= 1 (requests per second the canary must see)";
    f.escalate = analysis::used_by_critical_rollout(obj, ctx);
    if (f.escalate) f.message += " (a rollout-guard.io/tier: critical Rollout runs this template)";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

const Rule& rule_analysis_passes_on_silence() {
  static const Rule r{
      .id = "analysis/passes-on-silence",
      .default_action = Action::Warn,
      .summary = "a metric must not pass when the canary gets no traffic, unless a sibling fails then",
      .doc = "Each Prometheus metric is evaluated abstractly in silence (no series match). The usual "
             "`or vector(0)` guard around an error ratio turns no data into 0 errors, so a success-rate "
             "metric reads 1 and the measurement is Successful: a canary that got no traffic is promoted. "
             "That is acceptable only when another metric of the same template, or of every analysis that "
             "runs the template beside others (found through the inventory), fails in silence: a traffic "
             "floor. The rule warns; it denies when a Rollout labelled rollout-guard.io/tier: critical "
             "uses the template.",
      .kinds = {"AnalysisTemplate", "ClusterAnalysisTemplate"},
      .check = check,
  };
  return r;
}

}  // namespace rg
