#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_replicas_rollout_api_version(); }

TEST(ReplicasRolloutApiVersion, PassesArgoprojTargets) {
  EXPECT_TRUE(run(R(), "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: c}\nspec: "
                       "{scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: c}}\n")
                  .empty());
  EXPECT_TRUE(run(R(), "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: c}\nspec: "
                       "{scaleTargetRef: {name: c}}\n")
                  .empty());  // a Deployment: not this rule's business
}

TEST(ReplicasRolloutApiVersion, DeniesAppsV1Rollout) {
  auto f = run(R(), "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: c, namespace: shop}\n"
                    "spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Rollout, name: catalog}}\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.scaleTargetRef.apiVersion");
  EXPECT_EQ(f[0].message, "HorizontalPodAutoscaler shop/c: spec.scaleTargetRef targets kind Rollout with apiVersion "
                          "\"apps/v1\"; Rollouts are served by argoproj.io/v1alpha1, so Rollout \"catalog\" is never "
                          "scaled");
  EXPECT_EQ(f[0].hint, "set spec.scaleTargetRef.apiVersion: argoproj.io/v1alpha1");
}

TEST(ReplicasRolloutApiVersion, KedaEmptyApiVersionMeansAppsV1) {
  auto f = run(R(), "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: c}\n"
                    "spec: {scaleTargetRef: {kind: Rollout, name: catalog}}\n");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("apiVersion unset (KEDA reads it as \"apps/v1\")"), std::string::npos);
}

TEST(ReplicasRolloutApiVersion, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nspec: {scaleTargetRef: [1]}\n"));
  EXPECT_NO_THROW(run(R(), "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec: {scaleTargetRef: "
                           "{kind: 3, name: {}}}\n"));
}

}  // namespace
}  // namespace rg
