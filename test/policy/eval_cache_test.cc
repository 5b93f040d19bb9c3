// MemoryInventory's index and EvalCache: the same answers as a plain scan,
// and an evaluation with a shared cache equal to one without.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "policy/analysis/metric.h"
#include "policy/autoscaling.h"
#include "policy/catalog.h"
#include "policy/eval_cache.h"
#include "policy/inventory.h"
#include "policy/policy.h"
#include "policy/rollout_refs.h"
#include "test/support/conformance.h"
#include "test/support/manifests.h"

namespace rg {
namespace {

Object obj(const std::string& api, const std::string& kind, const std::string& ns, const std::string& name,
           json spec = json::object()) {
  json doc = {{"apiVersion", api}, {"kind", kind}, {"metadata", {{"name", name}}}, {"spec", std::move(spec)}};
  if (!ns.empty()) doc["metadata"]["namespace"] = ns;
  return Object{std::move(doc), {}};
}

json hpa_spec(const std::string& api, const std::string& kind, const std::string& name) {
  return {{"scaleTargetRef", {{"apiVersion", api}, {"kind", kind}, {"name", name}}}, {"minReplicas", 2}, {"maxReplicas", 5}};
}

json rollout_spec(const std::vector<std::pair<std::string, bool>>& templates) {
  json refs = json::array();
  for (const auto& [name, cluster] : templates) {
    json r = {{"templateName", name}};
    if (cluster) r["clusterScope"] = true;
    refs.push_back(r);
  }
  return {{"strategy", {{"canary", {{"steps", json::array({{{"setWeight", 10}}, {{"analysis", {{"templates", refs}}}}})}}}}}};
}

TEST(MemoryInventory, FindsFirstAddedAndListsInInsertionOrder) {
  MemoryInventory inv;
  inv.add(obj("apps/v1", "Deployment", "a", "web", {{"replicas", 1}}));
  inv.add(obj("apps/v1", "Deployment", "a", "web", {{"replicas", 2}}));  // duplicate name: the first wins
  inv.add(obj("apps/v1", "Deployment", "b", "web"));
  inv.add(obj("argoproj.io/v1alpha1", "Rollout", "a", "web"));
  inv.add(obj("argoproj.io/v1alpha1", "ClusterAnalysisTemplate", "", "rate"));

  const Object* d = inv.find("apps", "Deployment", "a", "web");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->doc["spec"]["replicas"], 1);
  EXPECT_EQ(inv.find("", "Deployment", "a", "web"), nullptr);  // group matters
  EXPECT_EQ(inv.find("apps", "Deployment", "c", "web"), nullptr);
  EXPECT_EQ(inv.find("apps", "Deployment", "a", "we"), nullptr);
  EXPECT_NE(inv.find("argoproj.io", "ClusterAnalysisTemplate", "", "rate"), nullptr);

  auto in_a = inv.list("Deployment", "a");
  ASSERT_EQ(in_a.size(), 2u);
  EXPECT_EQ(in_a[0]->doc["spec"]["replicas"], 1);
  EXPECT_EQ(in_a[1]->doc["spec"]["replicas"], 2);
  auto all = inv.list("Deployment", "*");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2]->ns(), "b");
  EXPECT_TRUE(inv.list("Deployment", "c").empty());
  EXPECT_TRUE(inv.list("HorizontalPodAutoscaler", "*").empty());
  // Keys are joined with NUL: no mix-up between ("ab","c") and ("a","bc").
  MemoryInventory tricky;
  tricky.add(obj("v1", "Service", "ab", "c"));
  EXPECT_EQ(tricky.find("", "Service", "a", "bc"), nullptr);
  EXPECT_EQ(tricky.list("Service", "a").size(), 0u);
}

