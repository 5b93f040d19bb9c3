#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_hpa_replica_range(); }

std::string hpa(std::string_view version, std::string_view bounds) {
  return "apiVersion: autoscaling/" + std::string(version) +
         "\nkind: HorizontalPodAutoscaler\nmetadata: {name: catalog, namespace: shop}\nspec: {scaleTargetRef: "
         "{apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: catalog}" +
         std::string(bounds) + "}\n";
}

TEST(HpaReplicaRange, PassesSaneBounds) {
  EXPECT_TRUE(run(R(), hpa("v2", ", minReplicas: 2, maxReplicas: 10")).empty());
  EXPECT_TRUE(run(R(), hpa("v1", ", maxReplicas: 3")).empty());  // minReplicas defaults to 1
  EXPECT_TRUE(run(R(), hpa("v2", ", minReplicas: 4, maxReplicas: 4")).empty());
}

TEST(HpaReplicaRange, DeniesMaxBelowMin) {
  auto f = run(R(), hpa("v2", ", minReplicas: 5, maxReplicas: 3"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.maxReplicas");
  EXPECT_EQ(f[0].message, "HorizontalPodAutoscaler shop/catalog is invalid: spec.maxReplicas: Invalid value: 3: must "
                          "be greater than or equal to `minReplicas` (5)");
  EXPECT_EQ(f[0].hint, "set spec.maxReplicas to at least 5, or lower spec.minReplicas");
}

TEST(HpaReplicaRange, DeniesZeroAndMissing) {
  auto f = run(R(), hpa("v1", ", minReplicas: 0, maxReplicas: 0"));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].message, "HorizontalPodAutoscaler shop/catalog is invalid: spec.minReplicas: Invalid value: 0: must "
                          "be greater than or equal to 1");
  EXPECT_EQ(f[1].message, "HorizontalPodAutoscaler shop/catalog is invalid: spec.maxReplicas: Invalid value: 0: must "
                          "be greater than 0");
  auto g = run(R(), hpa("v2", ", minReplicas: 2"));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].message, "HorizontalPodAutoscaler shop/catalog is invalid: spec.maxReplicas: Required value");
}

TEST(HpaReplicaRange, WrongTypesAreFindingsNotCrashes) {
  auto f = run(R(), hpa("v2", ", minReplicas: \"2\", maxReplicas: [3]"));
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].message, "HorizontalPodAutoscaler shop/catalog is invalid: spec.minReplicas: Invalid value: \"2\": "
                          "must be an integer");
  EXPECT_NO_THROW(run(R(), "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec: 1\n"));
}

TEST(HpaReplicaRange, IgnoresOtherGroups) {
  EXPECT_TRUE(run(R(), "apiVersion: example.com/v1\nkind: HorizontalPodAutoscaler\nspec: {maxReplicas: 0}\n").empty());
}

}  // namespace
}  // namespace rg
