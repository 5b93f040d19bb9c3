// A namespace's own mode (Context::namespace_mode, which the webhook fills
// from the Namespace's rollout-guard.io/enforce label) wins over the policy
// file's `namespaces:` entry, for evaluation and for the mutating defaults.
#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "policy/mutation.h"
#include "policy/policy.h"

namespace rg {
namespace {

// A Rollout in namespace shop with one deny finding (privileged) and one
// default fix (runAsNonRoot and friends).
Object rollout() {
  json doc = {{"apiVersion", "argoproj.io/v1alpha1"},
              {"kind", "Rollout"},
              {"metadata", {{"name", "web"}, {"namespace", "shop"}}},
              {"spec",
               {{"template",
                 {{"spec",
                   {{"containers", json::array({{{"name", "web"},
                                                 {"image", "web:1"},
                                                 {"securityContext", {{"privileged", true}}}}})}}}}}}}};
  return Object{doc, {}};
}

struct Counts {
  size_t deny = 0, warn = 0;
};
Counts count(const std::vector<Finding>& fs) {
  Counts c;
  for (const Finding& f : fs) (f.action == Action::Deny ? c.deny : c.warn)++;
  return c;
}

TEST(NamespaceMode, ParsesTheThreeModesAndNothingElse) {
  NamespaceMode m = NamespaceMode::Off;
  ASSERT_TRUE(parse_namespace_mode("enforce", &m));
  EXPECT_EQ(m, NamespaceMode::Enforce);
  ASSERT_TRUE(parse_namespace_mode("warn", &m));
  EXPECT_EQ(m, NamespaceMode::Warn);
  ASSERT_TRUE(parse_namespace_mode("off", &m));
  EXPECT_EQ(m, NamespaceMode::Off);
  for (std::string_view bad : {"", "Warn", "OFF", "disabled", "true", "false", " warn"}) {
    NamespaceMode before = NamespaceMode::Warn;
    EXPECT_FALSE(parse_namespace_mode(bad, &before)) << bad;
    EXPECT_EQ(before, NamespaceMode::Warn) << "unchanged on failure";
  }
  for (NamespaceMode mode : {NamespaceMode::Enforce, NamespaceMode::Warn, NamespaceMode::Off}) {
    NamespaceMode back = NamespaceMode::Enforce;
    ASSERT_TRUE(parse_namespace_mode(namespace_mode_name(mode), &back));
    EXPECT_EQ(back, mode);
  }
  EXPECT_EQ(kNamespaceModeLabel, "rollout-guard.io/enforce");
}

TEST(NamespaceMode, WithoutAnOverrideThePolicyDecides) {
  Policy p;
  p.namespaces["shop"] = NamespaceMode::Warn;
  EmptyInventory inv;
  Context ctx{p, inv};
  EXPECT_EQ(ctx.mode_for("shop"), NamespaceMode::Warn);
  EXPECT_EQ(ctx.mode_for("other"), NamespaceMode::Enforce);
  Counts c = count(evaluate(rollout(), ctx));
  EXPECT_EQ(c.deny, 0u);
  EXPECT_GE(c.warn, 1u);
}

TEST(NamespaceMode, TheLabelWarnOverridesAnEnforcingPolicy) {
  Policy p;  // every namespace enforced
  EmptyInventory inv;
  Context enforced{p, inv};
  Counts before = count(evaluate(rollout(), enforced));
  ASSERT_GE(before.deny, 1u);

  Context ctx{p, inv, NamespaceMode::Warn};
  auto fs = evaluate(rollout(), ctx);
  Counts c = count(fs);
  EXPECT_EQ(c.deny, 0u);
  EXPECT_EQ(c.warn, before.deny + before.warn);
  bool noted = false;
  for (const Finding& f : fs) {
    if (f.rule == "pod-security/privileged") {
      EXPECT_NE(f.message.find("(namespace \"shop\" is in warn mode by its label rollout-guard.io/enforce)"),
                std::string::npos)
          << f.message;
      noted = true;
    }
  }
  EXPECT_TRUE(noted);
}

TEST(NamespaceMode, TheLabelWinsOverTheExactEntryAndTheFallback) {
  EmptyInventory inv;
  Policy exact;
  exact.namespaces["shop"] = NamespaceMode::Off;
  EXPECT_TRUE(evaluate(rollout(), Context{exact, inv}).empty());
  EXPECT_GE(count(evaluate(rollout(), Context{exact, inv, NamespaceMode::Enforce})).deny, 1u);

  Policy fallback;
  fallback.namespaces["*"] = NamespaceMode::Warn;
  EXPECT_EQ(count(evaluate(rollout(), Context{fallback, inv})).deny, 0u);
  EXPECT_GE(count(evaluate(rollout(), Context{fallback, inv, NamespaceMode::Enforce})).deny, 1u);

  Policy enforcing;
  EXPECT_TRUE(evaluate(rollout(), Context{enforcing, inv, NamespaceMode::Off}).empty());
}

TEST(NamespaceMode, OffSkipsTheDefaultsAndEnforceRestoresThem) {
  EmptyInventory inv;
  Policy p;
  MutationResult on = mutate(rollout(), Context{p, inv});
  ASSERT_TRUE(on.error.empty()) << on.error;
  ASSERT_TRUE(on.changed()) << "the Rollout lacks runAsNonRoot and seccompProfile: defaults apply";

  MutationResult off = mutate(rollout(), Context{p, inv, NamespaceMode::Off});
  EXPECT_TRUE(off.error.empty());
  EXPECT_FALSE(off.changed());
  std::vector<FixNote> notes;
  EXPECT_EQ(apply_fixes(rollout(), Context{p, inv, NamespaceMode::Off}, &notes), rollout().doc);
  EXPECT_TRUE(notes.empty());

  Policy off_by_file;
  off_by_file.namespaces["shop"] = NamespaceMode::Off;
  EXPECT_FALSE(mutate(rollout(), Context{off_by_file, inv}).changed());
  MutationResult restored = mutate(rollout(), Context{off_by_file, inv, NamespaceMode::Enforce});
  EXPECT_EQ(restored.patch, on.patch);
}

}  // namespace
}  // namespace rg
