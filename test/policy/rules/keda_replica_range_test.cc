#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_keda_replica_range(); }

std::string so(std::string_view bounds) {
  return "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: catalog, namespace: shop}\n"
         "spec: {scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: catalog}" +
         std::string(bounds) + "}\n";
}

TEST(KedaReplicaRange, PassesSaneBounds) {
  EXPECT_TRUE(run(R(), so(", minReplicaCount: 2, maxReplicaCount: 10")).empty());
  EXPECT_TRUE(run(R(), so("")).empty());  // 0..100
  EXPECT_TRUE(run(R(), so(", idleReplicaCount: 0, minReplicaCount: 1, maxReplicaCount: 5")).empty());
  EXPECT_TRUE(run(R(), so(", minReplicaCount: 3, maxReplicaCount: 3")).empty());  // KEDA accepts min == max
}

TEST(KedaReplicaRange, DeniesMinAboveMax) {
  auto f = run(R(), so(", minReplicaCount: 5, maxReplicaCount: 3"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.minReplicaCount");
  EXPECT_EQ(f[0].message, "ScaledObject shop/catalog: MinReplicaCount=5 must be less than MaxReplicaCount=3");
  EXPECT_EQ(f[0].hint, "set spec.maxReplicaCount to at least 5, or lower spec.minReplicaCount");
  auto g = run(R(), so(", minReplicaCount: 150"));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].message, "ScaledObject shop/catalog: MinReplicaCount=150 must be less than MaxReplicaCount=100 (the "
                          "default maxReplicaCount)");
}

TEST(KedaReplicaRange, DeniesIdleNotBelowMin) {
  auto f = run(R(), so(", idleReplicaCount: 1, minReplicaCount: 1, maxReplicaCount: 5"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.idleReplicaCount");
  EXPECT_EQ(f[0].message, "ScaledObject shop/catalog: IdleReplicaCount=1 must be less than MinReplicaCount=1");
  auto g = run(R(), so(", idleReplicaCount: 0"));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].message, "ScaledObject shop/catalog: IdleReplicaCount=0 must be less than MinReplicaCount=0 (the "
                          "default minReplicaCount)");
  EXPECT_EQ(g[0].hint, "set spec.minReplicaCount: 1 or more, or remove spec.idleReplicaCount");
}

TEST(KedaReplicaRange, NegativeAndWrongTypes) {
  auto f = run(R(), so(", minReplicaCount: -1, maxReplicaCount: x"));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].message, "ScaledObject shop/catalog is invalid: spec.minReplicaCount: Invalid value: -1: must be "
                          "greater than or equal to 0");
  EXPECT_EQ(f[1].message, "ScaledObject shop/catalog is invalid: spec.maxReplicaCount: Invalid value: \"x\": must be "
                          "an integer");
  EXPECT_NO_THROW(run(R(), "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nspec: []\n"));
}

}  // namespace
}  // namespace rg
