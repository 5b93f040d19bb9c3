// Cross-object rules with an incomplete inventory (the webhook's cluster cache
// before its sync or when stale): evaluate() turns their deny findings, the
// findings about other objects and escalations into warnings that say why,
// and leaves every other finding alone.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "manifests/documents.h"
#include "policy/policy.h"

namespace rg {
namespace {

constexpr std::string_view kStale =
    "the cluster inventory is stale: no news from the API server about rollouts.argoproj.io/v1alpha1 for 412s "
    "(bound 360s); last error: GET /apis/argoproj.io/v1alpha1/rollouts: connection refused";
constexpr std::string_view kNote =
    " (a warning, not a denial, while the cluster inventory is stale: no news from the API server about "
    "rollouts.argoproj.io/v1alpha1 for 412s (bound 360s))";

std::vector<Object> parse(std::string_view yaml) {
  LoadResult r = load_documents(yaml, "test.yaml");
  for (const LoadError& e : r.errors) ADD_FAILURE() << e.str();
  return r.objects;
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Evaluates objs[0] with an inventory of objs[1..] that is complete or not.
std::vector<Finding> eval(const std::vector<Object>& objs, bool complete, const Policy& p = Policy{},
                          std::string_view rule = "") {
  MemoryInventory inv;
  for (size_t i = 1; i < objs.size(); ++i) inv.add(objs[i]);
  inv.set_complete(complete, complete ? "" : std::string(kStale));
  Context ctx{p, inv};
  std::vector<Finding> out;
  for (Finding& f : evaluate(objs[0], ctx)) {
    if (rule.empty() || f.rule == rule) out.push_back(std::move(f));
  }
  return out;
}

constexpr std::string_view kRollout =
    "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: shop}\n"
    "spec:\n  replicas: 3\n  selector: {matchLabels: {app: web}}\n"
    "  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: web:1}]\n";

std::string hpa(std::string_view target_kind, std::string_view api_version, int min = 2) {
  return "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: web, namespace: shop}\n"
         "spec:\n  scaleTargetRef: {apiVersion: " + std::string(api_version) + ", kind: " + std::string(target_kind) +
         ", name: web}\n  minReplicas: " + std::to_string(min) + "\n  maxReplicas: 5\n";
}

TEST(CrossObject, TheCatalogMarksExactlyTheRulesThatReadOtherObjects) {
  std::set<std::string_view> marked;
  for (const Rule& r : catalog()) {
    if (r.cross_object) marked.insert(r.id);
  }
  EXPECT_EQ(marked, (std::set<std::string_view>{"replicas/fixed-replicas-with-autoscaler", "replicas/multiple-owners",
                                                "replicas/replaced-deployment-target", "rollout/analysis-template-ref",
                                                "rollout/step-analysis-indefinite"}));
}

TEST(CrossObject, DenyBecomesAWarningThatSaysWhyWhileTheInventoryIsIncomplete) {
  auto objs = parse("---\n" + hpa("Deployment", "apps/v1") + "---\n" + std::string(kRollout));
  auto complete = eval(objs, true, Policy{}, "replicas/replaced-deployment-target");
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].action, Action::Deny);
  EXPECT_EQ(complete[0].message.find("not a denial"), std::string::npos);

  auto stale = eval(objs, false, Policy{}, "replicas/replaced-deployment-target");
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].action, Action::Warn);
  EXPECT_EQ(stale[0].message, complete[0].message + std::string(kNote));
  // The last error is for logs; the note stops before it.
  EXPECT_EQ(stale[0].message.find("last error"), std::string::npos);
  EXPECT_EQ(stale[0].hint, complete[0].hint);
}

TEST(CrossObject, APolicyDenyOnAWarnRuleIsDegradedToo) {
  auto objs = parse("---\n" + std::string(kRollout) + "---\n" + hpa("Rollout", "argoproj.io/v1alpha1"));
  Policy p;
  p.rules["replicas/fixed-replicas-with-autoscaler"] = Action::Deny;
  auto complete = eval(objs, true, p, "replicas/fixed-replicas-with-autoscaler");
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].action, Action::Deny);
  auto stale = eval(objs, false, p, "replicas/fixed-replicas-with-autoscaler");
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].action, Action::Warn);
  EXPECT_TRUE(ends_with(stale[0].message, kNote)) << stale[0].message;
  // A warning by default stays a warning with no note: nothing was degraded.
  auto warn = eval(objs, false, Policy{}, "replicas/fixed-replicas-with-autoscaler");
  ASSERT_EQ(warn.size(), 1u);
  EXPECT_EQ(warn[0].action, Action::Warn);
  EXPECT_EQ(warn[0].message.find("not a denial"), std::string::npos);
}

