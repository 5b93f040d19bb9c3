#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::rollout_with_steps;
using test::run;

const Rule& R() { return rule_rollout_analysis_template_ref(); }

const std::string kRollout =
    rollout_with_steps("[{setWeight: 10}, {analysis: {templates: [{templateName: success-rate}, {templateName: "
                       "latency, clusterScope: true}]}}]");
const char* kTemplate =
    "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: success-rate, namespace: shop}\n";
const char* kClusterTemplate =
    "---\napiVersion: argoproj.io/v1alpha1\nkind: ClusterAnalysisTemplate\nmetadata: {name: latency}\n";

TEST(RolloutAnalysisTemplateRef, PassesWhenTemplatesExist) {
  EXPECT_TRUE(run(R(), kRollout + kTemplate + kClusterTemplate).empty());
}

TEST(RolloutAnalysisTemplateRef, WarnsOnMissingTemplate) {
  auto f = run(R(), kRollout + kClusterTemplate);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.strategy.canary.steps[1].analysis.templates[0]");
  EXPECT_EQ(f[0].message, "Rollout shop/catalog: step analysis spec.strategy.canary.steps[1].analysis.templates[0] "
                          "references AnalysisTemplate \"success-rate\" in namespace \"shop\", which was not found; "
                          "the rollout stops at this analysis until it exists");
  EXPECT_EQ(f[0].hint, "apply AnalysisTemplate \"success-rate\" in namespace \"shop\" with the rollout, or correct "
                       "spec.strategy.canary.steps[1].analysis.templates[0].templateName");
}

TEST(RolloutAnalysisTemplateRef, SuggestsClusterScopeWhenTheOtherKindExists) {
  auto f = run(R(), kRollout + kTemplate +
                        "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: latency, "
                        "namespace: shop}\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].hint, "a AnalysisTemplate \"latency\" exists: set "
                       "spec.strategy.canary.steps[1].analysis.templates[1].clusterScope: false");
}

TEST(RolloutAnalysisTemplateRef, SilentWhenInventoryIncomplete) {
  test::RuleRun r;
  r.complete = false;
  EXPECT_TRUE(r(R(), kRollout).empty());
}

TEST(RolloutAnalysisTemplateRef, CoversBackgroundAndBlueGreen) {
  std::string bg = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: c, namespace: shop}\nspec: "
                   "{strategy: {blueGreen: {prePromotionAnalysis: {templates: [{templateName: a}]}, "
                   "postPromotionAnalysis: {templates: [{templateName: b}]}}}}\n";
  auto f = run(R(), bg);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].path, "spec.strategy.blueGreen.prePromotionAnalysis.templates[0]");
  EXPECT_EQ(f[1].path, "spec.strategy.blueGreen.postPromotionAnalysis.templates[0]");
  auto g = run(R(), rollout_with_steps("[{setWeight: 10}]") + "      analysis: {templates: [{templateName: x}]}\n");
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].path, "spec.strategy.canary.analysis.templates[0]");
}

TEST(RolloutAnalysisTemplateRef, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), rollout_with_steps("[{analysis: {templates: [{templateName: 3, clusterScope: yes}, 1]}}, "
                                              "{experiment: {analyses: [{templateName: []}]}}]")));
}

}  // namespace
}  // namespace rg
