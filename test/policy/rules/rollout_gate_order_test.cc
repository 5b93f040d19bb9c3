#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::rollout_with_steps;
using test::run;

const Rule& R() { return rule_rollout_gate_order(); }

TEST(RolloutGateOrder, PassesWhenAnalysisPrecedesFullWeight) {
  EXPECT_TRUE(run(R(), rollout_with_steps("[{setWeight: 10}, {analysis: {templates: [{templateName: sr}]}}, "
                                          "{setWeight: 100}]"))
                  .empty());
  // No explicit 100% step: nothing to be late for.
  EXPECT_TRUE(run(R(), rollout_with_steps("[{setWeight: 10}, {analysis: {templates: [{templateName: sr}]}}]")).empty());
}

TEST(RolloutGateOrder, WarnsOnAnalysisAfterFullWeight) {
  auto f = run(R(), rollout_with_steps("[{setWeight: 10}, {setWeight: 100}, {analysis: {templates: "
                                       "[{templateName: sr}]}}]"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.strategy.canary.steps[2].analysis");
  EXPECT_EQ(f[0].message,
            "Rollout shop/catalog: spec.strategy.canary.steps[2].analysis runs after spec.strategy.canary.steps[1] "
            "(setWeight: 100) sends all traffic to the new version, so every user already gets it and the "
            "analysis gates nothing");
  EXPECT_EQ(f[0].hint, "move this step before spec.strategy.canary.steps[1] (setWeight: 100)");
}

TEST(RolloutGateOrder, MessagesQuoteTheWeightAsWritten) {
  auto f = run(R(), rollout_with_steps("[{setWeight: 10}, {setWeight: 150}, {analysis: {templates: "
                                       "[{templateName: sr}]}}]"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("spec.strategy.canary.steps[1] (setWeight: 150, which counts as 100%) sends all"),
            std::string::npos)
      << f[0].message;
  EXPECT_EQ(f[0].hint, "move this step before spec.strategy.canary.steps[1] (setWeight: 150, which counts as 100%)");
}

TEST(RolloutGateOrder, WarnsOnLateBackgroundAnalysis) {
  std::string y = rollout_with_steps("[{setWeight: 10}, {setWeight: 100}]") +
                  "      analysis: {templates: [{templateName: sr}], startingStep: 1}\n";
  auto f = run(R(), y);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.strategy.canary.analysis.startingStep");
  EXPECT_NE(f[0].message.find("spec.strategy.canary.analysis (startingStep: 1) starts the background analysis"),
            std::string::npos)
      << f[0].message;
  EXPECT_EQ(f[0].hint, "set spec.strategy.canary.analysis.startingStep below 1 (e.g. startingStep: 0)");
  // No startingStep at all: the message says so rather than quoting a number the manifest lacks.
  f = run(R(), rollout_with_steps("[{setWeight: 100}]") + "      analysis: {templates: [{templateName: sr}]}\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("(no startingStep (step 0))"), std::string::npos) << f[0].message;
}

TEST(RolloutGateOrder, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), rollout_with_steps("[{setWeight: 100}, 5, {experiment: {analyses: 1}}]") +
                               "      analysis: [1]\n"));
}

}  // namespace
}  // namespace rg
