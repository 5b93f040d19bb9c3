// analysis/no-data-guard: a query that returns nothing without traffic makes
// every measurement an error, and the analysis aborts after
// consecutiveErrorLimit + 1 of them unless the condition handles no data.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;
using test::kErrorRatio;
using test::kSuccessRate;

const Rule& R() { return rule_analysis_no_data_guard(); }
constexpr const char* kId = "analysis/no-data-guard";

TEST(AnalysisNoDataGuard, NamesTheMetricTheEmptyPartAndTheAbort) {
  auto fs = findings(tmpl("error-rate", {metric("errors", kErrorRatio, "", "result[0] > 0.05")}), kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_EQ(fs[0].path, "spec.metrics[0].provider.prometheus.query");
  // The query is quoted as written, {{args.*}} and all.
  EXPECT_EQ(fs[0].message,
            "metric \"errors\": with no traffic this query returns nothing "
            "(\"http_requests_total{service=\\\"{{args.service-name}}\\\",code=~\\\"5..\\\"}[2m]\" is empty); "
            "failureCondition \"result[0] > 0.05\" cannot be evaluated on [] (index out of range: 0 (array "
            "length is 0)), so the measurement errors, and after 5 consecutive errors (consecutiveErrorLimit 4) "
            "the analysis fails and the rollout aborts");
  EXPECT_NE(fs[0].hint.find("or vector(0)"), std::string::npos);
}

// The empty part is quoted from the query as written, each {{...}} whole,
// whatever stand-in the analysis parsed in its place.
TEST(AnalysisNoDataGuard, QuotesTheEmptyPartWithItsPlaceholders) {
  auto fs = findings(tmpl("t", {metric("errors",
                                       "sum(rate(x_errors{svc=\"{{args.svc}}\"}[{{ args.window }}])) / "
                                       "sum(rate(x_total{svc=\"{{args.svc}}\"}[2m]))",
                                       "", "result[0] > 0.05")}),
                     kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_NE(fs[0].message.find("returns nothing (\"x_errors{svc=\\\"{{args.svc}}\\\"}[{{ args.window }}]\" is empty)"),
            std::string::npos)
      << fs[0].message;
}

TEST(AnalysisNoDataGuard, RespectsTheMetricsConsecutiveErrorLimit) {
  json m = metric("errors", kErrorRatio, "result[0] < 0.05");
  m["consecutiveErrorLimit"] = 2;
  auto fs = findings(tmpl("t", {m}), kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_NE(fs[0].message.find("after 3 consecutive errors (consecutiveErrorLimit 2)"), std::string::npos);
}

TEST(AnalysisNoDataGuard, GuardedConditionIsFine) {
  EXPECT_TRUE(findings(tmpl("t", {metric("e", kErrorRatio, "len(result) == 0 || result[0] < 0.05")}), kId).empty());
  EXPECT_TRUE(findings(tmpl("t", {metric("e", kSuccessRate, "result[0] >= 0.99")}), kId).empty());
}

TEST(AnalysisNoDataGuard, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
