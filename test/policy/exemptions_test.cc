// Which rules an exemption annotation may exempt (the policy's `exemptions:`):
// the decision (Exemptions::decide, Policy::annotation_may_exempt), what
// evaluate() does with a granted or a refused exemption, and reading the
// setting from a policy file, with its errors. The policy/exemption-not-allowed
// rule's own findings are tested in test/policy/rules/.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifests/policy_file.h"
#include "policy/catalog.h"
#include "policy/exemptions.h"
#include "policy/inventory.h"
#include "policy/policy.h"

namespace rg {
namespace {

constexpr const char* kPodSecurityRule = "pod-security/runAsNonRoot";
constexpr const char* kNotAllowed = "policy/exemption-not-allowed";

// A Rollout whose pod runs as root (pod-security/runAsNonRoot denies it) and
// whose spec Argo would refuse (rollout/spec denies it).
json rollout(json annotations) {
  json container = {{"name", "c"}, {"image", "shop/catalog:1"}};
  json pod = {{"containers", json::array({container})}};
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "Rollout"},
          {"metadata", {{"name", "catalog"}, {"namespace", "shop"}, {"annotations", std::move(annotations)}}},
          {"spec", {{"template", {{"spec", pod}}}}}};
}

std::vector<Finding> of_rule(const std::vector<Finding>& fs, std::string_view id) {
  std::vector<Finding> out;
  for (const auto& f : fs) {
    if (f.rule == id) out.push_back(f);
  }
  return out;
}

std::vector<Finding> run(const json& doc, const Policy& policy = Policy{}) {
  MemoryInventory inv;
  Context ctx{policy, inv};
  return evaluate(Object{doc, {"r.yaml", 4}}, ctx);
}

Policy load(std::string_view yaml) {
  Policy p;
  Status st = load_policy_text(yaml, "policy.yaml", &p);
  EXPECT_TRUE(st.ok()) << st.message();
  return p;
}

TEST(Exemptions, DefaultPolicyLetsAnnotationsExemptEveryFamilyButPodSecurity) {
  const Policy p;
  std::set<std::string> families;
  for (const Rule& r : catalog()) {
    families.insert(std::string(r.id.substr(0, r.id.find('/'))));
    EXPECT_EQ(p.annotation_may_exempt(r.id), r.id.rfind("pod-security/", 0) != 0) << r.id;
  }
  // A new family must be a decision: the default list names each one.
  for (const std::string& family : families) {
    if (family == "pod-security") continue;
    EXPECT_NE(std::find(p.exemptable_rules.begin(), p.exemptable_rules.end(), family + "/*"),
              p.exemptable_rules.end())
        << family << "/* is missing from Policy::exemptable_rules (and the embedded default policy)";
  }
}

TEST(Exemptions, DecideAsksThePolicy) {
  Exemptions ex = read_exemptions(rollout({{"rollout-guard.io/exempt", " pod-security/* , rollout/spec"}}));
  Policy p;
  EXPECT_EQ(ex.decide("rollout/spec", p), Exemption::Granted);
  EXPECT_EQ(ex.decide(kPodSecurityRule, p), Exemption::Refused);
  EXPECT_EQ(ex.decide("rollout/gate-order", p), Exemption::NotAsked);
  p.exemptable_rules = {kPodSecurityRule};
  EXPECT_EQ(ex.decide(kPodSecurityRule, p), Exemption::Granted);
  EXPECT_EQ(ex.decide("pod-security/privileged", p), Exemption::Refused);
  EXPECT_EQ(ex.decide("rollout/spec", p), Exemption::Refused);
  p.exemptable_rules = {"pod-security/*", "rollout/*"};
  p.exemption_annotations = false;
  EXPECT_EQ(ex.decide(kPodSecurityRule, p), Exemption::Refused);
  EXPECT_EQ(ex.decide("rollout/spec", p), Exemption::Refused);
}

