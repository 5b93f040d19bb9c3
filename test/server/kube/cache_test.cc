#include "server/kube/cache.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test/server/kube/test_util.h"
#include "test/support/temp_dir.h"

namespace rg::kube {
namespace {

using ::rg::test::eventually;
using ::rg::test::FakeApiServer;
using ::rg::test::make_obj;
using ::testing::HasSubstr;
namespace res = resources;

json full_deployment() {
  return json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {
      "name": "web", "namespace": "a", "uid": "u-1", "resourceVersion": "42", "generation": 3,
      "creationTimestamp": "2026-11-24T01:24:56Z",
      "labels": {"app": "web"},
      "annotations": {
        "kubectl.kubernetes.io/last-applied-configuration": "{...}",
        "deployment.kubernetes.io/revision": "4",
        "rollout-guard.io/exempt": "replicas/*",
        "rollout-guard.io/exempt-reason": "migration"
      },
      "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "web", "uid": "r-1",
                           "controller": true, "blockOwnerDeletion": true}],
      "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]
    },
    "spec": {
      "replicas": 0,
      "selector": {"matchLabels": {"app": "web"}},
      "template": {"metadata": {"creationTimestamp": null, "labels": {"app": "web"}},
                   "spec": {"containers": [{"name": "web", "image": "nginx"}]}},
      "strategy": {"type": "RollingUpdate"},
      "revisionHistoryLimit": 10,
      "progressDeadlineSeconds": 600
    },
    "status": {"replicas": 0}
  })");
}

TEST(Strip, DeploymentKeepsWhatRulesRead) {
  json s = strip_for_inventory(full_deployment());
  json want = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {
      "name": "web", "namespace": "a", "uid": "u-1",
      "labels": {"app": "web"},
      "annotations": {"rollout-guard.io/exempt": "replicas/*", "rollout-guard.io/exempt-reason": "migration"},
      "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": "web", "controller": true}]
    },
    "spec": {
      "replicas": 0,
      "selector": {"matchLabels": {"app": "web"}},
      "template": {"metadata": {"labels": {"app": "web"}},
                   "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
    }
  })");
  EXPECT_EQ(s, want) << s.dump(2);
}

TEST(Strip, OtherKindsKeepTheirSpecButNoStatus) {
  json hpa = make_obj(res::kHorizontalPodAutoscalers, "a", "h",
                      {{"scaleTargetRef", {{"kind", "Deployment"}, {"name", "web"}}}, {"maxReplicas", 5}});
  hpa["status"] = {{"currentReplicas", 3}};
  hpa["metadata"]["annotations"] = {{"autoscaling.keda.sh/paused", "true"}, {"other", "x"}};
  json s = strip_for_inventory(hpa);
  EXPECT_EQ(s["spec"], hpa["spec"]);
  EXPECT_FALSE(s.contains("status"));
  EXPECT_EQ(s["metadata"]["annotations"], json({{"autoscaling.keda.sh/paused", "true"}}));

  json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"},
             {"metadata", {{"name", "a"}, {"uid", "x"}, {"labels", {{"rollout-guard.io/enforce", "warn"}}},
                           {"annotations", {{"rollout-guard.io/x", "y"}}}}},
             {"spec", {{"finalizers", {"kubernetes"}}}}, {"status", {{"phase", "Active"}}}};
  EXPECT_EQ(strip_for_inventory(ns),
            json({{"apiVersion", "v1"}, {"kind", "Namespace"},
                  {"metadata", {{"name", "a"}, {"labels", {{"rollout-guard.io/enforce", "warn"}}}}}}));
}

TEST(Store, FindListAndDelete) {
  ClusterInventory inv;
  inv.upsert(full_deployment());
  inv.upsert(make_obj(res::kRollouts, "a", "web"));
  inv.upsert(make_obj(res::kRollouts, "b", "api"));
  inv.upsert(make_obj(res::kClusterAnalysisTemplates, "", "success-rate"));
  EXPECT_EQ(inv.size(), 4u);
  const Object* d = inv.find("apps", "Deployment", "a", "web");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->doc["metadata"].contains("managedFields"));
  EXPECT_EQ(inv.find("", "Deployment", "a", "web"), nullptr);  // the group must match
  EXPECT_EQ(inv.find("apps", "Deployment", "b", "web"), nullptr);
  EXPECT_NE(inv.find("argoproj.io", "ClusterAnalysisTemplate", "", "success-rate"), nullptr);
  EXPECT_EQ(inv.list("Rollout", "a").size(), 1u);
  EXPECT_EQ(inv.list("Rollout", "*").size(), 2u);
  EXPECT_EQ(inv.list("Rollout", "c").size(), 0u);
  EXPECT_EQ(inv.list("ScaledObject", "*").size(), 0u);

  // A replaced object's old pointer stays readable (retired, not freed).
  json changed = full_deployment();
  changed["spec"]["replicas"] = 7;
  inv.upsert(changed);
  EXPECT_EQ(d->doc["spec"]["replicas"], 0);
  EXPECT_EQ(inv.find("apps", "Deployment", "a", "web")->doc["spec"]["replicas"], 7);
  inv.erase(make_obj(res::kRollouts, "a", "web"));
  EXPECT_EQ(inv.list("Rollout", "*").size(), 1u);
}

