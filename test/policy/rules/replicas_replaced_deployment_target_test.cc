#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_replicas_replaced_deployment_target(); }

const char* kRolloutSameName =
    "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: catalog, namespace: shop}\n";
const char* kRolloutWorkloadRef =
    "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: catalog-v2, namespace: shop}\n"
    "spec: {workloadRef: {apiVersion: apps/v1, kind: Deployment, name: catalog}}\n";

TEST(ReplicasReplacedDeploymentTarget, PassesWhenNoRolloutReplacesIt) {
  EXPECT_TRUE(run(R(), "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, namespace: "
                       "shop}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: catalog}}\n"
                       "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: catalog, namespace: "
                       "other}\n")
                  .empty());
  // Targeting the Rollout itself is right.
  EXPECT_TRUE(run(R(), std::string("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, "
                                   "namespace: shop}\nspec: {scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: "
                                   "Rollout, name: catalog}}\n") +
                           kRolloutSameName)
                  .empty());
}

TEST(ReplicasReplacedDeploymentTarget, DeniesHpaOnDeploymentReplacedBySameName) {
  auto f = run(R(), std::string("apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, "
                                "namespace: shop}\nspec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, "
                                "name: catalog}}\n") +
                        kRolloutSameName);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.scaleTargetRef");
  EXPECT_EQ(f[0].message, "HorizontalPodAutoscaler shop/h scales Deployment \"catalog\", which Rollout shop/catalog "
                          "replaces (a Rollout of the same name); scale the Rollout instead");
  EXPECT_EQ(f[0].hint, "set spec.scaleTargetRef to apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: catalog");
}

TEST(ReplicasReplacedDeploymentTarget, NormalizesKedaTargets) {
  auto f = run(R(), std::string("apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: so, namespace: "
                                "shop}\nspec: {scaleTargetRef: {name: catalog}}\n") +
                        kRolloutWorkloadRef);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].message, "ScaledObject shop/so scales Deployment \"catalog\" (no kind: KEDA defaults to Deployment), "
                          "which Rollout shop/catalog-v2 replaces (its spec.workloadRef names the Deployment); "
                          "scale the Rollout instead");
  EXPECT_EQ(f[0].hint, "set spec.scaleTargetRef to apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: catalog-v2");
}

TEST(ReplicasReplacedDeploymentTarget, MalformedInputDoesNotThrow) {
  EXPECT_NO_THROW(run(R(), "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: so}\nspec: "
                           "{scaleTargetRef: {name: c}}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"
                           "metadata: {name: x}\nspec: {workloadRef: 5}\n"));
}

}  // namespace
}  // namespace rg
