#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_analysis_failure_limit(); }

std::string tmpl(std::string_view metric) {
  return "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: success-rate, namespace: shop}\n"
         "spec:\n  metrics:\n  - " + std::string(metric) + "\n";
}

TEST(AnalysisFailureLimit, PassesWhenLimitBelowCount) {
  EXPECT_TRUE(run(R(), tmpl("{name: sr, count: 5, interval: 1m, failureLimit: 1, successCondition: x}")).empty());
  EXPECT_TRUE(run(R(), tmpl("{name: sr, count: 5, interval: 1m}")).empty());  // default 0
  // Indefinite (background) metrics can still fail eventually.
  EXPECT_TRUE(run(R(), tmpl("{name: sr, interval: 1m, failureLimit: 3}")).empty());
  // Templated values are only known at run time.
  EXPECT_TRUE(run(R(), tmpl("{name: sr, count: '{{args.n}}', interval: 1m, failureLimit: 3}")).empty());
  EXPECT_TRUE(run(R(), tmpl("{name: sr, failureLimit: -1, consecutiveSuccessLimit: 3, count: 5, interval: 1m}")).empty());
}

TEST(AnalysisFailureLimit, DeniesLimitAtCount) {
  auto f = run(R(), tmpl("{name: sr, count: 3, interval: 1m, failureLimit: 3}"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.metrics[0].failureLimit");
  EXPECT_EQ(f[0].message,
            "AnalysisTemplate shop/success-rate: metric \"sr\" can never fail: failureLimit 3 >= count 3, and Argo "
            "fails a metric only when more than failureLimit measurements fail");
  EXPECT_EQ(f[0].hint, "set spec.metrics[0].failureLimit below 3 (e.g. failureLimit: 1)");
}

TEST(AnalysisFailureLimit, DeniesImplicitSingleMeasurement) {
  auto f = run(R(), tmpl("{name: sr, failureLimit: 1}"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("(no count and no interval: one measurement)"), std::string::npos);
}

TEST(AnalysisFailureLimit, DeniesMinusOneWithoutSuccessLimit) {
  auto f = run(R(), tmpl("{name: sr, count: 5, interval: 1m, failureLimit: -1}"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].message, "AnalysisTemplate shop/success-rate: metric \"sr\" can never fail: "
                          "spec.metrics[0].failureLimit is -1 (no limit) and no consecutiveSuccessLimit is set");
}

TEST(AnalysisFailureLimit, ClusterTemplatesToo) {
  auto f = run(R(), "apiVersion: argoproj.io/v1alpha1\nkind: ClusterAnalysisTemplate\nmetadata: {name: c}\n"
                    "spec: {metrics: [{name: a, count: '2', interval: 1m, failureLimit: '2'}]}\n");
  EXPECT_EQ(f.size(), 1u);
}

TEST(AnalysisFailureLimit, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nspec: {metrics: [1, "
                           "{count: [], failureLimit: {}}, {count: 1e300, failureLimit: 2.5}]}\n"));
  EXPECT_NO_THROW(run(R(), "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nspec: {metrics: 3}\n"));
}

}  // namespace
}  // namespace rg
