// analysis/nan-unhandled: NaN (0/0, a quantile over empty buckets) reaches
// a condition that does not test isNaN.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;
using test::kP95;

const Rule& R() { return rule_analysis_nan_unhandled(); }
constexpr const char* kId = "analysis/nan-unhandled";

TEST(AnalysisNanUnhandled, WarnsWhenNaNReachesAConditionWithoutIsNaN) {
  auto fs = findings(tmpl("t", {metric("p95", kP95, "result[0] < 0.5")}), kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_EQ(fs[0].path, "spec.metrics[0].provider.prometheus.query");
  // The query is quoted as written, {{args.*}} and all.
  EXPECT_EQ(fs[0].message,
            "metric \"p95\": when the canary is idle the query yields NaN (\"histogram_quantile(0.95, sum by "
            "(le) (rate(http_request_duration_seconds_bucket{service=\\\"{{args.service-name}}\\\"}[2m])))\") "
            "and successCondition \"result[0] < 0.5\" does not check isNaN: the measurement is Failed only "
            "because comparisons with NaN are false");
  EXPECT_TRUE(findings(tmpl("t", {metric("p95", kP95, "!isNaN(result[0]) && result[0] < 0.5")}), kId).empty());
}

TEST(AnalysisNanUnhandled, AValueThatCannotBeNaNPasses) {
  EXPECT_TRUE(findings(tmpl("t", {metric("floor", test::kFloor, "result[0] >= 1")}), kId).empty());
}

TEST(AnalysisNanUnhandled, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
