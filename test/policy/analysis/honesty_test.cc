// What each metric of a template does in silence and when idle: the
// scenarios the analysis engine computes, which the honesty rules
// (analysis/no-data-guard, passes-on-silence, passes-on-idle, nan-unhandled;
// tested in test/policy/rules/) turn into findings. Each test builds a
// template the way teams write them.
#include <gtest/gtest.h>

#include "policy/analysis/metric.h"
#include "policy/catalog.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using analysis::Outcome;
using test::findings;
using test::kErrorRatio;
using test::kP95;
using test::kSuccessRate;
using test::metric;
using test::tmpl;

analysis::MetricAnalysis analyze_one(const json& m) {
  Policy p;
  auto ta = analysis::analyze_template(tmpl("t", {m}), p);
  return std::move(ta.metrics.at(0));
}

TEST(Scenarios, SuccessRateWithOrVectorZeroPassesInSilenceFailsWhenIdle) {
  auto m = analyze_one(metric("success-rate", kSuccessRate, "result[0] >= 0.99"));
  ASSERT_TRUE(m.ok()) << m.parse_error << m.success.error;
  EXPECT_EQ(m.silence.outcome, Outcome::kSuccessful);
  EXPECT_EQ(m.silence.result_text, "[1]");
  EXPECT_EQ(m.idle.outcome, Outcome::kFailed);  // 1 - NaN = NaN, NaN >= 0.99 is false
  EXPECT_EQ(m.idle.result_text, "[NaN]");
  EXPECT_TRUE(m.idle.nan_reached);
}

TEST(Scenarios, OrBindsLoosestSoTheFallbackIsTheWholeValue) {
  // `1 - (a / b) or vector(0)` is `(1 - a / b) or vector(0)`: silence gives 0.
  auto m = analyze_one(metric("sr", std::string("1 - (") + kErrorRatio + ") or vector(0)", "result[0] >= 0.99"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.silence.result_text, "[0]");
  EXPECT_EQ(m.silence.outcome, Outcome::kFailed);
}

TEST(Scenarios, UnguardedRatioErrorsInSilenceAndIsNaNWhenIdle) {
  auto m = analyze_one(metric("errors", kErrorRatio, "", "result[0] > 0.05"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.silence.outcome, Outcome::kError);
  EXPECT_EQ(m.silence.result_text, "[]");
  EXPECT_EQ(m.idle.outcome, Outcome::kSuccessful);  // NaN > 0.05 is false
  EXPECT_TRUE(m.idle.nan_reached);
}

TEST(Scenarios, QuantileOverEmptyBucketsIsNaN) {
  auto m = analyze_one(metric("p95", kP95, "result[0] < 0.5"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.silence.outcome, Outcome::kError);
  EXPECT_EQ(m.idle.result_text, "[NaN]");
  EXPECT_EQ(m.idle.outcome, Outcome::kFailed);
}

TEST(Scenarios, FilteredDenominatorGivesNoDataInsteadOfNaN) {
  std::string q = "sum(rate(x_errors[2m])) / (sum(rate(x_total[2m])) > 0)";
  auto m = analyze_one(metric("e", q, "len(result) == 0 || result[0] < 0.05"));
  ASSERT_TRUE(m.ok()) << m.success.error;
  EXPECT_EQ(m.idle.result_text, "[]");
  EXPECT_FALSE(m.idle.nan_reached);
  EXPECT_EQ(m.idle.outcome, Outcome::kSuccessful);
}

TEST(Scenarios, UnknownValuesGiveNoOutcome) {
  // A gauge's value is unknown when idle: nothing certain, nothing reported.
  auto m = analyze_one(metric("mem", "max(container_memory_working_set_bytes)", "result[0] < 1e9"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.idle.outcome, Outcome::kUnknown);
  EXPECT_TRUE(findings(tmpl("t", {metric("mem", "max(container_memory_working_set_bytes)", "result[0] < 1e9")}),
                       "analysis/nan-unhandled")
                  .empty());
}

TEST(Scenarios, NeitherConditionIsAlwaysSuccessful) {
  auto m = analyze_one(metric("n", kErrorRatio));
  EXPECT_EQ(m.silence.outcome, Outcome::kSuccessful);
}

TEST(Scenarios, BothConditionsFalseIsInconclusive) {
  auto m = analyze_one(metric("b", "vector(0.5)", "result[0] > 0.9", "result[0] < 0.1"));
  EXPECT_EQ(m.silence.outcome, Outcome::kInconclusive);
}

// Every rule of the catalog, run by evaluate(), on metrics of the wrong
// types; each analysis rule's own test file checks it alone as well.
TEST(Robustness, MalformedMetricsDoNotThrow) {
  MemoryInventory inv;
  Policy p;
  Context ctx{p, inv};
  for (const json& t : test::malformed_templates()) {
    SCOPED_TRACE(t.dump());
    std::vector<Finding> fs;
    EXPECT_NO_THROW(fs = evaluate(Object{t, {}}, ctx));
    for (const Finding& f : fs) EXPECT_EQ(f.message.find("internal error"), std::string::npos) << f.message;
  }
}

}  // namespace
}  // namespace rg
