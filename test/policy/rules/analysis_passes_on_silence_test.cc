// analysis/passes-on-silence: a metric that succeeds when the canary gets
// no traffic at all, with no other metric of the analysis failing then; a
// warning, denied when a critical Rollout runs the template.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/analysis/template_fixture.h"

namespace rg {
namespace {

using test::findings;
using test::metric;
using test::tmpl;
using test::kFloor;
using test::kSuccessRate;
using test::rollout_using;

const Rule& R() { return rule_analysis_passes_on_silence(); }
constexpr const char* kId = "analysis/passes-on-silence";

TEST(AnalysisPassesOnSilence, WarnsForTheChaptersSuccessRate) {
  auto fs = findings(tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99")}), kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_EQ(fs[0].path, "spec.metrics[0].provider.prometheus.query");
  // The query is quoted as written, {{args.*}} and all.
  EXPECT_EQ(fs[0].message,
            "metric \"success-rate\": with no traffic the query returns [1] (\"1 - "
            "(sum(rate(http_requests_total{service=\\\"{{args.service-name}}\\\",code=~\\\"5..\\\"}[2m])) / "
            "sum(rate(http_requests_total{s...\") and successCondition \"result[0] >= 0.99\" makes the "
            "measurement Successful, and no other metric of this analysis fails without traffic: a canary that "
            "received no requests is promoted");
  EXPECT_NE(fs[0].hint.find("traffic-floor"), std::string::npos);
}

// The webhook without a cluster cache cannot see the Rollouts that run a
// template: the warning must say so instead of claiming nothing else fails.
TEST(AnalysisPassesOnSilence, SaysWhatItCannotSeeWithoutAnInventory) {
  auto t = tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99")});
  EmptyInventory none;
  auto fs = findings(t, none, kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_NE(fs[0].message.find("no other metric of this template fails without traffic (the Rollouts that run it"),
            std::string::npos)
      << fs[0].message;
  EXPECT_NE(fs[0].message.find(none.incomplete_reason()), std::string::npos) << fs[0].message;
  auto complete = findings(t, kId);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_NE(complete[0].message.find("no other metric of this analysis fails without traffic:"), std::string::npos)
      << complete[0].message;
}

TEST(AnalysisPassesOnSilence, ATrafficFloorInTheTemplateSilencesIt) {
  auto t = tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99"),
                                 metric("traffic", kFloor, "result[0] >= 1")});
  EXPECT_TRUE(findings(t, kId).empty());
}

TEST(AnalysisPassesOnSilence, AFloorTemplateInTheSameStepSilencesIt) {
  auto sr = tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99")});
  auto floor = tmpl("traffic-floor", {metric("traffic", kFloor, "result[0] >= 1")});
  MemoryInventory inv;
  inv.add(Object{sr, {}});
  inv.add(Object{floor, {}});
  inv.add(Object{rollout_using({"success-rate", "traffic-floor"}, false), {}});
  EXPECT_TRUE(findings(sr, inv, kId).empty());

  // A second Rollout that runs the template alone brings the warning back.
  json alone = rollout_using({"success-rate"}, false);
  alone["metadata"]["name"] = "cart";
  inv.add(Object{alone, {}});
  EXPECT_EQ(findings(sr, inv, kId).size(), 1u);
}

TEST(AnalysisPassesOnSilence, DeniesWhenACriticalRolloutRunsIt) {
  auto sr = tmpl("success-rate", {metric("success-rate", kSuccessRate, "result[0] >= 0.99")});
  MemoryInventory inv;
  inv.add(Object{rollout_using({"success-rate"}, true), {}});
  auto fs = findings(sr, inv, kId);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_NE(fs[0].message.find("tier: critical"), std::string::npos);
}

TEST(AnalysisPassesOnSilence, MalformedMetricsDoNotThrow) { test::expect_malformed_templates_do_not_throw(R()); }

}  // namespace
}  // namespace rg
