// analysis/result-shape: a condition that reads result as a list when the
// query returns a scalar, or as a number when it returns a vector.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;
using test::kFloor;

const Rule& R() { return rule_analysis_result_shape(); }
constexpr const char* kId = "analysis/result-shape";

TEST(AnalysisResultShape, IndexingAScalarAndComparingAVector) {
  auto a = findings(tmpl("t", {metric("m", "scalar(sum(rate(x[5m])))", "result[0] < 1")}), kId);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].action, Action::Deny);
  EXPECT_EQ(a[0].path, "spec.metrics[0].successCondition");
  EXPECT_EQ(a[0].message,
            "metric \"m\": successCondition uses \"result[0]\" as a list, but the query returns a scalar (Argo passes "
            "result as a float64)");
  auto b = findings(tmpl("t", {metric("m", kFloor, "result >= 1")}), kId);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].message,
            "metric \"m\": successCondition uses \"result >= 1\" as a number, but the query returns an instant vector "
            "(Argo passes result as a []float64)");
  // Not reported twice: condition-syntax leaves shape errors to result-shape.
  EXPECT_TRUE(findings(tmpl("t", {metric("m", kFloor, "result >= 1")}), "analysis/condition-syntax").empty());
  EXPECT_TRUE(findings(tmpl("t", {metric("m", "scalar(sum(rate(x[5m])))", "result < 1")}), kId).empty());
}

TEST(AnalysisResultShape, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
