// analysis/spec: one pass and one fail case per Argo metric validation, with
// the exact message text.
#include <functional>

#include <gtest/gtest.h>

#include "policy/inventory.h"
#include "policy/policy.h"
#include "policy/promql/regex.h"
#include "policy/rules/rules.h"

namespace rg {
namespace {

json template_doc() {
  return json::parse(R"J({
    "apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate",
    "metadata": {"name": "success-rate", "namespace": "shop"},
    "spec": {
      "args": [{"name": "service"}, {"name": "service", "value": "catalog"}, {"name": "service", "value": "catalog"}],
      "dryRun": [{"metricName": "latency.*"}],
      "measurementRetention": [{"metricName": "success-rate", "limit": 10}],
      "metrics": [
        {"name": "success-rate", "interval": "1m", "count": 5, "failureLimit": 1, "initialDelay": "30s",
         "successCondition": "result[0] >= 0.95",
         "provider": {"prometheus": {"address": "http://prom:9090", "query": "vector(1)"}}},
        {"name": "latency-p95", "interval": "{{args.interval}}", "count": "{{args.count}}",
         "successCondition": "result[0] < 0.5",
         "provider": {"plugin": {"argoproj-labs/metric-plugin": {"query": "x"}}}},
        {"name": "smoke", "failureLimit": -1, "consecutiveSuccessLimit": 2, "count": 3, "interval": "10s",
         "provider": {"job": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "alpine",
            "resources": {"requests": {"memory": "64Mi", "cpu": 0.5}}}], "restartPolicy": "Never"}}}}}}
      ]
    }})J");
}

std::vector<Finding> run(const json& doc) {
  Policy policy;
  EmptyInventory inv;
  Context ctx{policy, inv};
  Object obj{doc, {}};
  return rule_analysis_spec().check(obj, ctx);
}

std::string dump(const std::vector<Finding>& fs) {
  std::string out;
  for (const Finding& f : fs) out += "  " + f.path + " | " + f.message + "\n";
  return out;
}

TEST(AnalysisSpec, ValidTemplatesPass) {
  EXPECT_TRUE(run(template_doc()).empty()) << dump(run(template_doc()));
  json cluster = template_doc();
  cluster["kind"] = "ClusterAnalysisTemplate";
  EXPECT_TRUE(run(cluster).empty()) << dump(run(cluster));
}

TEST(AnalysisSpec, RuleMetadata) {
  const Rule& r = rule_analysis_spec();
  EXPECT_EQ(r.id, "analysis/spec");
  EXPECT_EQ(r.default_action, Action::Deny);
  ASSERT_EQ(r.kinds.size(), 2u);
  EXPECT_EQ(r.kinds[0], "AnalysisTemplate");
  EXPECT_EQ(r.kinds[1], "ClusterAnalysisTemplate");
}

struct Case {
  const char* name;
  std::function<void(json&)> mutate;
  std::string path;
  std::string message;
};

