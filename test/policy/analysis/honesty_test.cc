// The honesty rules: what each metric does in silence and when idle, and the
// findings that follow. Each test builds a template the way teams write them.
#include <gtest/gtest.h>

#include "policy/analysis/metric.h"
#include "policy/catalog.h"

namespace rg {
namespace {

using analysis::Outcome;

json metric(std::string name, std::string query, std::string success = "", std::string failure = "") {
  json m = {{"name", name},
            {"interval", "1m"},
            {"count", 5},
            {"failureLimit", 1},
            {"provider", {{"prometheus", {{"address", "http://prometheus:9090"}, {"query", query}}}}}};
  if (!success.empty()) m["successCondition"] = success;
  if (!failure.empty()) m["failureCondition"] = failure;
  return m;
}

json tmpl(std::string name, std::vector<json> metrics) {
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "AnalysisTemplate"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec", {{"args", {{{"name", "service-name"}}}}, {"metrics", metrics}}}};
}

const char* kSuccessRate =
    "1 - (sum(rate(http_requests_total{service=\"{{args.service-name}}\",code=~\"5..\"}[2m]))\n"
    "  / sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m])) or vector(0))";
const char* kErrorRatio =
    "sum(rate(http_requests_total{service=\"{{args.service-name}}\",code=~\"5..\"}[2m]))"
    " / sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m]))";
const char* kP95 =
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket"
    "{service=\"{{args.service-name}}\"}[2m])))";
const char* kFloor = "sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m])) or vector(0)";

std::vector<Finding> findings(const json& doc, const Inventory& inv, std::string_view rule) {
  Policy p;
  Context ctx{p, inv};
  std::vector<Finding> out;
  for (auto& f : evaluate(Object{doc, {}}, ctx)) {
    if (f.rule == rule) out.push_back(f);
  }
  return out;
}

std::vector<Finding> findings(const json& doc, std::string_view rule) {
  MemoryInventory inv;
  return findings(doc, inv, rule);
}

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

TEST(NoDataGuard, NamesTheMetricTheEmptyPartAndTheAbort) {
  auto fs = findings(tmpl("error-rate", {metric("errors", kErrorRatio, "", "result[0] > 0.05")}),
                     "analysis/no-data-guard");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_EQ(fs[0].path, "spec.metrics[0].provider.prometheus.query");
  EXPECT_NE(fs[0].message.find("metric \"errors\": with no traffic this query returns nothing"), std::string::npos)
      << fs[0].message;
  EXPECT_NE(fs[0].message.find("after 5 consecutive errors (consecutiveErrorLimit 4)"), std::string::npos)
      << fs[0].message;
  EXPECT_NE(fs[0].hint.find("or vector(0)"), std::string::npos);
}

TEST(NoDataGuard, RespectsTheMetricsConsecutiveErrorLimit) {
  json m = metric("errors", kErrorRatio, "result[0] < 0.05");
  m["consecutiveErrorLimit"] = 2;
  auto fs = findings(tmpl("t", {m}), "analysis/no-data-guard");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_NE(fs[0].message.find("after 3 consecutive errors (consecutiveErrorLimit 2)"), std::string::npos);
}

TEST(NoDataGuard, GuardedConditionIsFine) {
  EXPECT_TRUE(findings(tmpl("t", {metric("e", kErrorRatio, "len(result) == 0 || result[0] < 0.05")}),
                       "analysis/no-data-guard")
                  .empty());
  EXPECT_TRUE(findings(tmpl("t", {metric("e", kSuccessRate, "result[0] >= 0.99")}), "analysis/no-data-guard").empty());
}

TEST(PassesOnSilence, WarnsForTheChaptersSuccessRate) {
  auto fs = findings(tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99")}),
                     "analysis/passes-on-silence");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_NE(fs[0].message.find("with no traffic the query returns [1]"), std::string::npos) << fs[0].message;
  EXPECT_NE(fs[0].message.find("a canary that received no requests is promoted"), std::string::npos);
  EXPECT_NE(fs[0].hint.find("traffic-floor"), std::string::npos);
}

// The webhook without a cluster cache cannot see the Rollouts that run a
// template: the warning must say so instead of claiming nothing else fails.
TEST(PassesOnSilence, SaysWhatItCannotSeeWithoutAnInventory) {
  auto t = tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99")});
  EmptyInventory none;
  auto fs = findings(t, none, "analysis/passes-on-silence");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_NE(fs[0].message.find("no other metric of this template fails without traffic (the Rollouts that run it"),
            std::string::npos)
      << fs[0].message;
  EXPECT_NE(fs[0].message.find(none.incomplete_reason()), std::string::npos) << fs[0].message;
  auto complete = findings(t, "analysis/passes-on-silence");
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_NE(complete[0].message.find("no other metric of this analysis fails without traffic:"), std::string::npos)
      << complete[0].message;
}

TEST(PassesOnSilence, ATrafficFloorInTheTemplateSilencesIt) {
  auto t = tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99"),
                                 metric("traffic", kFloor, "result[0] >= 1")});
  EXPECT_TRUE(findings(t, "analysis/passes-on-silence").empty());
}

