// policy/exemption-reason: an exemption annotation without a reason, or one
// naming a rule id the catalog does not know.
#include <gtest/gtest.h>

#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

const Rule& R() { return rule_policy_exemption_reason(); }
constexpr const char* kId = "policy/exemption-reason";

// The fixture's Rollout (test.yaml, line 1) with these annotation lines.
Object rollout_annotated(std::string_view annotations) {
  std::vector<Object> objs =
      test::parse_objects(test::rollout_with_steps("[{setWeight: 10}]", "  annotations:\n" + std::string(annotations)));
  EXPECT_EQ(objs.size(), 1u);
  return objs.empty() ? Object{} : objs[0];
}

std::vector<Finding> findings(std::string_view annotations) {
  MemoryInventory inv;
  return test::findings(rollout_annotated(annotations), inv, kId);
}

TEST(PolicyExemptionReason, WithoutReasonIsDenied) {
  auto fs = findings("    rollout-guard.io/exempt: rollout/analysis-gate\n");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
  EXPECT_EQ(fs[0].message, "Rollout shop/catalog is exempt from \"rollout/analysis-gate\" without a reason");
  EXPECT_EQ(fs[0].hint,
            "add the annotation rollout-guard.io/exempt-reason: \"<why this object may break the rule, and until "
            "when>\"");
  EXPECT_EQ(fs[0].path, "metadata.annotations[\"rollout-guard.io/exempt-reason\"]");
  EXPECT_EQ(fs[0].file, "test.yaml");
  EXPECT_EQ(fs[0].line, 1);
  EXPECT_EQ(fs[0].kind, "Rollout");
  EXPECT_EQ(fs[0].ns, "shop");
}

TEST(PolicyExemptionReason, UnknownRuleIdIsDenied) {
  auto fs = findings("    rollout-guard.io/exempt: rollout/nope, pod-security/*\n"
                     "    rollout-guard.io/exempt-reason: legacy image, JIRA-1\n");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].message, "Rollout shop/catalog is exempt from unknown rule \"rollout/nope\"");
  EXPECT_EQ(fs[0].path, "metadata.annotations[\"rollout-guard.io/exempt\"]");
  EXPECT_EQ(fs[0].hint, "use a rule id listed by `rollout-guard rules`, or a family such as \"pod-security/*\"");
}

TEST(PolicyExemptionReason, NoReasonAndAnUnknownIdAreTwoFindings) {
  auto fs = findings("    rollout-guard.io/exempt: rollout/spec,bogus/x\n");
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].message, "Rollout shop/catalog is exempt from \"rollout/spec\", \"bogus/x\" without a reason");
  EXPECT_EQ(fs[1].message, "Rollout shop/catalog is exempt from unknown rule \"bogus/x\"");
}

TEST(PolicyExemptionReason, AReasonAndKnownIdsPass) {
  EXPECT_TRUE(findings("    rollout-guard.io/exempt: rollout/spec, analysis/*\n"
                       "    rollout-guard.io/exempt-reason: JIRA-7, until 2027-01\n")
                  .empty());
  EXPECT_TRUE(findings("    team: shop\n").empty());
  EXPECT_TRUE(findings("    rollout-guard.io/exempt-reason: nothing is exempt\n").empty());
}

TEST(PolicyExemptionReason, MalformedAnnotationsDoNotThrow) {
  std::vector<Finding> fs = test::check_without_throwing(R(), test::malformed_annotations());
  EXPECT_TRUE(fs.empty()) << fs[0].message;
}

}  // namespace
}  // namespace rg
