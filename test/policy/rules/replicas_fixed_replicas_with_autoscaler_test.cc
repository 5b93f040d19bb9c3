#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_replicas_fixed_replicas_with_autoscaler(); }

const char* kRollout4 =
    "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: catalog, namespace: shop}\nspec: {replicas: 4}\n";
const char* kScaledObject =
    "---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: catalog, namespace: shop}\n"
    "spec: {scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: catalog}}\n";

TEST(ReplicasFixedReplicasWithAutoscaler, PassesWithoutAutoscalerOrWithoutReplicas) {
  EXPECT_TRUE(run(R(), kRollout4).empty());
  EXPECT_TRUE(run(R(), std::string("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: catalog, "
                                   "namespace: shop}\nspec: {}\n") +
                           kScaledObject)
                  .empty());
}

TEST(ReplicasFixedReplicasWithAutoscaler, WarnsWhenAnAutoscalerOwnsReplicas) {
  auto f = run(R(), std::string(kRollout4) + kScaledObject);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.replicas");
  EXPECT_EQ(f[0].message, "Rollout shop/catalog sets spec.replicas: 4 while ScaledObject shop/catalog scales it; Argo "
                          "CD reports the autoscaled count as drift and each sync resets it");
  EXPECT_EQ(f[0].hint, "remove spec.replicas, or add ignoreDifferences for /spec/replicas of this Rollout to the Argo "
                       "CD Application");
}

TEST(ReplicasFixedReplicasWithAutoscaler, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: [1]}\nspec: {replicas: "
                           "{}}\n"));
}

}  // namespace
}  // namespace rg
