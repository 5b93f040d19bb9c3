// analysis/unbounded-grouping: the labels a query's result keeps, derived
// through every operator as Prometheus computes them, and the finding when
// a gate reads result[0] of a result split by pod, instance or similar.
#include <gtest/gtest.h>

#include "policy/analysis/abstract.h"
#include "policy/promql/parser.h"
#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using analysis::Labels;

const Rule& R() { return rule_analysis_unbounded_grouping(); }

// An AnalysisTemplate with one metric whose gate reads result[0].
std::string template_with(std::string_view query, std::string_view condition = "result[0] < 1") {
  return "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: t, namespace: shop}\n"
         "spec:\n  metrics:\n  - name: m\n    interval: 1m\n    count: 5\n    failureLimit: 1\n"
         "    successCondition: '" +
         std::string(condition) +
         "'\n    provider:\n      prometheus:\n        address: http://prometheus:9090\n        query: '" +
         std::string(query) + "'\n";
}

struct Derived {
  const char* query;
  Labels labels;
  std::vector<std::string> names;  // grouping: the labels (kGrouped, kSome) or the dropped ones (kRaw)
};

// The result labels in the idle scenario (every selector present).
const Derived kDerived[] = {
    {"rate(x[2m])", Labels::kRaw, {}},
    {"sum(rate(x[2m]))", Labels::kNone, {}},
    {"sum by (pod) (rate(x[2m]))", Labels::kGrouped, {"pod"}},
    {"sum by (service, pod) (rate(x[2m]))", Labels::kGrouped, {"pod", "service"}},
    {"sum without (pod) (rate(x[2m]))", Labels::kRaw, {"pod"}},
    {"sum without (pod) (sum by (pod, service) (x))", Labels::kGrouped, {"service"}},
    {"sum by (pod) (vector(1))", Labels::kNone, {}},
    {"topk(3, sum by (pod) (x))", Labels::kGrouped, {"pod"}},
    {"count_values(\"code\", sum by (pod) (x))", Labels::kGrouped, {"code"}},
    {"count_values by (pod) (\"code\", x)", Labels::kGrouped, {"code", "pod"}},
    {"histogram_quantile(0.9, sum by (le, pod) (rate(b[2m])))", Labels::kGrouped, {"pod"}},
    {"histogram_quantile(0.9, sum by (le) (rate(b[2m])))", Labels::kNone, {}},
    {"histogram_quantile(0.9, rate(b[2m]))", Labels::kRaw, {"le"}},
    {"label_replace(sum(x), \"pod\", \"$1\", \"instance\", \"(.*)\")", Labels::kSome, {"pod"}},
    // A ratio keeps its grouping however it is wrapped.
    {"sum by (pod) (rate(e[2m])) / sum by (pod) (rate(t[2m]))", Labels::kGrouped, {"pod"}},
    {"(sum by (pod) (rate(e[2m])) / sum by (pod) (rate(t[2m]))) or vector(0)", Labels::kSome, {"pod"}},
    {"1 - (sum by (pod) (rate(e[2m])) / sum by (pod) (rate(t[2m])))", Labels::kGrouped, {"pod"}},
    {"clamp_max(sum by (pod) (rate(e[2m])) / sum by (pod) (rate(t[2m])), 1)", Labels::kGrouped, {"pod"}},
    {"(sum by (pod) (rate(e[2m])) > 0) and sum by (pod) (rate(t[2m]))", Labels::kGrouped, {"pod"}},
    {"sum by (pod) (rate(e[2m])) unless sum by (pod) (rate(t[2m]))", Labels::kGrouped, {"pod"}},
    {"sum by (pod) (x) or sum by (pod) (y)", Labels::kGrouped, {"pod"}},
    {"sum by (pod) (x) or sum by (instance) (y)", Labels::kSome, {"instance", "pod"}},
    {"sum(x) or vector(0)", Labels::kNone, {}},
    {"rate(x[2m]) or vector(0)", Labels::kRaw, {}},
    // Vector matching.
    {"sum by (pod, service) (x) / on (service) sum by (service) (y)", Labels::kGrouped, {"service"}},
    {"sum by (pod, service) (x) / ignoring (pod) sum by (service) (y)", Labels::kGrouped, {"service"}},
    {"rate(x[2m]) / on (service) sum by (service) (y)", Labels::kSome, {"service"}},
    {"rate(x[2m]) / ignoring (pod) rate(y[2m])", Labels::kRaw, {"pod"}},
    {"sum by (pod, service) (x) / on (service) group_left sum by (service) (y)", Labels::kGrouped, {"pod", "service"}},
    {"sum by (pod) (x) * on (pod) group_left (node) sum by (pod, node) (y)", Labels::kSome, {"node", "pod"}},
    {"sum by (service) (y) / on (service) group_right sum by (pod, service) (x)", Labels::kGrouped, {"pod", "service"}},
    {"sum by (pod) (x) > 0.5", Labels::kGrouped, {"pod"}},
    {"0.5 < sum by (pod) (x)", Labels::kGrouped, {"pod"}},
};

