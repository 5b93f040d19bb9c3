// analysis/passes-on-idle: a metric that succeeds when the canary is idle
// (requests at rate 0, so ratios are NaN) with no other metric failing then.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;
using test::kErrorRatio;
using test::kFloor;

const Rule& R() { return rule_analysis_passes_on_idle(); }
constexpr const char* kId = "analysis/passes-on-idle";

TEST(AnalysisPassesOnIdle, FailureOnlyErrorRatioPassesBecauseOfNaN) {
  auto fs = findings(tmpl("t", {metric("errors", kErrorRatio, "", "result[0] > 0.05")}), kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_EQ(fs[0].path, "spec.metrics[0].provider.prometheus.query");
  // The query is quoted as written, {{args.*}} and all.
  EXPECT_EQ(fs[0].message,
            "metric \"errors\": when the canary is idle (series exist, counters flat) the query returns [NaN] "
            "(\"sum(rate(http_requests_total{service=\\\"{{args.service-name}}\\\",code=~\\\"5..\\\"}[2m])) / "
            "sum(rate(http_requests_total{servic...\" is NaN) and failureCondition \"result[0] > 0.05\" makes "
            "the measurement Successful only because comparisons with NaN are false");
}

TEST(AnalysisPassesOnIdle, IsNaNInTheConditionOrAFailingSiblingPrevents) {
  EXPECT_TRUE(findings(tmpl("t", {metric("e", kErrorRatio, "", "isNaN(result[0]) || result[0] > 0.05")}), kId).empty());
  // The floor is 0 when idle: result[0] >= 1 fails.
  EXPECT_TRUE(
      findings(tmpl("t", {metric("e", kErrorRatio, "", "result[0] > 0.05"), metric("traffic", kFloor, "result[0] >= 1")}),
               kId)
          .empty());
}

TEST(AnalysisPassesOnIdle, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