TEST(Store, NamespaceModes) {
  ClusterInventory inv;
  for (auto [name, mode] : {std::pair{"e", "enforce"}, {"w", "warn"}, {"o", "off"}, {"x", "bogus"}}) {
    inv.upsert({{"apiVersion", "v1"}, {"kind", "Namespace"},
                {"metadata", {{"name", name}, {"labels", {{"rollout-guard.io/enforce", mode}}}}}});
  }
  inv.upsert({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "plain"}}}});
  EXPECT_EQ(inv.namespace_mode("e"), NamespaceMode::Enforce);
  EXPECT_EQ(inv.namespace_mode("w"), NamespaceMode::Warn);
  EXPECT_EQ(inv.namespace_mode("o"), NamespaceMode::Off);
  EXPECT_EQ(inv.namespace_mode("x"), std::nullopt);
  EXPECT_EQ(inv.namespace_mode("plain"), std::nullopt);
  EXPECT_EQ(inv.namespace_mode("missing"), std::nullopt);
  EXPECT_EQ(inv.namespace_label("x", "rollout-guard.io/enforce"), "bogus");
}

TEST(Store, ConcurrentReadersAndWriter) {
  ClusterInventory inv;
  for (int i = 0; i < 50; ++i) inv.upsert(make_obj(res::kRollouts, "a", "r" + std::to_string(i), {{"replicas", 0}}));
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      inv.upsert(make_obj(res::kRollouts, "a", "r" + std::to_string(i % 50), {{"replicas", i}}));
      if (i % 7 == 0) inv.erase(make_obj(res::kRollouts, "a", "r" + std::to_string((i + 3) % 50)));
    }
    done = true;
  });
  size_t reads = 0;
  do {
    for (const Object* o : inv.list("Rollout", "a")) {
      ASSERT_TRUE(o->doc["spec"]["replicas"].is_number());
      ++reads;
    }
  } while (!done);
  writer.join();
  EXPECT_GT(reads, 0u);
}

// A clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::atomic<std::chrono::steady_clock::rep>> ticks =
      std::make_shared<std::atomic<std::chrono::steady_clock::rep>>(
          std::chrono::steady_clock::now().time_since_epoch().count());
  SteadyClock fn() const {
    auto t = ticks;
    return [t] { return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(t->load())); };
  }
  void advance(std::chrono::seconds s) {
    *ticks += std::chrono::duration_cast<std::chrono::steady_clock::duration>(s).count();
  }
};

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Resource& r : inventory_resources()) {
      if (r.group != "keda.sh") server_.serve(r);  // KEDA is not installed
    }
    client_ = test::client_for(server_);
    opts_.clock = clock_.fn();
    opts_.stale_after = std::chrono::seconds(60);
    opts_.informer.backoff_initial = std::chrono::milliseconds(5);
    opts_.informer.backoff_max = std::chrono::milliseconds(50);
  }
  FakeApiServer server_;
  std::unique_ptr<Client> client_;
  ManualClock clock_;
  ClusterInventoryOptions opts_;
};