TEST(CrossObject, FindingsAboutTheObjectItselfKeepTheirAction) {
  // hpa/replica-range reads only the HPA (minReplicas > maxReplicas).
  auto objs = parse("---\n" + hpa("Deployment", "apps/v1", 9) + "---\n" + std::string(kRollout));
  auto fs = eval(objs, false);
  std::set<std::string> deny, warn;
  for (const Finding& f : fs) (f.action == Action::Deny ? deny : warn).insert(f.rule);
  EXPECT_TRUE(deny.count("hpa/replica-range")) << "own findings stay deny";
  EXPECT_TRUE(warn.count("replicas/replaced-deployment-target"));
  for (const Finding& f : fs) {
    if (f.rule == "hpa/replica-range") {
      EXPECT_EQ(f.message.find("not a denial"), std::string::npos);
    }
  }
  // Deny findings still come first.
  EXPECT_TRUE(std::is_partitioned(fs.begin(), fs.end(), [](const Finding& f) { return f.action == Action::Deny; }));
}

TEST(CrossObject, AnEmptyInventorySaysSoAndChangesNothingElse) {
  // The webhook's default (no --inventory=cluster): cross-object rules find nothing.
  auto objs = parse(hpa("Deployment", "apps/v1"));
  Policy p;
  EmptyInventory inv;
  Context ctx{p, inv};
  for (const Finding& f : evaluate(objs[0], ctx)) {
    EXPECT_NE(f.rule, "replicas/replaced-deployment-target");
    EXPECT_EQ(f.message.find("not a denial"), std::string::npos) << f.rule;
  }
}

TEST(CrossObject, PodSecurityFindingsFromAReferencedDeploymentAreCrossObject) {
  // A Rollout with spec.workloadRef: the pod template comes from the Deployment in the inventory.
  auto objs = parse(
      "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: shop}\n"
      "spec:\n  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n"
      "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n"
      "spec:\n  template:\n    spec:\n      containers: [{name: web, image: web:1, securityContext: {privileged: true}}]\n");
  auto complete = eval(objs, true, Policy{}, "pod-security/privileged");
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].action, Action::Deny);
  EXPECT_EQ(complete[0].kind, "Deployment");
  auto stale = eval(objs, false, Policy{}, "pod-security/privileged");
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].action, Action::Warn);
  EXPECT_EQ(stale[0].kind, "Deployment");
  EXPECT_TRUE(ends_with(stale[0].message, kNote)) << stale[0].message;

  // The Rollout's own template is judged as always.
  auto own = parse(
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: shop}\n"
      "spec:\n  template:\n    spec:\n      containers: [{name: web, image: web:1, securityContext: {privileged: "
      "true}}]\n");
  auto fs = eval(own, false, Policy{}, "pod-security/privileged");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Deny);
}

TEST(CrossObject, EscalationWaitsForACompleteInventory) {
  // A template that passes on silence, run by a critical Rollout: escalated to deny.
  auto objs = parse(
      "---\napiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: success-rate, namespace: shop}\n"
      "spec:\n  metrics:\n  - name: success-rate\n    interval: 1m\n    count: 5\n    failureLimit: 1\n"
      "    successCondition: result[0] >= 0.99\n    provider:\n      prometheus:\n        address: http://p:9090\n"
      "        query: 1 - (sum(rate(http_requests_total{code=~\"5..\"}[2m])) / sum(rate(http_requests_total[2m])) "
      "or vector(0))\n"
      "---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\n"
      "metadata: {name: web, namespace: shop, labels: {rollout-guard.io/tier: critical}}\n"
      "spec:\n  strategy:\n    canary:\n      steps:\n      - setWeight: 10\n"
      "      - analysis: {templates: [{templateName: success-rate}]}\n");
  auto complete = eval(objs, true, Policy{}, "analysis/passes-on-silence");
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].action, Action::Deny);
  auto stale = eval(objs, false, Policy{}, "analysis/passes-on-silence");
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].action, Action::Warn);
  EXPECT_TRUE(ends_with(stale[0].message, kNote)) << stale[0].message;
}

TEST(CrossObject, DegradedFindingsAreNotNotedTwiceByNamespaceWarnMode) {
  auto objs = parse("---\n" + hpa("Deployment", "apps/v1") + "---\n" + std::string(kRollout));
  Policy p;
  p.namespaces["shop"] = NamespaceMode::Warn;
  auto fs = eval(objs, false, p, "replicas/replaced-deployment-target");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].action, Action::Warn);
  EXPECT_TRUE(ends_with(fs[0].message, kNote)) << fs[0].message;
  EXPECT_EQ(fs[0].message.find("warn mode"), std::string::npos);
}

TEST(CrossObject, AnInventoryWithoutAReasonGetsAGenericNote) {
  auto objs = parse("---\n" + hpa("Deployment", "apps/v1") + "---\n" + std::string(kRollout));
  MemoryInventory inv;
  inv.add(objs[1]);
  inv.set_complete(false);
  Policy p;
  Context ctx{p, inv};
  auto fs = evaluate(objs[0], ctx);
  auto it = std::find_if(fs.begin(), fs.end(),
                         [](const Finding& f) { return f.rule == "replicas/replaced-deployment-target"; });
  ASSERT_NE(it, fs.end());
  EXPECT_EQ(it->action, Action::Warn);
  EXPECT_TRUE(ends_with(it->message,
                        " (a warning, not a denial, while the inventory of other objects is incomplete)"))
      << it->message;
}

}  // namespace
}  // namespace rg
