#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::rollout_with_steps;
using test::run;

const Rule& R() { return rule_rollout_analysis_gate(); }

TEST(RolloutAnalysisGate, PassesWithAnalysisStepBeforeFullWeight) {
  EXPECT_TRUE(run(R(), rollout_with_steps("[{setWeight: 10}, {analysis: {templates: [{templateName: sr}]}}, "
                                          "{setWeight: 100}]"))
                  .empty());
}

TEST(RolloutAnalysisGate, PassesWithBackgroundAnalysisStartingEarly) {
  std::string y = rollout_with_steps("[{setWeight: 10}, {pause: {duration: 60s}}, {setWeight: 100}]") +
                  "      analysis: {templates: [{templateName: sr}], startingStep: 1}\n";
  EXPECT_TRUE(run(R(), y).empty());
}

TEST(RolloutAnalysisGate, DeniesCanaryWithoutSteps) {
  auto f = run(R(), "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: catalog, namespace: shop}\n"
                    "spec: {strategy: {canary: {}}}\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.strategy.canary.steps");
  EXPECT_EQ(f[0].message,
            "Rollout shop/catalog: spec.strategy.canary has no steps, so an update shifts 100% of traffic at once "
            "and no analysis can stop it");
  EXPECT_FALSE(f[0].hint.empty());
}

TEST(RolloutAnalysisGate, DeniesAnalysisOnlyAfterFullWeight) {
  auto f = run(R(), rollout_with_steps("[{setWeight: 10}, {pause: {}}, {setWeight: 100}, "
                                       "{analysis: {templates: [{templateName: sr}]}}]"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].message,
            "Rollout shop/catalog: no analysis runs before traffic reaches 100% at spec.strategy.canary.steps[2] "
            "(setWeight: 100)");
  EXPECT_EQ(f[0].hint, "insert - analysis: {templates: [{templateName: <template>}]} before spec.strategy.canary.steps[2]");
}

TEST(RolloutAnalysisGate, MessageQuotesTheWeightAsWritten) {
  auto f = run(R(), rollout_with_steps("[{setWeight: 10}, {setWeight: 150}]"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].message,
            "Rollout shop/catalog: no analysis runs before traffic reaches 100% at spec.strategy.canary.steps[1] "
            "(setWeight: 150, which counts as 100%)");
  f = run(R(), rollout_with_steps("[{setWeight: 10}, {setWeight: 100.0}]"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("(setWeight: 100)"), std::string::npos) << f[0].message;  // YAML 1.0 -> JSON 100
}

TEST(RolloutAnalysisGate, DeniesLateBackgroundAnalysis) {
  std::string y = rollout_with_steps("[{setWeight: 50}, {setWeight: 100}]") +
                  "      analysis: {templates: [{templateName: sr}], startingStep: 1}\n";
  auto f = run(R(), y);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("spec.strategy.canary.analysis (startingStep: 1) starts too late"), std::string::npos)
      << f[0].message;
}

TEST(RolloutAnalysisGate, EmptyTemplatesIsNoGate) {
  EXPECT_EQ(run(R(), rollout_with_steps("[{setWeight: 10}, {analysis: {templates: []}}]")).size(), 1u);
}

TEST(RolloutAnalysisGate, BlueGreenNeedsPrePromotionAnalysis) {
  const char* bad = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: catalog}\n"
                    "spec: {strategy: {blueGreen: {activeService: a}}}\n";
  auto f = run(R(), bad);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.strategy.blueGreen.prePromotionAnalysis");
  EXPECT_EQ(f[0].message, "Rollout catalog: spec.strategy.blueGreen has no prePromotionAnalysis, so the new "
                          "version is promoted to the active service without analysis");
  const char* good = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: catalog}\n"
                     "spec: {strategy: {blueGreen: {activeService: a, prePromotionAnalysis: {templates: "
                     "[{templateName: smoke}]}}}}\n";
  EXPECT_TRUE(run(R(), good).empty());
}

TEST(RolloutAnalysisGate, MalformedInputDoesNotThrow) {
  for (const char* y : {"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec: 3\n",
                        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec: {strategy: {canary: {steps: 7}}}\n",
                        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nspec: {strategy: {canary: {steps: [1, "
                        "null, {setWeight: x}, {analysis: 3}], analysis: {templates: [1], startingStep: zz}}}}\n"}) {
    EXPECT_NO_THROW(run(R(), y)) << y;
  }
}

}  // namespace
}  // namespace rg
