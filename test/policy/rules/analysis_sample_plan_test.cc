#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_analysis_sample_plan(); }

std::string tmpl(std::string_view metric) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: sr, namespace: shop}\n"
         "spec:\n  metrics:\n  - " + std::string(metric) + "\n";
}

TEST(AnalysisSamplePlan, PassesWithEnoughSamplesAndSlack) {
  EXPECT_TRUE(run(R(), tmpl("{name: sr, count: 5, interval: 1m, failureLimit: 1}")).empty());
  EXPECT_TRUE(run(R(), tmpl("{name: sr, interval: 1m}")).empty());                // indefinite: background
  EXPECT_TRUE(run(R(), tmpl("{name: smoke, provider: {job: {}}}")).empty());     // a job runs once
}

TEST(AnalysisSamplePlan, WarnsOnTooFewMeasurements) {
  auto f = run(R(), tmpl("{name: sr, count: 2, interval: 30s, failureLimit: 1}"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.metrics[0].count");
  EXPECT_EQ(f[0].message, "AnalysisTemplate shop/sr: metric \"sr\" takes 2 measurements; fewer than 3 cannot tell "
                          "a regression from noise");
  EXPECT_EQ(f[0].hint, "set spec.metrics[0].count: 3");
  auto g = run(R(), tmpl("{name: sr}"));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].path, "spec.metrics[0]");
  EXPECT_EQ(g[0].hint, "set spec.metrics[0].count: 3 and an interval (e.g. interval: 1m)");
}

TEST(AnalysisSamplePlan, WarnsOnFailureLimitZeroWithManySamples) {
  auto f = run(R(), tmpl("{name: sr, count: 5, interval: 1m}"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.metrics[0].failureLimit");
  EXPECT_EQ(f[0].message, "AnalysisTemplate shop/sr: metric \"sr\" has failureLimit 0 (the default) with count 5: "
                          "one failed measurement (a scrape gap, a blip) aborts the rollout");
  EXPECT_EQ(f[0].hint, "set spec.metrics[0].failureLimit: 1");
}

TEST(AnalysisSamplePlan, ThresholdsComeFromPolicy) {
  test::RuleRun r;
  r.policy.min_measurements = 1;
  r.policy.warn_failure_limit_zero = false;
  EXPECT_TRUE(r(R(), tmpl("{name: sr, count: 5, interval: 1m, failureLimit: 0}")).empty());
  EXPECT_TRUE(r(R(), tmpl("{name: sr}")).empty());
  r.policy.min_measurements = 10;
  EXPECT_EQ(r(R(), tmpl("{name: sr, count: 5, interval: 1m, failureLimit: 1}")).size(), 1u);
}

TEST(AnalysisSamplePlan, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), tmpl("{count: true, interval: 5, failureLimit: [1]}")));
}

}  // namespace
}  // namespace rg