TEST_F(CacheTest, SyncsEveryKindAndFollowsChanges) {
  server_.put(res::kDeployments, full_deployment());
  server_.put(res::kRollouts, make_obj(res::kRollouts, "a", "web",
                                       {{"workloadRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "web"}}}}));
  server_.put(res::kNamespaces, {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                 {"metadata", {{"name", "a"}, {"labels", {{"rollout-guard.io/enforce", "warn"}}}}}});
  ClusterInventory inv(opts_);
  EXPECT_FALSE(inv.complete());
  EXPECT_THAT(inv.incomplete_reason(), HasSubstr("not started"));
  server_.fail_next("GET", 2, 500);  // the first lists fail: sync waits for them
  inv.start(*client_);
  ASSERT_TRUE(inv.wait_synced(std::chrono::seconds(5)));
  EXPECT_TRUE(inv.complete()) << inv.incomplete_reason();
  EXPECT_EQ(inv.size(), 3u);
  EXPECT_EQ(inv.namespace_mode("a"), NamespaceMode::Warn);
  const Object* d = inv.find("apps", "Deployment", "a", "web");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->doc["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_FALSE(d->doc.contains("status"));

  bool keda_skipped = false;
  for (const auto& st : inv.state()) {
    if (st.resource == "scaledobjects.keda.sh/v1alpha1") keda_skipped = st.skipped;
  }
  EXPECT_TRUE(keda_skipped);

  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 6; }));
  server_.put(res::kHorizontalPodAutoscalers,
              make_obj(res::kHorizontalPodAutoscalers, "a", "h", {{"scaleTargetRef", {{"kind", "Deployment"}, {"name", "web"}}}}));
  server_.del(res::kRollouts, "a", "web");
  ASSERT_TRUE(eventually([&] {
    return inv.find("autoscaling", "HorizontalPodAutoscaler", "a", "h") && !inv.find("argoproj.io", "Rollout", "a", "web");
  }));
}

TEST_F(CacheTest, TheInitialListIsStrippedPageByPage) {
  // Large objects (a 20 KB last-applied annotation each): the inventory keeps
  // a few hundred bytes of each, and only one page of whole objects exists
  // at any time, whatever the number of pages.
  for (int i = 0; i < 12; ++i) {
    json d = full_deployment();
    d["metadata"]["name"] = "web" + std::to_string(i);
    d["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = std::string(20'000, 'x');
    server_.put(res::kDeployments, d);
  }
  opts_.informer.page_size = 5;
  ClusterInventory inv(opts_);
  std::mutex mu;
  std::vector<int> pages_served;  // how many Deployment pages the server had sent at each stored Deployment
  inv.set_listener([&](std::string_view type, const std::shared_ptr<const Object>& obj) {
    if (type != "ADDED" || obj->kind() != "Deployment") return;
    std::lock_guard<std::mutex> lock(mu);
    pages_served.push_back(server_.list_pages(res::kDeployments));
  });
  inv.start(*client_);
  ASSERT_TRUE(inv.wait_synced(std::chrono::seconds(5)));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(pages_served, (std::vector<int>{1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3}));
  const Object* d = inv.find("apps", "Deployment", "a", "web7");
  ASSERT_NE(d, nullptr);
  EXPECT_LT(d->doc.dump().size(), 1000u);
}

TEST_F(CacheTest, IncompleteBeforeSyncAndWhenStale) {
  server_.fail_next("GET", 1000, 500);
  ClusterInventory inv(opts_);
  inv.start(*client_);
  ASSERT_TRUE(eventually([&] { return server_.resource_version() > 0 && !inv.synced(); }));
  EXPECT_FALSE(inv.complete());
  EXPECT_THAT(inv.incomplete_reason(), HasSubstr("has not finished its initial sync (waiting for rollouts.argoproj.io/v1alpha1"));
  server_.fail_next("GET", 0, 500);
  ASSERT_TRUE(inv.wait_synced(std::chrono::seconds(5)));
  EXPECT_TRUE(inv.complete());

  // Quiet for longer than the bound: stale, and the reason says for how long.
  clock_.advance(std::chrono::seconds(61));
  EXPECT_FALSE(inv.complete());
  EXPECT_THAT(inv.incomplete_reason(), HasSubstr("the cluster inventory is stale: no news from the API server about "));
  EXPECT_THAT(inv.incomplete_reason(), HasSubstr("for 61s (bound 60s)"));

  // Bookmarks on every served resource bring it back (once every watch is open to carry one).
  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 6; }));
  for (const Resource& r : inventory_resources()) {
    if (r.group != "keda.sh") server_.bookmark(r);
  }
  ASSERT_TRUE(eventually([&] { return inv.complete(); })) << inv.incomplete_reason();
}

TEST_F(CacheTest, CountsRestartsAndRelists) {
  ClusterInventory inv(opts_);
  inv.start(*client_);
  ASSERT_TRUE(inv.wait_synced(std::chrono::seconds(5)));
  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 6; }));
  server_.end_watches();
  ASSERT_TRUE(eventually([&] { return inv.restarts() == 6 && server_.open_watches() == 6; }));
  server_.set_http_gone_on_watch(true);
  server_.put(res::kDeployments, full_deployment());
  ASSERT_TRUE(eventually([&] { return inv.find("apps", "Deployment", "a", "web") != nullptr; }));
  server_.compact();
  server_.end_watches();
  ASSERT_TRUE(eventually([&] { return inv.relists() >= 5; }));  // every resource but the one that saw the last write
  EXPECT_NE(inv.find("apps", "Deployment", "a", "web"), nullptr);
}

