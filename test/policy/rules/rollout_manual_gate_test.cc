#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::rollout_with_steps;
using test::run;

const Rule& R() { return rule_rollout_manual_gate(); }
const char* kCritical = "  labels: {rollout-guard.io/tier: critical}\n";

TEST(RolloutManualGate, IgnoresRolloutsThatAreNotCritical) {
  EXPECT_TRUE(run(R(), rollout_with_steps("[{setWeight: 10}, {setWeight: 100}]")).empty());
  EXPECT_TRUE(run(R(), rollout_with_steps("[{setWeight: 10}]", "  labels: {rollout-guard.io/tier: batch}\n")).empty());
}

TEST(RolloutManualGate, PassesWithIndefinitePauseBeforeFullWeight) {
  EXPECT_TRUE(run(R(), rollout_with_steps("[{setWeight: 10}, {pause: {}}, {setWeight: 100}]", kCritical)).empty());
  EXPECT_TRUE(run(R(), rollout_with_steps("[{setWeight: 10}, {pause: {}}]", kCritical)).empty());
}

TEST(RolloutManualGate, DeniesTimedPauseOnly) {
  auto f = run(R(), rollout_with_steps("[{setWeight: 10}, {pause: {duration: 60s}}, {setWeight: 100}, {pause: {}}]",
                                       kCritical));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.strategy.canary.steps");
  EXPECT_EQ(f[0].message,
            "Rollout shop/catalog is labelled rollout-guard.io/tier: critical but has no indefinite pause "
            "(pause: {}) before traffic reaches 100% at spec.strategy.canary.steps[2] (setWeight: 100)");
  EXPECT_EQ(f[0].hint,
            "insert the step - pause: {} before spec.strategy.canary.steps[2]; a person then promotes with "
            "`kubectl argo rollouts promote catalog`");
}

TEST(RolloutManualGate, MessageQuotesTheWeightAsWritten) {
  auto f = run(R(), rollout_with_steps("[{setWeight: 10}, {setWeight: 150}]", kCritical));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("at spec.strategy.canary.steps[1] (setWeight: 150, which counts as 100%)"),
            std::string::npos)
      << f[0].message;
}

TEST(RolloutManualGate, BlueGreenNeedsAutoPromotionDisabled) {
  std::string base = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: catalog\n" +
                     std::string(kCritical) + "spec: {strategy: {blueGreen: {activeService: a";
  auto f = run(R(), base + "}}}\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].hint, "set spec.strategy.blueGreen.autoPromotionEnabled: false");
  EXPECT_TRUE(run(R(), base + ", autoPromotionEnabled: false}}}\n").empty());
}

TEST(RolloutManualGate, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), rollout_with_steps("[{pause: 3}, {pause: {duration: [1]}}, 7]", kCritical)));
  EXPECT_NO_THROW(run(R(), rollout_with_steps("{}", kCritical)));
}

}  // namespace
}  // namespace rg
