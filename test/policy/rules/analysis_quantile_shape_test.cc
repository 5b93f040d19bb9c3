// analysis/quantile-shape: histogram_quantile over buckets that are not
// summed by le.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;

const Rule& R() { return rule_analysis_quantile_shape(); }
constexpr const char* kId = "analysis/quantile-shape";

TEST(AnalysisQuantileShape, BucketsMustBeSummedByLe) {
  auto a = findings(tmpl("t", {metric("m", "histogram_quantile(0.9, rate(x_bucket[5m]))", "result[0] < 1")}), kId);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].path, "spec.metrics[0].provider.prometheus.query");
  EXPECT_EQ(a[0].message,
            "metric \"m\": the bucket argument of histogram_quantile is not summed by (le), so it gives one quantile per "
            "series, not one for the canary");
  auto b = findings(
      tmpl("t", {metric("m", "histogram_quantile(0.9, sum by (service) (rate(x_bucket[5m])))", "result[0] < 1")}), kId);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].message,
            "metric \"m\": the bucket argument of histogram_quantile aggregates the le label away (by without le)");
  EXPECT_TRUE(findings(tmpl("t", {metric("m", test::kP95, "result[0] < 1")}), kId).empty());
}

TEST(AnalysisQuantileShape, BucketsCombinedOtherThanBySum) {
  auto a = findings(tmpl("t", {metric("m", "histogram_quantile(0.9, max by (le) (rate(x_bucket[5m])))", "result[0] < 1")}),
                    kId);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].message, "metric \"m\": the bucket argument of histogram_quantile combines buckets with max instead of sum");
  auto b = findings(
      tmpl("t", {metric("m", "histogram_quantile(0.9, sum without (le) (rate(x_bucket[5m])))", "result[0] < 1")}), kId);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].message,
            "metric \"m\": the bucket argument of histogram_quantile aggregates the le label away (without (le))");
}

TEST(AnalysisQuantileShape, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
