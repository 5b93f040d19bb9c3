// Policy parsing, rule modes, exemptions and namespace modes: the parts of the
// one evaluation flow that every adapter shares.
#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "policy/policy.h"

namespace rg {
namespace {

json rollout_with_annotations(json annotations) {
  return json{{"apiVersion", "argoproj.io/v1alpha1"},
              {"kind", "Rollout"},
              {"metadata", {{"name", "catalog"}, {"namespace", "shop"}, {"annotations", annotations}}},
              {"spec", json::object()}};
}

std::vector<Finding> of_rule(const std::vector<Finding>& fs, std::string_view id) {
  std::vector<Finding> out;
  for (const auto& f : fs) {
    if (f.rule == id) out.push_back(f);
  }
  return out;
}

TEST(Policy, EmptyDocumentIsTheDefault) {
  Policy p;
  ASSERT_TRUE(parse_policy(json(nullptr), &p).ok());
  EXPECT_EQ(p.psa_level, "restricted");
  EXPECT_EQ(p.min_measurements, 3);
}

TEST(Policy, ParsesEveryField) {
  json doc = {{"apiVersion", "rollout-guard.io/v1alpha1"},
              {"kind", "Policy"},
              {"rules", {{"policy/exemption-reason", "warn"}}},
              {"podSecurity", {{"level", "baseline"}, {"version", "v1.30"}}},
              {"thresholds", {{"minMeasurements", 5}, {"warnFailureLimitZero", false}}},
              {"analysis", {{"scrapeInterval", "15s"}, {"highCardinalityLabels", {"pod"}}, {"consecutiveErrorLimit", 2}}},
              {"namespaces", {{"legacy", "warn"}, {"sandbox", false}, {"*", "enforce"}}},
              {"defaults", {{"podSecurity", false}, {"analysis", {{"failureLimit", 1}, {"interval", "1m"}}}}}};
  Policy p;
  Status st = parse_policy(doc, &p);
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(p.psa_level, "baseline");
  EXPECT_EQ(p.psa_version, "v1.30");
  EXPECT_EQ(p.min_measurements, 5);
  EXPECT_FALSE(p.warn_failure_limit_zero);
  EXPECT_EQ(p.scrape_interval_seconds, 15);
  EXPECT_EQ(p.high_cardinality_labels, std::vector<std::string>{"pod"});
  EXPECT_EQ(p.default_consecutive_error_limit, 2);
  EXPECT_EQ(p.namespace_mode("legacy"), NamespaceMode::Warn);
  EXPECT_EQ(p.namespace_mode("sandbox"), NamespaceMode::Off);
  EXPECT_EQ(p.namespace_mode("other"), NamespaceMode::Enforce);
  EXPECT_FALSE(p.default_pod_security);
  EXPECT_EQ(p.default_failure_limit, 1);
  EXPECT_EQ(p.default_interval, "1m");
  EXPECT_EQ(p.action_for("policy/exemption-reason", Action::Deny), Action::Warn);
}

struct BadPolicy {
  json doc;
  std::string error;
};

TEST(Policy, ErrorsNameTheField) {
  std::vector<BadPolicy> cases = {
      {json::array(), "policy: must be a mapping"},
      {{{"rulez", json::object()}}, "rulez: unknown field"},
      {{{"rules", {{"no/such-rule", "deny"}}}}, "rules.no/such-rule: unknown rule id"},
      {{{"rules", {{"policy/exemption-reason", "block"}}}}, "rules.policy/exemption-reason: must be deny, warn or off"},
      {{{"rules", {{"nosuchfamily/*", "off"}}}}, "rules.nosuchfamily/*: unknown rule id"},
      {{{"podSecurity", {{"level", "privileged"}}}}, "podSecurity.level: must be restricted or baseline"},
      {{{"podSecurity", {{"version", "1.30"}}}}, "podSecurity.version: must be latest or v1.N"},
      {{{"thresholds", {{"minMeasurements", 0}}}}, "thresholds.minMeasurements: must be an integer from 1"},
      {{{"thresholds", {{"minMeasurements", "3"}}}}, "thresholds.minMeasurements: must be an integer"},
      {{{"analysis", {{"scrapeInterval", "fast"}}}}, "analysis.scrapeInterval: must be a duration"},
      {{{"analysis", {{"highCardinalityLabels", "pod"}}}}, "analysis.highCardinalityLabels: must be a list"},
      {{{"namespaces", {{"x", "audit"}}}}, "namespaces.x: must be enforce, warn or off"},
      {{{"defaults", {{"podSecurity", "yes"}}}}, "defaults.podSecurity: must be true or false"},
      {{{"defaults", {{"analysis", {{"interval", "soon"}}}}}}, "defaults.analysis.interval: must be a duration"},
      {{{"apiVersion", "v1"}}, "apiVersion: must be rollout-guard.io/v1alpha1"},
  };
  for (const auto& c : cases) {
    Policy p;
    p.min_measurements = 42;
    Status st = parse_policy(c.doc, &p);
    ASSERT_FALSE(st.ok()) << c.doc.dump();
    EXPECT_NE(st.message().find(c.error), std::string::npos) << st.message() << " // wanted: " << c.error;
    EXPECT_EQ(p.min_measurements, 42) << "a failed parse must leave the policy untouched";
  }
}

TEST(Policy, FamilyAndExactOverrides) {
  Policy p;
  p.rules["pod-security/*"] = Action::Warn;
  p.rules["pod-security/privileged"] = Action::Deny;
  EXPECT_EQ(p.action_for("pod-security/runAsNonRoot", Action::Deny), Action::Warn);
  EXPECT_EQ(p.action_for("pod-security/privileged", Action::Warn), Action::Deny);
  EXPECT_EQ(p.action_for("analysis/spec", Action::Deny), Action::Deny);
}

TEST(Catalog, IsSortedUniqueAndDocumented) {
  const auto& c = catalog();
  ASSERT_FALSE(c.empty());
  for (size_t i = 0; i < c.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(c[i - 1].id, c[i].id);
    }
    EXPECT_FALSE(c[i].summary.empty()) << c[i].id;
    EXPECT_GT(c[i].doc.size(), c[i].summary.size()) << c[i].id << ": the doc says more than the summary";
    EXPECT_EQ(find_rule(c[i].id), &c[i]);
  }
  EXPECT_EQ(find_rule("no/such-rule"), nullptr);
  EXPECT_TRUE(kind_is_read("Rollout"));
  EXPECT_FALSE(kind_is_read("ConfigMap"));
}

TEST(Exemptions, WithReasonDowngradesToWarnQuotingIt) {
  Policy p;
  MemoryInventory inv;
  Context ctx{p, inv};
  // The exemption rule exempting itself is the one rule we know exists in every build.
  Object o{rollout_with_annotations({{"rollout-guard.io/exempt", "policy/exemption-reason,bogus/x"},
                                     {"rollout-guard.io/exempt-reason", "migration until 2027-01"}}),
           {}};
  auto fs = of_rule(evaluate(o, ctx), "policy/exemption-reason");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_NE(fs[0].message.find("(exempt: migration until 2027-01)"), std::string::npos) << fs[0].message;
}

TEST(NamespaceModes, WarnDowngradesAndOffSkips) {
  Policy p;
  p.namespaces["shop"] = NamespaceMode::Warn;
  MemoryInventory inv;
  Context ctx{p, inv};
  Object o{rollout_with_annotations({{"rollout-guard.io/exempt", "rollout/analysis-gate"}}), {}};
  auto fs = of_rule(evaluate(o, ctx), "policy/exemption-reason");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_NE(fs[0].message.find("namespace \"shop\" is in warn mode"), std::string::npos);

  p.namespaces["shop"] = NamespaceMode::Off;
  EXPECT_TRUE(evaluate(o, ctx).empty());
}

TEST(Evaluate, RuleSetOffProducesNothing) {
  Policy p;
  p.rules["policy/exemption-reason"] = Action::Off;
  MemoryInventory inv;
  Context ctx{p, inv};
  Object o{rollout_with_annotations({{"rollout-guard.io/exempt", "rollout/analysis-gate"}}), {}};
  EXPECT_TRUE(of_rule(evaluate(o, ctx), "policy/exemption-reason").empty());
}

TEST(Evaluate, UnreadKindsAndNonObjectsAreIgnored) {
  Policy p;
  MemoryInventory inv;
  Context ctx{p, inv};
  EXPECT_TRUE(evaluate(Object{json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}}, {}}, ctx).empty());
  EXPECT_TRUE(evaluate(Object{json::array(), {}}, ctx).empty());
  EXPECT_TRUE(evaluate(Object{json("Rollout"), {}}, ctx).empty());
}

TEST(Evaluate, DenyFindingsComeFirst) {
  Policy p;
  MemoryInventory inv;
  Context ctx{p, inv};
  Object o{json{{"apiVersion", "argoproj.io/v1alpha1"},
                {"kind", "Rollout"},
                {"metadata", {{"name", 7}, {"annotations", {{"rollout-guard.io/exempt", 5}}}}},
                {"spec", "weird"}},
           {}};
  // Malformed input of every type: must not throw.
  auto fs = evaluate(o, ctx);
  bool seen_warn = false;
  for (const auto& f : fs) {
    if (f.action == Action::Warn) seen_warn = true;
    if (f.action == Action::Deny) {
      EXPECT_FALSE(seen_warn) << "deny after warn: " << f.rule;
    }
  }
}

TEST(DefaultPolicy, EmbeddedYamlDocumentsTheDefaults) {
  std::string_view y = default_policy_yaml();
  for (std::string_view key : {"rules:", "podSecurity:", "thresholds:", "analysis:", "namespaces:", "defaults:"}) {
    EXPECT_NE(y.find(key), std::string_view::npos) << key;
  }
}

}  // namespace
}  // namespace rg