json rollout_using(std::vector<std::string> templates, bool critical) {
  json refs = json::array();
  for (auto& t : templates) refs.push_back({{"templateName", t}});
  json steps = json::array({json{{"setWeight", 10}}, json{{"analysis", json{{"templates", refs}}}}});
  json r = {{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}};
  r["metadata"] = {{"name", "catalog"}, {"namespace", "shop"}};
  r["spec"]["strategy"]["canary"]["steps"] = steps;
  if (critical) r["metadata"]["labels"] = {{"rollout-guard.io/tier", "critical"}};
  return r;
}

TEST(PassesOnSilence, AFloorTemplateInTheSameStepSilencesIt) {
  auto sr = tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99")});
  auto floor = tmpl("traffic-floor", {metric("traffic", kFloor, "result[0] >= 1")});
  MemoryInventory inv;
  inv.add(Object{sr, {}});
  inv.add(Object{floor, {}});
  inv.add(Object{rollout_using({"success-rate", "traffic-floor"}, false), {}});
  EXPECT_TRUE(findings(sr, inv, "analysis/passes-on-silence").empty());

  // A second Rollout that runs the template alone brings the warning back.
  json alone = rollout_using({"success-rate"}, false);
  alone["metadata"]["name"] = "cart";
  inv.add(Object{alone, {}});
  EXPECT_EQ(findings(sr, inv, "analysis/passes-on-silence").size(), 1u);
}

TEST(PassesOnSilence, DeniesWhenACriticalRolloutRunsIt) {
  auto sr = tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99")});
  MemoryInventory inv;
  inv.add(Object{rollout_using({"success-rate"}, true), {}});
  auto fs = findings(sr, inv, "analysis/passes-on-silence");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_NE(fs[0].message.find("tier: critical"), std::string::npos);
}

TEST(PassesOnIdle, FailureOnlyErrorRatioPassesBecauseOfNaN) {
  auto fs = findings(tmpl("t", {metric("errors", kErrorRatio, "", "result[0] > 0.05")}), "analysis/passes-on-idle");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_NE(fs[0].message.find("returns [NaN]"), std::string::npos) << fs[0].message;
  EXPECT_NE(fs[0].message.find("comparisons with NaN are false"), std::string::npos);
}

TEST(PassesOnIdle, IsNaNInTheConditionOrAFailingSiblingPrevents) {
  EXPECT_TRUE(findings(tmpl("t", {metric("e", kErrorRatio, "", "isNaN(result[0]) || result[0] > 0.05")}),
                       "analysis/passes-on-idle")
                  .empty());
  // The floor is 0 when idle: result[0] >= 1 fails.
  EXPECT_TRUE(findings(tmpl("t", {metric("e", kErrorRatio, "", "result[0] > 0.05"),
                                  metric("traffic", kFloor, "result[0] >= 1")}),
                       "analysis/passes-on-idle")
                  .empty());
}

TEST(NanUnhandled, WarnsWhenNaNReachesAConditionWithoutIsNaN) {
  auto fs = findings(tmpl("t", {metric("p95", kP95, "result[0] < 0.5")}), "analysis/nan-unhandled");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_NE(fs[0].message.find("histogram_quantile"), std::string::npos) << fs[0].message;
  EXPECT_TRUE(findings(tmpl("t", {metric("p95", kP95, "!isNaN(result[0]) && result[0] < 0.5")}),
                       "analysis/nan-unhandled")
                  .empty());
}

TEST(Syntax, PromQLErrorsCarryPromtoolPositions) {
  auto fs = findings(tmpl("t", {metric("bad", "sum(rate(x[5m])", "result[0] < 1")}), "analysis/promql-syntax");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_NE(fs[0].message.find("metric \"bad\": the Prometheus query does not parse: 1:"), std::string::npos)
      << fs[0].message;
  EXPECT_NE(fs[0].message.find("parse error"), std::string::npos);
}

TEST(Syntax, PlaceholdersAreNeverSyntaxErrors) {
  std::string q = "sum(rate(x{svc=\"{{args.svc}}\"}[{{ args.window }}])) > {{args.threshold}}";
  EXPECT_TRUE(findings(tmpl("t", {metric("m", q, "len(result) == 0")}), "analysis/promql-syntax").empty());
}