TEST(MemoryInventory, UnownedObjectsAreIndexedInPlaceAlongsideOwnedOnes) {
  std::vector<Object> mine = {obj("apps/v1", "Deployment", "a", "web", {{"replicas", 1}}),
                              obj("argoproj.io/v1alpha1", "Rollout", "a", "web")};
  MemoryInventory inv;
  for (const Object& o : mine) inv.add_unowned(o);
  inv.add(obj("apps/v1", "Deployment", "a", "api"));
  EXPECT_EQ(inv.find("apps", "Deployment", "a", "web"), &mine[0]);  // the caller's object, not a copy
  EXPECT_EQ(inv.find("argoproj.io", "Rollout", "a", "web"), &mine[1]);
  auto deployments = inv.list("Deployment", "a");
  ASSERT_EQ(deployments.size(), 2u);
  EXPECT_EQ(deployments[0], &mine[0]);
  EXPECT_EQ(deployments[1]->name(), "api");
  EXPECT_EQ(inv.size(), 3u);
}

TEST(EvalCache, RolloutsUsingMatchesTheirReferences) {
  MemoryInventory inv;
  inv.add(obj("argoproj.io/v1alpha1", "Rollout", "a", "r1", rollout_spec({{"rate", false}, {"rate", false}})));
  inv.add(obj("argoproj.io/v1alpha1", "Rollout", "a", "r2", rollout_spec({{"latency", false}, {"rate", true}})));
  inv.add(obj("argoproj.io/v1alpha1", "Rollout", "b", "r3", rollout_spec({{"rate", false}, {"rate", true}})));
  Object tmpl_a = obj("argoproj.io/v1alpha1", "AnalysisTemplate", "a", "rate");
  Object tmpl_c = obj("argoproj.io/v1alpha1", "AnalysisTemplate", "c", "rate");
  Object cluster = obj("argoproj.io/v1alpha1", "ClusterAnalysisTemplate", "", "rate");
  Policy policy;
  Context ctx{policy, inv};
  EvalCache cache;

  auto a = cache.rollouts_using(tmpl_a, ctx);
  ASSERT_EQ(a.size(), 1u);  // r1 once, although it names the template twice
  EXPECT_EQ(a[0]->name(), "r1");
  EXPECT_TRUE(cache.rollouts_using(tmpl_c, ctx).empty());
  auto c = cache.rollouts_using(cluster, ctx);  // any namespace, clusterScope only
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0]->name(), "r2");
  EXPECT_EQ(c[1]->name(), "r3");
}

TEST(EvalCache, AutoscalersOfEqualsTheScan) {
  MemoryInventory inv;
  inv.add(obj("autoscaling/v2", "HorizontalPodAutoscaler", "a", "h1", hpa_spec("apps/v1", "Deployment", "web")));
  inv.add(obj("autoscaling/v2", "HorizontalPodAutoscaler", "a", "h2", hpa_spec("argoproj.io/v1alpha1", "Rollout", "web")));
  inv.add(obj("keda.sh/v1alpha1", "ScaledObject", "a", "s1", {{"scaleTargetRef", {{"name", "web"}}}}));  // defaults: apps/v1 Deployment
  inv.add(obj("autoscaling/v2", "HorizontalPodAutoscaler", "a", "h3", hpa_spec("apps/v1", "deployment", "web")));
  inv.add(obj("autoscaling/v2", "HorizontalPodAutoscaler", "b", "h4", hpa_spec("apps/v1", "Deployment", "web")));
  for (const Object* self : {inv.find("autoscaling", "HorizontalPodAutoscaler", "a", "h1"),
                             inv.find("autoscaling", "HorizontalPodAutoscaler", "a", "h2"),
                             inv.find("keda.sh", "ScaledObject", "a", "s1"),
                             inv.find("autoscaling", "HorizontalPodAutoscaler", "b", "h4")}) {
    ASSERT_NE(self, nullptr);
    auto target = scale_target(*self);
    ASSERT_TRUE(target);
    EvalCache cache;
    auto scanned = replica_owners(*target, inv, self);
    auto cached = replica_owners(*target, inv, self, &cache);
    ASSERT_EQ(scanned.size(), cached.size()) << self->name();
    for (size_t i = 0; i < scanned.size(); ++i) {
      EXPECT_EQ(scanned[i].ref(), cached[i].ref());
      EXPECT_EQ(scanned[i].object, cached[i].object);
    }
  }
  EvalCache cache;
  auto web = scale_target(*inv.find("autoscaling", "HorizontalPodAutoscaler", "a", "h1"));
  auto users = cache.autoscalers_of(*web, inv);
  ASSERT_EQ(users.size(), 3u);  // h1, h3 (kind case-insensitive), then the ScaledObject
  EXPECT_EQ(users[0]->name(), "h1");
  EXPECT_EQ(users[1]->name(), "h3");
  EXPECT_EQ(users[2]->name(), "s1");
}