TEST(AnalysisUnboundedGrouping, ResultLabelsFollowEveryOperator) {
  for (const Derived& d : kDerived) {
    SCOPED_TRACE(d.query);
    promql::ParseResult parsed = promql::parse(d.query);
    ASSERT_TRUE(parsed.ok()) << (parsed.error ? parsed.error->message : "");
    analysis::AbstractValue v = analysis::evaluate(*parsed.expr, analysis::Scenario::kIdle);
    EXPECT_EQ(static_cast<int>(v.labels), static_cast<int>(d.labels));
    EXPECT_EQ(v.grouping, d.names);
  }
}

TEST(AnalysisUnboundedGrouping, GroupedByPodOrUnaggregated) {
  auto f = test::run(R(), template_with("sum by (pod) (rate(x[2m]))"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].message,
            "metric \"m\": the query groups its result by \"pod\", one series per pod, so "
            "result[0] is an arbitrary one of them rather than the canary as a whole");
  f = test::run(R(), template_with("rate(x[2m])"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("the query is not aggregated"), std::string::npos) << f[0].message;
}

TEST(AnalysisUnboundedGrouping, AFallbackDoesNotHideTheGrouping) {
  auto f = test::run(R(), template_with("(sum by (pod) (rate(e[2m])) / sum by (pod) (rate(t[2m]))) or vector(0)"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("the query can keep the label \"pod\", one series per pod"), std::string::npos)
      << f[0].message;
}

TEST(AnalysisUnboundedGrouping, DroppingOnlySomeLabelsStillSplits) {
  auto f = test::run(R(), template_with("sum without (le) (rate(x[2m]))"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("the query only drops \"le\" and keeps every other label"), std::string::npos)
      << f[0].message;
  // Dropping every high-cardinality label leaves nothing to split by.
  EXPECT_TRUE(
      test::run(R(), template_with("sum without (pod, instance, container, uid, path, url) (rate(x[2m]))")).empty());
}

TEST(AnalysisUnboundedGrouping, AggregatedOrCountedResultsPass) {
  EXPECT_TRUE(test::run(R(), template_with("sum by (service) (rate(x[2m]))")).empty());
  EXPECT_TRUE(test::run(R(), template_with("sum(rate(x[2m])) or vector(0)")).empty());
  EXPECT_TRUE(test::run(R(), template_with("histogram_quantile(0.95, sum by (le) (rate(b[2m])))")).empty());
  EXPECT_TRUE(test::run(R(), template_with("rate(x[2m])", "len(result) > 0")).empty());  // result[0] not read
}

TEST(AnalysisUnboundedGrouping, AGroupedResultIsNamedEvenWhenNotIndexed) {
  auto f = test::run(R(), template_with("sum by (pod) (x) / on (pod) sum by (pod) (y)", "all(result, {# < 1})"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("the condition sees an arbitrary set"), std::string::npos) << f[0].message;
}

TEST(AnalysisUnboundedGrouping, HighCardinalityLabelsComeFromThePolicy) {
  test::RuleRun run;
  run.policy.high_cardinality_labels = {"shard"};
  EXPECT_TRUE(run(R(), template_with("sum by (pod) (rate(x[2m]))")).empty());
  ASSERT_EQ(run(R(), template_with("sum by (shard) (rate(x[2m]))")).size(), 1u);
}

TEST(AnalysisUnboundedGrouping, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
