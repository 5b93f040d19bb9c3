// AnalysisTemplates the way teams write them, for the analysis engine's tests
// (test/policy/analysis/) and the analysis rules' tests (test/policy/rules/):
// one Prometheus metric, a template around metrics, the chapter's queries, a
// Rollout that runs templates, and metrics of the wrong types.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "policy/inventory.h"
#include "policy/policy.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg::test {

inline json metric(std::string name, std::string query, std::string success = "", std::string failure = "") {
  json m = {{"name", name},
            {"interval", "1m"},
            {"count", 5},
            {"failureLimit", 1},
            {"provider", {{"prometheus", {{"address", "http://prometheus:9090"}, {"query", query}}}}}};
  if (!success.empty()) m["successCondition"] = success;
  if (!failure.empty()) m["failureCondition"] = failure;
  return m;
}

inline json tmpl(std::string name, std::vector<json> metrics) {
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "AnalysisTemplate"},
          {"metadata", {{"name", name}, {"namespace", "shop"}}},
          {"spec", {{"args", {{{"name", "service-name"}}}}, {"metrics", metrics}}}};
}

// A canary Rollout in shop whose one analysis step runs the templates
// together; critical adds the label rollout-guard.io/tier: critical.
inline json rollout_using(std::vector<std::string> templates, bool critical) {
  json refs = json::array();
  for (auto& t : templates) refs.push_back({{"templateName", t}});
  json steps = json::array({json{{"setWeight", 10}}, json{{"analysis", json{{"templates", refs}}}}});
  json r = {{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}};
  r["metadata"] = {{"name", "catalog"}, {"namespace", "shop"}};
  r["spec"]["strategy"]["canary"]["steps"] = steps;
  if (critical) r["metadata"]["labels"] = {{"rollout-guard.io/tier", "critical"}};
  return r;
}

// The chapter's success rate: 1 - error ratio, with a fallback for silence.
inline constexpr const char* kSuccessRate =
    "1 - (sum(rate(http_requests_total{service=\"{{args.service-name}}\",code=~\"5..\"}[2m]))\n"
    "  / sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m])) or vector(0))";
// 5xx over all requests, unguarded: nothing in silence, NaN when idle.
inline constexpr const char* kErrorRatio =
    "sum(rate(http_requests_total{service=\"{{args.service-name}}\",code=~\"5..\"}[2m]))"
    " / sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m]))";
// p95 latency from the duration histogram summed by le.
inline constexpr const char* kP95 =
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket"
    "{service=\"{{args.service-name}}\"}[2m])))";
// The traffic floor: 0 in silence and when idle.
inline constexpr const char* kFloor = "sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[2m])) or vector(0)";

// Templates whose metrics are the wrong JSON types, and one whose metrics
// are not a list: a rule must read them without throwing.
inline std::vector<json> malformed_templates() {
  json t = tmpl("t", {});
  t["spec"]["metrics"] = json::array({json(5), json{{"provider", {{"prometheus", {{"query", 7}}}}}},
                                      json{{"successCondition", json::array()}}, json{{"name", "x"}},
                                      json{{"name", json::object()}, {"interval", 5}, {"count", "many"},
                                           {"successCondition", 3}, {"failureCondition", json(nullptr)},
                                           {"provider", {{"prometheus", {{"query", json::array({"up"})}}}}}}});
  json not_a_list = tmpl("t", {});
  not_a_list["spec"]["metrics"] = "nope";
  json no_spec = tmpl("t", {});
  no_spec["spec"] = 7;
  return {t, not_a_list, no_spec};
}

// Checks one rule alone on each malformed template (check_without_throwing).
inline void expect_malformed_templates_do_not_throw(const Rule& rule) { check_without_throwing(rule, malformed_templates()); }

}  // namespace rg::test
