// analysis/rate-window: rate() and its kin over a range too short for the
// scrape interval or for the metric's own interval.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;
using test::kFloor;

const Rule& R() { return rule_analysis_rate_window(); }
constexpr const char* kId = "analysis/rate-window";

TEST(AnalysisRateWindow, ShortRangesWarnPlaceholdersDoNot) {
  auto a = findings(tmpl("t", {metric("m", "sum(rate(x[30s]))", "result[0] < 1")}), kId);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].path, "spec.metrics[0].provider.prometheus.query");
  EXPECT_EQ(a[0].message, "metric \"m\": rate() over [30s] is shorter than 2m (4 x the 30s scrape interval)");
  json m = metric("m", "sum(rate(x[3m]))", "result[0] < 1");
  m["interval"] = "5m";
  auto b = findings(tmpl("t", {m}), kId);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].message, "metric \"m\": rate() over [3m] is shorter than 10m (2 x the metric's interval 5m)");
  EXPECT_TRUE(findings(tmpl("t", {metric("m", "sum(rate(x{a=\"{{args.a}}\"}[{{args.w}}]))", "result[0] < 1")}), kId)
                  .empty());
  EXPECT_TRUE(findings(tmpl("t", {metric("m", kFloor, "result[0] >= 1")}), kId).empty());
}

TEST(AnalysisRateWindow, TheScrapeIntervalComesFromThePolicy) {
  // [3m] covers 2 x the metric's 1m interval and 4 scrapes of 30s, not 4 of 1m.
  json t = tmpl("t", {metric("m", "sum(rate(x[3m]))", "result[0] < 1")});
  EXPECT_TRUE(findings(t, kId).empty());
  Policy p;
  p.scrape_interval_seconds = 60;
  auto fs = findings(t, kId, p);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].message, "metric \"m\": rate() over [3m] is shorter than 4m (4 x the 1m scrape interval)");
}

TEST(AnalysisRateWindow, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