// Every resource's watch is cut inside an event: half a line, then the
// connection drops without its final chunk. The informer drops the half line
// and resumes from the last event it decoded, so each object put around the
// cut arrives exactly once, and nothing is listed again.
TEST_F(CacheTest, AWatchCutInsideAnEventResumesWithoutLossForEveryResource) {
  ClusterInventory inv(opts_);
  std::mutex mu;
  std::map<std::string, int> added;  // "kind/name" -> ADDED count
  inv.set_listener([&](std::string_view type, const std::shared_ptr<const Object>& obj) {
    std::lock_guard<std::mutex> lock(mu);
    if (type == "ADDED") ++added[std::string(obj->kind()) + "/" + std::string(obj->name())];
  });
  inv.start(*client_);
  ASSERT_TRUE(inv.wait_synced(std::chrono::seconds(5)));
  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 6; }));
  int served = 0;
  for (const Resource& r : inventory_resources()) {
    if (r.group == "keda.sh") continue;
    ++served;
    const std::string ns = r.namespaced ? "a" : "";
    server_.cut_watches(r);
    server_.put(r, make_obj(r, "a", "cut"));     // the event that is cut
    server_.put(r, make_obj(r, "a", "behind"));  // sent after it, or on the next watch
    ASSERT_TRUE(eventually([&] { return inv.find(r.group, r.kind, ns, "cut") && inv.find(r.group, r.kind, ns, "behind"); }))
        << r.str();
    ASSERT_TRUE(eventually([&] { return server_.watches(r) == 2 && server_.open_watches() == 6; })) << r.str();
  }
  EXPECT_EQ(inv.restarts(), static_cast<uint64_t>(served));
  EXPECT_EQ(inv.relists(), 0u);
  EXPECT_TRUE(inv.complete()) << inv.incomplete_reason();
  std::lock_guard<std::mutex> lock(mu);
  for (const Resource& r : inventory_resources()) {
    if (r.group == "keda.sh") continue;
    EXPECT_EQ(added[std::string(r.kind) + "/cut"], 1) << r.str();
    EXPECT_EQ(added[std::string(r.kind) + "/behind"], 1) << r.str();
  }
}

// The service-account token is rotated while every watch is open (the
// kubelet rewrites the projected token file). Open watches carry on; every
// request after the rotation reads the new token, so none is refused. A
// server that stops taking the old token before the file changes refuses
// requests (401) until the file does; then the watches resume, with no relist.
TEST_F(CacheTest, ATokenRotatedDuringTheWatchesIsReadAgainByTheNextRequests) {
  test::TempDir dir;
  server_.set_token("token-one");
  Config c;
  c.server = server_.url();
  c.source = "test";
  c.token_file = std::make_shared<TokenFile>(dir.write("token", "token-one"), std::chrono::milliseconds(0));
  std::unique_ptr<Client> client;
  ASSERT_TRUE(Client::Create(c, &client).ok());
  ClusterInventory inv(opts_);
  inv.start(*client);
  ASSERT_TRUE(inv.wait_synced(std::chrono::seconds(5)));
  ASSERT_TRUE(eventually([&] { return server_.open_watches() == 6; }));
  auto watches = [&] {
    int n = 0;
    for (const Resource& r : inventory_resources()) {
      if (r.group != "keda.sh") n += server_.watches(r);
    }
    return n;
  };

  // The file first, then the server.
  dir.write("token", "token-two-rotated");
  server_.set_token("token-two-rotated");
  server_.put(res::kDeployments, make_obj(res::kDeployments, "a", "during"));
  ASSERT_TRUE(eventually([&] { return inv.find("apps", "Deployment", "a", "during") != nullptr; }));
  server_.end_watches();
  ASSERT_TRUE(eventually([&] { return watches() == 12 && server_.open_watches() == 6; }));
  server_.put(res::kRollouts, make_obj(res::kRollouts, "a", "after"));
  ASSERT_TRUE(eventually([&] { return inv.find("argoproj.io", "Rollout", "a", "after") != nullptr; }));
  EXPECT_EQ(server_.unauthorized(), 0);

  // The server first: refused until the file changes.
  server_.set_token("token-three-rotated-again");
  server_.end_watches();
  ASSERT_TRUE(eventually([&] { return server_.unauthorized() >= 6; }));
  dir.write("token", "token-three-rotated-again");
  server_.put(res::kHorizontalPodAutoscalers, make_obj(res::kHorizontalPodAutoscalers, "a", "late"));
  ASSERT_TRUE(eventually([&] {
    return inv.find("autoscaling", "HorizontalPodAutoscaler", "a", "late") != nullptr && server_.open_watches() == 6;
  }));
  EXPECT_EQ(inv.relists(), 0u);
  EXPECT_TRUE(inv.complete()) << inv.incomplete_reason();
  inv.stop();
}

}  // namespace
}  // namespace rg::kube
