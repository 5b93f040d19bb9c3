#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_analysis_condition_missing(); }

std::string tmpl(std::string_view metric) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: latency, namespace: shop}\n"
         "spec:\n  metrics:\n  - " + std::string(metric) + "\n";
}

TEST(AnalysisConditionMissing, PassesWithEitherCondition) {
  EXPECT_TRUE(run(R(), tmpl("{name: p95, successCondition: 'result[0] < 0.5', provider: {prometheus: {}}}")).empty());
  EXPECT_TRUE(run(R(), tmpl("{name: p95, failureCondition: 'result[0] >= 0.5', provider: {prometheus: {}}}")).empty());
}

TEST(AnalysisConditionMissing, JobAndKayentaJudgeThemselves) {
  EXPECT_TRUE(run(R(), tmpl("{name: smoke, provider: {job: {spec: {}}}}")).empty());
  EXPECT_TRUE(run(R(), tmpl("{name: k, provider: {kayenta: {}}}")).empty());
}

TEST(AnalysisConditionMissing, DeniesMetricWithoutConditions) {
  auto f = run(R(), tmpl("{name: p95, successCondition: '  ', provider: {prometheus: {query: q}}}"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.metrics[0]");
  EXPECT_EQ(f[0].message, "AnalysisTemplate shop/latency: metric \"p95\" has neither successCondition nor "
                          "failureCondition, so every measurement succeeds");
  EXPECT_EQ(f[0].hint, "add spec.metrics[0].successCondition, e.g. successCondition: result[0] >= 0.99");
}

TEST(AnalysisConditionMissing, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), tmpl("{name: [1], successCondition: 3, provider: []}")));
}

}  // namespace
}  // namespace rg
