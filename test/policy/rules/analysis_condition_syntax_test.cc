// analysis/condition-syntax: a successCondition or failureCondition that
// does not compile in Argo's expression language.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;
using test::kFloor;

const Rule& R() { return rule_analysis_condition_syntax(); }
constexpr const char* kId = "analysis/condition-syntax";

TEST(AnalysisConditionSyntax, ConditionErrors) {
  auto fs = findings(tmpl("t", {metric("m", kFloor, "result[0] >=")}), kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_EQ(fs[0].path, "spec.metrics[0].successCondition");
  EXPECT_EQ(fs[0].message,
            "metric \"m\": successCondition \"result[0] >=\" does not compile: 1:13: unexpected end of expression");
}

TEST(AnalysisConditionSyntax, AFailureConditionIsCheckedToo) {
  auto fs = findings(tmpl("t", {metric("ok", kFloor, "result[0] >= 1"), metric("m", kFloor, "", "result[0] >> 1")}), kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].path, "spec.metrics[1].failureCondition");
  EXPECT_EQ(fs[0].message, "metric \"m\": failureCondition \"result[0] >> 1\" does not compile: 1:12: unexpected token \">\"");
}

TEST(AnalysisConditionSyntax, CompilingConditionsPass) {
  EXPECT_TRUE(findings(tmpl("t", {metric("m", kFloor, "len(result) == 0 || result[0] >= 1", "result[0] < 0")}), kId)
                  .empty());
}

TEST(AnalysisConditionSyntax, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
