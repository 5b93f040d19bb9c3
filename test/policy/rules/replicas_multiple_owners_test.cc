#include "policy/rules/rules.h"
#include "test/policy/rules/rule_fixture.h"

namespace rg {
namespace {

using test::run;

const Rule& R() { return rule_replicas_multiple_owners(); }

std::string hpa(std::string_view name, std::string_view extra_meta = "") {
  return "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: " + std::string(name) +
         "\n  namespace: shop\n" + std::string(extra_meta) +
         "spec: {scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: catalog}, maxReplicas: 5}\n";
}
std::string so(std::string_view name) {
  return "---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: " + std::string(name) +
         ", namespace: shop}\nspec: {scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: "
         "catalog}}\n";
}

TEST(ReplicasMultipleOwners, PassesWithOneOwner) {
  EXPECT_TRUE(run(R(), hpa("catalog")).empty());
  EXPECT_TRUE(run(R(), so("catalog")).empty());
}

TEST(ReplicasMultipleOwners, KedaGeneratedHpaIsNotASecondOwner) {
  EXPECT_TRUE(run(R(), so("catalog") + hpa("keda-hpa-catalog")).empty());
  EXPECT_TRUE(run(R(), hpa("keda-hpa-catalog") + so("catalog")).empty());
  EXPECT_TRUE(run(R(), hpa("generated", "  labels: {scaledobject.keda.sh/name: catalog}\n") + so("catalog")).empty());
  EXPECT_TRUE(run(R(), hpa("g2", "  ownerReferences: [{apiVersion: keda.sh/v1alpha1, kind: ScaledObject, name: "
                                 "catalog}]\n") +
                           so("catalog"))
                  .empty());
}

TEST(ReplicasMultipleOwners, DeniesHpaAndScaledObject) {
  auto f = run(R(), hpa("catalog-hpa") + so("catalog"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].path, "spec.scaleTargetRef");
  EXPECT_EQ(f[0].message, "HorizontalPodAutoscaler shop/catalog-hpa and ScaledObject shop/catalog all scale Rollout "
                          "\"catalog\"; autoscalers on one workload overwrite each other's replica count");
  EXPECT_NE(f[0].hint.find("delete ScaledObject shop/catalog"), std::string::npos);
  // ... reported on the ScaledObject too, naming the HPA.
  auto g = run(R(), so("catalog") + hpa("catalog-hpa"));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[0].message, "ScaledObject shop/catalog and HorizontalPodAutoscaler shop/catalog-hpa all scale Rollout "
                          "\"catalog\"; autoscalers on one workload overwrite each other's replica count");
}

TEST(ReplicasMultipleOwners, DeniesTwoHpasAndTwoScaledObjects) {
  EXPECT_EQ(run(R(), hpa("a") + hpa("b")).size(), 1u);
  EXPECT_EQ(run(R(), so("a") + so("b")).size(), 1u);
  auto f = run(R(), hpa("a") + hpa("b") + so("c") + hpa("keda-hpa-c"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].message.find("HorizontalPodAutoscaler shop/b and ScaledObject shop/c all scale"), std::string::npos)
      << f[0].message;
}

TEST(ReplicasMultipleOwners, SelfNotYetInInventoryStillCounts) {
  // The webhook evaluates an object before it exists: the inventory holds only the others.
  std::vector<Object> objs = test::parse_objects(hpa("new") + so("catalog"));
  ASSERT_EQ(objs.size(), 2u);
  MemoryInventory inv;
  inv.add(objs[1]);
  Policy p;
  Context ctx{p, inv};
  EXPECT_EQ(R().check(objs[0], ctx).size(), 1u);
}

TEST(ReplicasMultipleOwners, OtherNamespacesAndTargetsDoNotCount) {
  EXPECT_TRUE(run(R(), hpa("a") +
                           "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: b, "
                           "namespace: other}\nspec: {scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: "
                           "Rollout, name: catalog}}\n" +
                           "---\napiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: d, namespace: "
                           "shop}\nspec: {scaleTargetRef: {name: catalog}}\n")
                  .empty());
}

}  // namespace
}  // namespace rg
