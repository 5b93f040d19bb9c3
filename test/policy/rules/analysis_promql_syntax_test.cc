// analysis/promql-syntax: a Prometheus query that does not parse, with
// promtool's position and wording; Argo placeholders are never errors.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;
using test::kFloor;

const Rule& R() { return rule_analysis_promql_syntax(); }
constexpr const char* kId = "analysis/promql-syntax";

TEST(AnalysisPromqlSyntax, ErrorsCarryPromtoolPositions) {
  auto fs = findings(tmpl("t", {metric("bad", "sum(rate(x[5m])", "result[0] < 1")}), kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_EQ(fs[0].path, "spec.metrics[0].provider.prometheus.query");
  EXPECT_EQ(fs[0].message, "metric \"bad\": the Prometheus query does not parse: 1:16: parse error: unclosed left parenthesis");
}

TEST(AnalysisPromqlSyntax, PlaceholdersAreNeverSyntaxErrors) {
  std::string q = "sum(rate(x{svc=\"{{args.svc}}\"}[{{ args.window }}])) > {{args.threshold}}";
  EXPECT_TRUE(findings(tmpl("t", {metric("m", q, "len(result) == 0")}), kId).empty());
}

TEST(AnalysisPromqlSyntax, ValidQueriesPass) {
  EXPECT_TRUE(findings(tmpl("t", {metric("m", kFloor, "result[0] >= 1"), metric("p", test::kP95, "result[0] < 1")}), kId)
                  .empty());
}

TEST(AnalysisPromqlSyntax, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