TEST(Syntax, ConditionErrors) {
  auto fs = findings(tmpl("t", {metric("m", kFloor, "result[0] >=")}), "analysis/condition-syntax");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].path, "spec.metrics[0].successCondition");
  EXPECT_NE(fs[0].message.find("does not compile"), std::string::npos);
}

TEST(ResultShape, IndexingAScalarAndComparingAVector) {
  auto a = findings(tmpl("t", {metric("m", "scalar(sum(rate(x[5m])))", "result[0] < 1")}), "analysis/result-shape");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].message.find("uses \"result[0]\" as a list, but the query returns a scalar"), std::string::npos)
      << a[0].message;
  auto b = findings(tmpl("t", {metric("m", kFloor, "result >= 1")}), "analysis/result-shape");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].message.find("as a number, but the query returns an instant vector"), std::string::npos)
      << b[0].message;
  // Not reported twice: condition-syntax leaves shape errors to result-shape.
  EXPECT_TRUE(findings(tmpl("t", {metric("m", kFloor, "result >= 1")}), "analysis/condition-syntax").empty());
  EXPECT_TRUE(findings(tmpl("t", {metric("m", "scalar(sum(rate(x[5m])))", "result < 1")}), "analysis/result-shape")
                  .empty());
}

TEST(UnboundedGrouping, ByPodAndUnaggregated) {
  auto a = findings(tmpl("t", {metric("m", "sum by (pod) (rate(x[2m]))", "result[0] < 1")}),
                    "analysis/unbounded-grouping");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].message.find("groups its result by \"pod\""), std::string::npos) << a[0].message;
  auto b = findings(tmpl("t", {metric("m", "rate(x[2m])", "result[0] < 1")}), "analysis/unbounded-grouping");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].message.find("not aggregated"), std::string::npos);
  EXPECT_TRUE(findings(tmpl("t", {metric("m", "sum by (service) (rate(x[2m]))", "result[0] < 1")}),
                       "analysis/unbounded-grouping")
                  .empty());
  EXPECT_TRUE(findings(tmpl("t", {metric("m", kP95, "result[0] < 1")}), "analysis/unbounded-grouping").empty());
}

TEST(RateWindow, ShortRangesWarnPlaceholdersDoNot) {
  auto a = findings(tmpl("t", {metric("m", "sum(rate(x[30s]))", "result[0] < 1")}), "analysis/rate-window");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].message.find("rate() over [30s] is shorter than 2m (4 x the 30s scrape interval)"),
            std::string::npos)
      << a[0].message;
  json m = metric("m", "sum(rate(x[3m]))", "result[0] < 1");
  m["interval"] = "5m";
  auto b = findings(tmpl("t", {m}), "analysis/rate-window");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].message.find("shorter than 10m (2 x the metric's interval 5m)"), std::string::npos)
      << b[0].message;
  EXPECT_TRUE(findings(tmpl("t", {metric("m", "sum(rate(x{a=\"{{args.a}}\"}[{{args.w}}]))", "result[0] < 1")}),
                       "analysis/rate-window")
                  .empty());
  EXPECT_TRUE(findings(tmpl("t", {metric("m", kFloor, "result[0] >= 1")}), "analysis/rate-window").empty());
}

TEST(QuantileShape, BucketsMustBeSummedByLe) {
  auto a = findings(tmpl("t", {metric("m", "histogram_quantile(0.9, rate(x_bucket[5m]))", "result[0] < 1")}),
                    "analysis/quantile-shape");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_NE(a[0].message.find("is not summed by (le)"), std::string::npos);
  auto b = findings(
      tmpl("t", {metric("m", "histogram_quantile(0.9, sum by (service) (rate(x_bucket[5m])))", "result[0] < 1")}),
      "analysis/quantile-shape");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].message.find("aggregates the le label away"), std::string::npos);
  EXPECT_TRUE(findings(tmpl("t", {metric("m", kP95, "result[0] < 1")}), "analysis/quantile-shape").empty());
}

TEST(Robustness, MalformedMetricsDoNotThrow) {
  json t = tmpl("t", {});
  t["spec"]["metrics"] = json::array({json(5), json{{"provider", {{"prometheus", {{"query", 7}}}}}},
                                      json{{"successCondition", json::array()}}, json{{"name", "x"}}});
  MemoryInventory inv;
  Policy p;
  Context ctx{p, inv};
  EXPECT_NO_THROW(evaluate(Object{t, {}}, ctx));
  t["spec"]["metrics"] = "nope";
  EXPECT_NO_THROW(evaluate(Object{t, {}}, ctx));
}

}  // namespace
}  // namespace rg