TEST(AnalysisSpec, EachValidationFailsWithArgosMessage) {
  const std::string pre = "AnalysisTemplate success-rate has invalid metrics: ";
  std::vector<Case> cases = {
      {"no metrics", [](json& d) { d["spec"]["metrics"] = json::array(); }, "spec.metrics", pre + "no metrics specified"},
      {"metrics missing", [](json& d) { d["spec"].erase("metrics"); }, "spec.metrics", pre + "no metrics specified"},
      {"duplicate names", [](json& d) { d["spec"]["metrics"][1]["name"] = "success-rate"; }, "spec.metrics[1].name",
       pre + "metrics[1]: duplicate name 'success-rate'"},
      {"count < failureLimit", [](json& d) { d["spec"]["metrics"][0]["failureLimit"] = 6; }, "spec.metrics[0].count",
       pre + "metrics[0]: count (5) must be >= failureLimit + consecutiveSuccessLimit (6 + 0) if both >= 0"},
      {"count < failureLimit + consecutiveSuccessLimit",
       [](json& d) { d["spec"]["metrics"][0]["consecutiveSuccessLimit"] = "5"; }, "spec.metrics[0].count",
       pre + "metrics[0]: count (5) must be >= failureLimit + consecutiveSuccessLimit (1 + 5) if both >= 0"},
      {"count < inconclusiveLimit", [](json& d) { d["spec"]["metrics"][0]["inconclusiveLimit"] = 9; }, "spec.metrics[0].count",
       pre + "metrics[0]: count must be >= inconclusiveLimit"},
      {"interval missing", [](json& d) { d["spec"]["metrics"][0].erase("interval"); }, "spec.metrics[0].interval",
       pre + "metrics[0]: interval must be specified when count > 1"},
      {"interval typo", [](json& d) { d["spec"]["metrics"][0]["interval"] = "60s-typo"; }, "spec.metrics[0].interval",
       pre + "metrics[0]: invalid interval string: time: unknown unit \"s-typo\" in duration \"60s-typo\""},
      {"interval without unit", [](json& d) { d["spec"]["metrics"][0]["interval"] = "60"; }, "spec.metrics[0].interval",
       pre + "metrics[0]: invalid interval string: time: missing unit in duration \"60\""},
      {"initialDelay typo", [](json& d) { d["spec"]["metrics"][0]["initialDelay"] = "5 m"; }, "spec.metrics[0].initialDelay",
       pre + "metrics[0]: invalid startDelay string: time: unknown unit \" m\" in duration \"5 m\""},
      {"failureLimit -2", [](json& d) { d["spec"]["metrics"][0]["failureLimit"] = -2; }, "spec.metrics[0].failureLimit",
       pre + "metrics[0]: failureLimit must be >= 0, or -1 to be disabled"},
      {"inconclusiveLimit -1", [](json& d) { d["spec"]["metrics"][0]["inconclusiveLimit"] = -1; }, "spec.metrics[0].inconclusiveLimit",
       pre + "metrics[0]: inconclusiveLimit must be >= 0"},
      {"consecutiveErrorLimit -1", [](json& d) { d["spec"]["metrics"][0]["consecutiveErrorLimit"] = -1; },
       "spec.metrics[0].consecutiveErrorLimit", pre + "metrics[0]: consecutiveErrorLimit must be >= 0"},
      {"consecutiveSuccessLimit -1", [](json& d) { d["spec"]["metrics"][0]["consecutiveSuccessLimit"] = -1; },
       "spec.metrics[0].consecutiveSuccessLimit", pre + "metrics[0]: consecutiveSuccessLimit must be >= 0"},
      {"both disabled", [](json& d) { d["spec"]["metrics"][2]["consecutiveSuccessLimit"] = 0; }, "spec.metrics[2].failureLimit",
       pre + "metrics[2]: failureLimit and consecutiveSuccessLimit cannot both be disabled"},
      {"no provider", [](json& d) { d["spec"]["metrics"][0]["provider"] = json::object(); }, "spec.metrics[0].provider",
       pre + "metrics[0]: no provider specified"},
      {"unknown provider only", [](json& d) { d["spec"]["metrics"][0]["provider"] = {{"promethues", json::object()}}; },
       "spec.metrics[0].provider", pre + "metrics[0]: no provider specified"},
      {"two providers", [](json& d) { d["spec"]["metrics"][0]["provider"]["web"] = {{"url", "http://x"}}; },
       "spec.metrics[0].provider", pre + "metrics[0]: multiple providers specified"},
      {"two plugins", [](json& d) { d["spec"]["metrics"][1]["provider"]["plugin"]["other/plugin"] = json::object(); },
       "spec.metrics[1].provider", pre + "metrics[1]: multiple providers specified"},
      {"job quantity",
       [](json& d) {
         d["spec"]["metrics"][2]["provider"]["job"]["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] =
             "invalid";
       },
       "spec.metrics[2].provider.job.spec.template.spec.containers[0].resources.requests.memory",
       "spec.metrics[2].provider.job.spec.template.spec.containers[0].resources.requests.memory: Invalid value: \"invalid\": "
       "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"},
      {"dryRun matches nothing", [](json& d) { d["spec"]["dryRun"][0]["metricName"] = "^errors$"; }, "spec.dryRun[0].metricName",
       "dryRun[0]: Rule didn't match any metric name(s)"},
      {"dryRun duplicate", [](json& d) { d["spec"]["dryRun"].push_back({{"metricName", "latency.*"}}); }, "spec.dryRun[1].metricName",
       "two Dry-Run metric rules have the same name 'latency.*'"},
      {"measurementRetention matches nothing", [](json& d) { d["spec"]["measurementRetention"][0]["metricName"] = "errors"; },
       "spec.measurementRetention[0].metricName", "measurementRetention[0]: Rule didn't match any metric name(s)"},
      {"measurementRetention duplicate",
       [](json& d) { d["spec"]["measurementRetention"].push_back({{"metricName", "success-rate"}, {"limit", 2}}); },
       "spec.measurementRetention[1].metricName", "two Measurement Retention metric rules have the same name 'success-rate'"},
      {"arg with two values", [](json& d) { d["spec"]["args"][2]["value"] = "search"; }, "spec.args[2]",
       "Argument `service` specified multiple times with different values: 'catalog', 'search'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json doc = template_doc();
    c.mutate(doc);
    std::vector<Finding> fs = run(doc);
    bool found = false;
    for (const Finding& f : fs) {
      if (f.path == c.path && f.message == c.message) {
        found = true;
        EXPECT_FALSE(f.hint.empty());
      }
    }
    EXPECT_TRUE(found) << "want: " << c.path << " | " << c.message << "\ngot:\n" << dump(fs);
  }
}

// The finding for spec.<key>[0].metricName, or nullptr.
const Finding* rule_finding(const std::vector<Finding>& fs, const std::string& key) {
  for (const Finding& f : fs) {
    if (f.path == "spec." + key + "[0].metricName") return &f;
  }
  return nullptr;
}

// Patterns that exhaust a backtracking matcher (stack overflow, exponential
// time) are answered like any other: they match no metric here.
TEST(AnalysisSpec, HostileMetricNamePatternsAreAnsweredNotFatal) {
  json doc = template_doc();
  doc["spec"]["metrics"][1]["name"] = std::string(20000, 'a');
  doc["spec"]["metrics"][2]["name"] = std::string(26, 'a');
  doc["spec"]["dryRun"][0]["metricName"] = "(a|b)*d";
  doc["spec"]["measurementRetention"][0]["metricName"] = "(a*)*b";
  std::vector<Finding> fs = run(doc);
  ASSERT_EQ(fs.size(), 2u) << dump(fs);
  EXPECT_EQ(fs[0].path, "spec.dryRun[0].metricName");
  EXPECT_EQ(fs[0].message, "dryRun[0]: Rule didn't match any metric name(s)");
  EXPECT_EQ(fs[1].path, "spec.measurementRetention[0].metricName");
  EXPECT_EQ(fs[1].message, "measurementRetention[0]: Rule didn't match any metric name(s)");

  doc["spec"]["dryRun"][0]["metricName"] = "(a|b)*a$";
  doc["spec"]["measurementRetention"][0]["metricName"] = "^(a*)*$";
  EXPECT_TRUE(run(doc).empty()) << dump(run(doc));
}

// metricName is Go regexp syntax, searched for anywhere in the metric name
// (regexp.MatchString), not ECMAScript.
TEST(AnalysisSpec, MetricNameIsAGoRegexpSearch) {
  struct Want {
    const char* pattern;
    bool matches;  // some metric of template_doc() (success-rate, latency-p95, smoke)
  };
  for (const Want& w : {Want{"moke", true}, Want{"^smoke$", true}, Want{"(?i)^SMOKE$", true}, Want{"(?i)SMOKY", false},
                        Want{"\\p{Latin}+-p\\d+", true}, Want{"\\p{Greek}", false}, Want{"\\PL", true},
                        Want{"^\\pL+$", true}, Want{"\\p{Lu}", false}, Want{"(?P<x>late)ncy", true},
                        Want{"[[:digit:]]{2}", true}, Want{"\\Qsuccess-rate\\E", true}, Want{"succ(ess|ors)", true}}) {
    SCOPED_TRACE(w.pattern);
    json doc = template_doc();
    doc["spec"]["dryRun"][0]["metricName"] = w.pattern;
    const std::vector<Finding> fs = run(doc);
    const Finding* f = rule_finding(fs, "dryRun");
    EXPECT_EQ(f == nullptr, w.matches) << dump(fs);
    if (f != nullptr) {
      EXPECT_EQ(f->hint.find("not a valid"), std::string::npos) << f->hint;
    }
  }
}

// A pattern Go rejects matches nothing in Argo: the finding is Argo's, the
// hint names Go's parse error.
TEST(AnalysisSpec, InvalidMetricNamePatternIsReportedWithGosError) {
  struct Want {
    const char* pattern;
    std::string error;
  };
  for (const Want& w : {Want{"((", "error parsing regexp: missing closing ): `((`"},
                        Want{"(?=smoke)smoke", "error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
                        Want{"smoke\\1", "error parsing regexp: invalid escape sequence: `\\1`"},
                        Want{"\\p{Klingon}", "error parsing regexp: invalid character class range: `\\p{Klingon}`"},
                        Want{"smok\\Ce", "error parsing regexp: invalid escape sequence: `\\C`"},
                        Want{"smoke**", "error parsing regexp: invalid nested repetition operator: `**`"}}) {
    SCOPED_TRACE(w.pattern);
    json doc = template_doc();
    doc["spec"]["measurementRetention"][0]["metricName"] = w.pattern;
    const std::vector<Finding> fs = run(doc);
    const Finding* f = rule_finding(fs, "measurementRetention");
    ASSERT_NE(f, nullptr) << dump(fs);
    EXPECT_EQ(f->message, "measurementRetention[0]: Rule didn't match any metric name(s)");
    EXPECT_NE(f->hint.find("not a valid Go regular expression (" + w.error + ")"), std::string::npos) << f->hint;
  }
}

TEST(AnalysisSpec, OverlongMetricNamePatternIsNotJudged) {
  json doc = template_doc();
  doc["spec"]["dryRun"][0]["metricName"] = "x" + std::string(promql::kMaxRegexBytes, 'y');
  const std::vector<Finding> fs = run(doc);
  EXPECT_EQ(rule_finding(fs, "dryRun"), nullptr) << dump(fs);
}

// Rules times metrics is quadratic; the matching work per object is bounded,
// so a template with thousands of each is answered (the first rules judged).
TEST(AnalysisSpec, ManyRulesAndMetricsStayBounded) {
  json doc = template_doc();
  json& metrics = doc["spec"]["metrics"];
  json& rules = doc["spec"]["dryRun"];
  rules = json::array();
  const size_t n = 4000;
  for (size_t i = 0; i < n; ++i) {
    json m = metrics[0];
    m["name"] = "metric-" + std::to_string(i);
    metrics.push_back(m);
    rules.push_back({{"metricName", "^none-" + std::to_string(i) + "$"}});
  }
  std::vector<Finding> fs = run(doc);
  EXPECT_GT(fs.size(), 0u);
  EXPECT_LT(fs.size(), n);
  for (const Finding& f : fs) EXPECT_NE(f.message.find("Rule didn't match any metric name(s)"), std::string::npos) << f.message;
}

// Short patterns can expand to programs beyond RE2's memory bound, each
// costing a full compile; those count against the same bound, so hundreds of
// them are answered quickly (unjudged: nothing is known about them).
TEST(AnalysisSpec, PatternsThatExpandHugelyStayBounded) {
  json doc = template_doc();
  json& rules = doc["spec"]["dryRun"];
  rules = json::array();
  for (size_t i = 0; i < 500; ++i) rules.push_back({{"metricName", "\\pL{1000}" + std::to_string(i)}});
  rules.push_back({{"metricName", "^none$"}});
  const std::vector<Finding> fs = run(doc);
  EXPECT_TRUE(fs.empty()) << dump(fs);
}

TEST(AnalysisSpec, ClusterTemplateMessageNamesItsKind) {
  json doc = template_doc();
  doc["kind"] = "ClusterAnalysisTemplate";
  doc["spec"]["metrics"] = json::array();
  auto fs = run(doc);
  ASSERT_EQ(fs.size(), 1u) << dump(fs);
  EXPECT_EQ(fs[0].message, "ClusterAnalysisTemplate success-rate has invalid metrics: no metrics specified");
}

TEST(AnalysisSpec, CountZeroSkipsLimitChecks) {
  json doc = template_doc();
  doc["spec"]["metrics"][0]["count"] = 0;
  doc["spec"]["metrics"][0]["failureLimit"] = 3;
  EXPECT_TRUE(run(doc).empty()) << dump(run(doc));
}

TEST(AnalysisSpec, WrongTypesNeverThrow) {
  for (const char* text : {R"({"apiVersion":"argoproj.io/v1alpha1","kind":"AnalysisTemplate"})",
                           R"({"apiVersion":"argoproj.io/v1alpha1","kind":"AnalysisTemplate","spec":7})",
                           R"({"apiVersion":"argoproj.io/v1alpha1","kind":"AnalysisTemplate","spec":{"metrics":[1,"x",null,
                               {"name":3,"count":{},"interval":5,"initialDelay":[],"provider":"x","failureLimit":true},
                               {"provider":{"plugin":[1],"job":{"spec":{"template":{"spec":{"containers":[1,{"resources":7}]}}}}}}],
                               "dryRun":[1,{"metricName":"(("}],"measurementRetention":"x","args":[1,{"name":[]}]}})"}) {
    SCOPED_TRACE(text);
    EXPECT_NO_THROW(run(json::parse(text)));
  }
}

}  // namespace
}  // namespace rg
