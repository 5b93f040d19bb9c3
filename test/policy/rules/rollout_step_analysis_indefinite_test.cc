#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::rollout_with_steps;
using test::run;

const Rule& R() { return rule_rollout_step_analysis_indefinite(); }

std::string tmpl(std::string_view metric) {
  return "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: latency, namespace: shop}\n"
         "spec:\n  metrics:\n  - " + std::string(metric) + "\n";
}
const std::string kStepRollout =
    rollout_with_steps("[{setWeight: 10}, {analysis: {templates: [{templateName: latency}]}}]");

TEST(RolloutStepAnalysisIndefinite, PassesFiniteMetrics) {
  EXPECT_TRUE(run(R(), kStepRollout + tmpl("{name: p95, interval: 1m, count: 5}")).empty());
  EXPECT_TRUE(run(R(), kStepRollout + tmpl("{name: p95}")).empty());  // one measurement
  EXPECT_TRUE(run(R(), kStepRollout + tmpl("{name: p95, interval: 1m, count: '{{args.n}}'}")).empty());
  EXPECT_TRUE(run(R(), kStepRollout).empty());  // template absent: rollout/analysis-template-ref's business
}

TEST(RolloutStepAnalysisIndefinite, BackgroundMayRunIndefinitely) {
  std::string bg = rollout_with_steps("[{setWeight: 10}]") + "      analysis: {templates: [{templateName: latency}]}\n";
  EXPECT_TRUE(run(R(), bg + tmpl("{name: p95, interval: 1m}")).empty());
}

TEST(RolloutStepAnalysisIndefinite, DeniesIntervalWithoutCount) {
  auto f = run(R(), kStepRollout + tmpl("{name: p95, interval: 1m}"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.strategy.canary.steps[1].analysis.templates[0]");
  EXPECT_EQ(f[0].message,
            "Rollout shop/catalog: spec.strategy.canary.steps[1].analysis.templates[0]: Invalid value: \"latency\": "
            "AnalysisTemplate latency has metric p95 which runs indefinitely. Invalid value for count: <nil> (step "
            "analysis waits for it; interval \"1m\" without count)");
  EXPECT_EQ(f[0].hint, "set spec.metrics[0].count (e.g. count: 5) in AnalysisTemplate \"latency\", or run it as "
                       "background analysis (spec.strategy.canary.analysis)");
  auto g = run(R(), kStepRollout + tmpl("{name: p95, interval: 1m, count: 0}"));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_NE(g[0].message.find("Invalid value for count: 0 "), std::string::npos);
}

TEST(RolloutStepAnalysisIndefinite, PrePromotionClusterTemplate) {
  std::string y = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: c, namespace: shop}\nspec: "
                  "{strategy: {blueGreen: {prePromotionAnalysis: {templates: [{templateName: smoke, clusterScope: "
                  "true}]}}}}\n---\napiVersion: argoproj.io/v1alpha1\nkind: ClusterAnalysisTemplate\nmetadata: "
                  "{name: smoke}\nspec: {metrics: [{name: ok}, {name: slow, interval: 30s}]}\n";
  auto f = run(R(), y);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("ClusterAnalysisTemplate smoke has metric slow which runs indefinitely"),
            std::string::npos);
  EXPECT_NE(f[0].message.find("pre-promotion analysis waits for it"), std::string::npos);
}

TEST(RolloutStepAnalysisIndefinite, MalformedTemplateDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), kStepRollout + "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: "
                                          "{name: latency, namespace: shop}\nspec: {metrics: [3, {interval: 7}]}\n"));
}

}  // namespace
}  // namespace rg