std::string render(const std::vector<Finding>& found) {
  std::string out;
  for (const Finding& f : found) {
    out += f.rule + "|" + std::string(action_name(f.action)) + "|" + f.kind + "/" + f.ns + "/" + f.name + "|" + f.path + "|" +
           f.message + "|" + f.hint + "\n";
  }
  return out;
}

TEST(EvalCache, AFrontGivesTheSharedCachesResults) {
  MemoryInventory inv;
  inv.add(obj("argoproj.io/v1alpha1", "Rollout", "a", "r1", rollout_spec({{"rate", false}})));
  inv.add(obj("autoscaling/v2", "HorizontalPodAutoscaler", "a", "h1", hpa_spec("argoproj.io/v1alpha1", "Rollout", "r1")));
  const Object* ro = inv.find("argoproj.io", "Rollout", "a", "r1");
  Object tmpl = obj("argoproj.io/v1alpha1", "AnalysisTemplate", "a", "rate");
  Policy policy;
  Context ctx{policy, inv};
  EvalCache shared;
  EvalCache front(&shared);
  // The front asks the shared cache once and keeps its answer: the same objects.
  auto refs = front.template_refs(ro->doc);
  EXPECT_EQ(refs.get(), shared.template_refs(ro->doc).get());
  EXPECT_EQ(refs.get(), front.template_refs(ro->doc).get());
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ((*refs)[0].name, "rate");
  auto analysis = front.template_analysis(tmpl.doc, ctx);
  EXPECT_EQ(analysis.get(), shared.template_analysis(tmpl.doc, ctx).get());
  auto pod = front.pod_template(ro->doc);
  EXPECT_EQ(pod.get(), shared.pod_template(ro->doc).get());
  auto users = front.rollouts_using(tmpl, ctx);
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0], ro);
  auto target = scale_target(*inv.find("autoscaling", "HorizontalPodAutoscaler", "a", "h1"));
  ASSERT_TRUE(target);
  EXPECT_EQ(front.autoscalers_of(*target, inv), shared.autoscalers_of(*target, inv));
  EXPECT_EQ(front.autoscalers_of(*target, inv).size(), 1u);
  // A second front over the same shared cache sees what the first one filled.
  EvalCache other(&shared);
  EXPECT_EQ(other.template_analysis(tmpl.doc, ctx).get(), analysis.get());
}

// One shared cache, four threads taking the objects in turn: every object's
// findings equal those of an evaluation with no shared cache.
TEST(EvalCache, OneSharedCacheOnManyThreadsGivesEachObjectsOwnFindings) {
  // Every sample manifest (good and bad) in one inventory, as `check samples/` sees them.
  std::vector<Object> objects = test::load_manifests(test::source_dir() + "/samples");
  ASSERT_GT(objects.size(), 80u);
  MemoryInventory inv;
  for (const Object& o : objects) inv.add_unowned(o);
  Policy policy;
  const Context alone{policy, inv};
  std::vector<std::string> expected(objects.size());
  size_t with_findings = 0;
  for (size_t i = 0; i < objects.size(); ++i) {
    expected[i] = render(evaluate(objects[i], alone));
    if (!expected[i].empty()) ++with_findings;
  }
  ASSERT_GT(with_findings, 40u);  // the bad samples: the comparison below compares findings, not nothing

  for (int round = 0; round < 3; ++round) {
    EvalCache shared;
    Context ctx{policy, inv};
    ctx.cache = &shared;
    std::vector<std::string> got(objects.size());
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < 4; ++t) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < objects.size(); i = next++) got[i] = render(evaluate(objects[i], ctx));
      });
    }
    for (std::thread& t : pool) t.join();
    for (size_t i = 0; i < objects.size(); ++i) {
      EXPECT_EQ(got[i], expected[i]) << objects[i].kind() << " " << objects[i].name() << " in " << objects[i].where.file;
    }
  }
}

}  // namespace
}  // namespace rg