TEST(Exemptions, DefaultPolicyIgnoresAPodSecurityExemptionAndSaysSo) {
  std::vector<Finding> fs = run(rollout({{"rollout-guard.io/exempt", kPodSecurityRule},
                                         {"rollout-guard.io/exempt-reason", "legacy image runs as root"}}));
  std::vector<Finding> psa = of_rule(fs, kPodSecurityRule);
  ASSERT_EQ(psa.size(), 1u);
  EXPECT_EQ(psa[0].action, Action::Deny) << psa[0].message;
  EXPECT_EQ(psa[0].message.find("(exempt:"), std::string::npos) << psa[0].message;
  EXPECT_NE(psa[0].message.find(" (rollout-guard.io/exempt does not apply: the policy's exemptions.rules does not "
                                "list it)"),
            std::string::npos)
      << psa[0].message;

  // policy/exemption-not-allowed says so (its message: test/policy/rules/).
  ASSERT_EQ(of_rule(fs, kNotAllowed).size(), 1u);
  EXPECT_EQ(of_rule(fs, kNotAllowed)[0].action, Action::Warn);

  // The whole family: every pod-security deny stays a deny.
  fs = run(rollout({{"rollout-guard.io/exempt", "pod-security/*"}, {"rollout-guard.io/exempt-reason", "legacy"}}));
  size_t denies = 0;
  for (const Finding& f : fs) {
    if (f.rule.rfind("pod-security/", 0) != 0) continue;
    EXPECT_EQ(f.action, Action::Deny) << f.rule << ": " << f.message;
    ++denies;
  }
  EXPECT_GT(denies, 1u);
  EXPECT_EQ(of_rule(fs, kNotAllowed).size(), 1u);
}

TEST(Exemptions, AnAllowedRulesExemptionStillWorks) {
  json plain = rollout(json::object());
  ASSERT_FALSE(of_rule(run(plain), "rollout/spec").empty());
  ASSERT_EQ(of_rule(run(plain), "rollout/spec")[0].action, Action::Deny) << "the test needs a rollout/spec denial";

  std::vector<Finding> fs =
      run(rollout({{"rollout-guard.io/exempt", "rollout/spec"}, {"rollout-guard.io/exempt-reason", "JIRA-7"}}));
  for (const Finding& f : of_rule(fs, "rollout/spec")) {
    EXPECT_EQ(f.action, Action::Warn) << f.message;
    EXPECT_NE(f.message.find("(exempt: JIRA-7)"), std::string::npos) << f.message;
  }
  EXPECT_TRUE(of_rule(fs, kNotAllowed).empty());
  EXPECT_TRUE(of_rule(fs, "policy/exemption-reason").empty());
}

TEST(Exemptions, APolicyFileCanAllowAPodSecurityCheck) {
  Policy p = load("exemptions:\n  rules: [rollout/*, pod-security/runAsNonRoot]\n");
  EXPECT_TRUE(p.exemption_annotations);
  EXPECT_EQ(p.exemptable_rules, (std::vector<std::string>{"rollout/*", kPodSecurityRule}));

  std::vector<Finding> fs = run(rollout({{"rollout-guard.io/exempt", "pod-security/runAsNonRoot, rollout/spec"},
                                         {"rollout-guard.io/exempt-reason", "legacy image runs as root"}}),
                                p);
  ASSERT_EQ(of_rule(fs, kPodSecurityRule).size(), 1u);
  EXPECT_EQ(of_rule(fs, kPodSecurityRule)[0].action, Action::Warn);
  EXPECT_TRUE(of_rule(fs, kNotAllowed).empty());

  // The family asks for more than the policy allows: ignored for the rest, and named.
  fs = run(rollout({{"rollout-guard.io/exempt", "pod-security/*"}, {"rollout-guard.io/exempt-reason", "legacy"}}), p);
  EXPECT_EQ(of_rule(fs, kPodSecurityRule)[0].action, Action::Warn);
  for (const Finding& f : fs) {
    if (f.rule.rfind("pod-security/", 0) == 0 && f.rule != kPodSecurityRule) {
      EXPECT_EQ(f.action, Action::Deny) << f.rule;
    }
  }
  // policy/exemption-not-allowed names the rest (test/policy/rules/).
  EXPECT_EQ(of_rule(fs, kNotAllowed).size(), 1u);
}

