// policy/exemption-not-allowed: an exemption annotation that names rules the
// policy does not let annotations exempt (exemptions.rules,
// exemptions.annotations). What evaluate() then does with the refused
// exemption is test/policy/exemptions_test.cc's.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

const Rule& R() { return rule_policy_exemption_not_allowed(); }
constexpr const char* kId = "policy/exemption-not-allowed";

std::vector<Finding> findings(std::string_view annotations, const Policy& policy = Policy{}) {
  std::vector<Object> objs =
      test::parse_objects(test::rollout_with_steps("[{setWeight: 10}]", "  annotations:\n" + std::string(annotations)));
  if (objs.size() != 1u) {
    ADD_FAILURE() << "want one object";
    return {};
  }
  MemoryInventory inv;
  return test::findings(objs[0], inv, kId, policy);
}

TEST(PolicyExemptionNotAllowed, NamesTheRuleTheSettingAndHowToAllowIt) {
  auto fs = findings("    rollout-guard.io/exempt: pod-security/runAsNonRoot\n"
                     "    rollout-guard.io/exempt-reason: legacy image runs as root\n");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_EQ(fs[0].message,
            "Rollout shop/catalog asks to be exempt from \"pod-security/runAsNonRoot\", but the policy's "
            "exemptions.rules does not list it: the exemption is ignored");
  EXPECT_EQ(fs[0].hint,
            "make the object pass the rule; to allow this exemption, an admin adds \"pod-security/runAsNonRoot\" to "
            "exemptions.rules in the rollout-guard policy");
  EXPECT_EQ(fs[0].path, "metadata.annotations[\"rollout-guard.io/exempt\"]");
  EXPECT_EQ(fs[0].file, "test.yaml");
  EXPECT_EQ(fs[0].line, 1);
}

TEST(PolicyExemptionNotAllowed, AFamilyIsNamedAsWritten) {
  auto fs = findings("    rollout-guard.io/exempt: pod-security/*\n    rollout-guard.io/exempt-reason: legacy\n");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].message,
            "Rollout shop/catalog asks to be exempt from \"pod-security/*\", but the policy's exemptions.rules does "
            "not list it: the exemption is ignored");
}

TEST(PolicyExemptionNotAllowed, PartlyAllowedFamilyNamesTheRefusedRules) {
  Policy p;
  p.exemptable_rules = {"pod-security/runAsNonRoot", "pod-security/privileged"};
  auto fs = findings("    rollout-guard.io/exempt: pod-security/*\n    rollout-guard.io/exempt-reason: legacy\n", p);
  ASSERT_EQ(fs.size(), 1u);
  const std::string& m = fs[0].message;
  EXPECT_EQ(m.rfind("Rollout shop/catalog asks to be exempt from \"pod-security/*\", but the policy's exemptions.rules "
                    "does not list \"pod-security/",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find(": the exemption is ignored for those rules"), std::string::npos) << m;
  EXPECT_EQ(m.find("\"pod-security/runAsNonRoot\""), std::string::npos) << m;
  EXPECT_EQ(m.find("\"pod-security/privileged\""), std::string::npos) << m;
  EXPECT_NE(m.find("\"pod-security/hostPorts\""), std::string::npos) << m;
}

TEST(PolicyExemptionNotAllowed, AllowedOrUnknownRulesOrNoAnnotationPass) {
  EXPECT_TRUE(findings("    team: shop\n").empty());
  EXPECT_TRUE(findings("    rollout-guard.io/exempt: analysis/*,replicas/multiple-owners\n").empty());
  // An unknown id is policy/exemption-reason's finding, not this rule's.
  EXPECT_TRUE(findings("    rollout-guard.io/exempt: no/such-rule\n    rollout-guard.io/exempt-reason: x\n").empty());
}

TEST(PolicyExemptionNotAllowed, MalformedAnnotationsDoNotThrow) {
  std::vector<Finding> fs = test::check_without_throwing(R(), test::malformed_annotations());
  EXPECT_TRUE(fs.empty()) << fs[0].message;
}

}  // namespace
}  // namespace rg