TEST(Exemptions, AnnotationsSwitchedOffExemptNothing) {
  Policy p = load("exemptions:\n  annotations: false\n");
  EXPECT_FALSE(p.exemption_annotations);
  std::vector<Finding> fs = run(rollout({{"rollout-guard.io/exempt", "rollout/spec, pod-security/*, no/such-rule"},
                                         {"rollout-guard.io/exempt-reason", "JIRA-7"}}),
                                p);
  for (const Finding& f : of_rule(fs, "rollout/spec")) {
    EXPECT_EQ(f.action, Action::Deny) << f.message;
    EXPECT_NE(f.message.find("(rollout-guard.io/exempt does not apply: the policy sets exemptions.annotations: false)"),
              std::string::npos)
        << f.message;
  }
  std::vector<Finding> ignored = of_rule(fs, kNotAllowed);
  ASSERT_EQ(ignored.size(), 1u);
  // The unknown id is policy/exemption-reason's finding, not repeated here.
  EXPECT_EQ(ignored[0].message,
            "Rollout shop/catalog asks to be exempt from \"rollout/spec\", \"pod-security/*\", but the policy sets "
            "exemptions.annotations: false: the annotation is ignored");
  EXPECT_NE(ignored[0].hint.find("exemptions.annotations: true"), std::string::npos) << ignored[0].hint;
  EXPECT_EQ(of_rule(fs, "policy/exemption-reason").size(), 1u);
}

TEST(Exemptions, TheWarningFollowsTheRulesAction) {
  Policy p;
  p.rules[kNotAllowed] = Action::Off;
  EXPECT_TRUE(of_rule(run(rollout({{"rollout-guard.io/exempt", "pod-security/*"}}), p), kNotAllowed).empty());
  // Off or not, the exemption itself stays refused.
  for (const Finding& f : of_rule(run(rollout({{"rollout-guard.io/exempt", "pod-security/*"},
                                               {"rollout-guard.io/exempt-reason", "legacy"}}),
                                      p),
                                  kPodSecurityRule)) {
    EXPECT_EQ(f.action, Action::Deny);
  }
}

TEST(ExemptionsPolicy, TheEmbeddedDefaultEqualsTheBuiltInDefault) {
  Policy p = load(default_policy_yaml());
  const Policy builtin;
  EXPECT_EQ(p.exemption_annotations, builtin.exemption_annotations);
  EXPECT_EQ(p.exemptable_rules, builtin.exemptable_rules);
  EXPECT_NE(default_policy_yaml().find("exemptions:"), std::string_view::npos);
  // An empty list is allowed: no rule may be exempted by annotation.
  EXPECT_TRUE(load("exemptions: {rules: []}\n").exemptable_rules.empty());
}

TEST(ExemptionsPolicy, ErrorsNameTheField) {
  struct Case {
    std::string yaml, error;
  };
  const std::vector<Case> cases = {
      {"exemptions: [rollout/*]\n", "policy.yaml: exemptions: must be a mapping, got array"},
      {"exemptions: {allow: [rollout/*]}\n", "policy.yaml: exemptions.allow: unknown field (known: annotations, rules)"},
      {"exemptions: {annotations: never}\n", "policy.yaml: exemptions.annotations: must be true or false"},
      {"exemptions: {rules: rollout/*}\n",
       "policy.yaml: exemptions.rules: must be a list of rule ids or families (\"analysis/*\"), got string"},
      {"exemptions: {rules: [rollout/*, 7]}\n",
       "policy.yaml: exemptions.rules[1]: must be a rule id or a family (\"analysis/*\"), got number"},
      {"exemptions: {rules: [rollout/*, rollout/nope]}\n",
       "policy.yaml: exemptions.rules[1]: \"rollout/nope\" matches no rule (a rule id or a family such as "
       "\"analysis/*\"; see `rollout-guard rules`)"},
      {"exemptions: {rules: [pod-securty/*]}\n", "policy.yaml: exemptions.rules[0]: \"pod-securty/*\" matches no rule"},
      {"exemptions: {rules: ['*']}\n", "policy.yaml: exemptions.rules[0]: \"*\" matches no rule"},
      {"exemptions: {rules: [analysis/rate-*]}\n", "policy.yaml: exemptions.rules[0]: \"analysis/rate-*\" matches no rule"},
  };
  for (const Case& c : cases) {
    Policy p;
    p.exemptable_rules = {"keep/me"};
    Status st = load_policy_text(c.yaml, "policy.yaml", &p);
    ASSERT_FALSE(st.ok()) << c.yaml;
    EXPECT_EQ(st.message().rfind(c.error, 0), 0u) << st.message() << "\n// wanted: " << c.error;
    EXPECT_EQ(p.exemptable_rules, std::vector<std::string>{"keep/me"}) << "a failed load must leave the policy untouched";
  }
}

}  // namespace
}  // namespace rg
