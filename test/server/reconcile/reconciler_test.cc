// The reconciler against the in-test API server: reports from the initial
// audit, convergence as objects change, dependents, events, restarts.
#include "server/reconcile/reconciler.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "test/server/reconcile/reconcile_util.h"

namespace rg::reconcile {
namespace {

using ::rg::test::bookstore;
using ::rg::test::eventually;
using ::rg::test::FakeApiServer;
using ::rg::test::find_kind;
using ::rg::test::has_rule;
using ::rg::test::report;
using ::rg::test::rules_of;
using ::rg::test::violation_events;
using std::chrono::milliseconds;

json privileged(json rollout) {
  rollout["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  return rollout;
}

// One reconciler (client, inventory, reconciler) over a server.
struct Instance {
  explicit Instance(FakeApiServer& server, bool start_loop = true,
                    std::chrono::seconds stale_after = kube::ClusterInventoryOptions{}.stale_after) {
    client = test::client_for(server);
    kube::ClusterInventoryOptions io;
    io.stale_after = stale_after;
    inventory = std::make_unique<kube::ClusterInventory>(io);
    ReconcilerOptions o;
    o.debounce = milliseconds(20);
    o.retry_after = milliseconds(100);
    o.instance = "test";
    reconciler = std::make_unique<Reconciler>(*client, *inventory, std::make_shared<Policy>(), o, &metrics);
    inventory->set_listener(reconciler->listener());
    inventory->start(*client);
    if (start_loop) reconciler->start();
  }
  ~Instance() {
    reconciler->stop();
    inventory->stop();
  }
  // Waits until the reconciler has nothing left to do after the server's
  // current state reached the inventory.
  bool settle(FakeApiServer& server) {
    (void)server;
    return eventually([&] { return inventory->synced() && reconciler->idle(); }, milliseconds(10'000));
  }
  Metrics metrics;
  std::unique_ptr<kube::Client> client;
  std::unique_ptr<kube::ClusterInventory> inventory;
  std::unique_ptr<Reconciler> reconciler;
};

class ReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override { test::serve_all(server_); }
  FakeApiServer server_;
};

TEST_F(ReconcilerTest, InitialAuditWritesOneReportPerNamespace) {
  test::put_all(server_, bookstore("good"));
  auto bad = bookstore("bad");
  bad[0] = privileged(bad[0]);
  test::put_all(server_, bad);
  server_.put(kube::resources::kClusterAnalysisTemplates,
              test::make_obj(kube::resources::kClusterAnalysisTemplates, "", "empty", json{{"metrics", json::array()}}));

  Instance in(server_);
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return !report(server_, "good").is_null() && !report(server_, "bad").is_null() &&
                                      !report(server_, "").is_null(); }));
  json good = report(server_, "good");
  EXPECT_EQ(good["kind"], "PolicyReport");
  EXPECT_EQ(good["apiVersion"], "wgpolicyk8s.io/v1alpha2");
  EXPECT_EQ(good["metadata"]["labels"]["app.kubernetes.io/managed-by"], "rollout-guard");
  EXPECT_EQ(good["results"].size(), 0u) << good.dump(2);
  EXPECT_EQ(good["summary"], (json{{"pass", 4}, {"fail", 0}, {"warn", 0}, {"error", 0}, {"skip", 0}}));

  json b = report(server_, "bad");
  ASSERT_TRUE(has_rule(b, "pod-security/privileged", "Rollout", "catalog")) << b.dump(2);
  EXPECT_EQ(b["summary"]["pass"], 3);
  EXPECT_GE(b["summary"]["fail"].get<int>(), 1);
  for (const json& r : b["results"]) {
    EXPECT_EQ(r["policy"], "rollout-guard");
    EXPECT_TRUE(r["result"] == "fail" || r["result"] == "warn");
    EXPECT_EQ(r["severity"], r["result"] == "fail" ? "high" : "medium");
    EXPECT_FALSE(r.value("message", "").empty());
    EXPECT_TRUE(r["timestamp"]["seconds"].is_number_integer());
    const json& res = r["resources"][0];
    EXPECT_EQ(res["apiVersion"], "argoproj.io/v1alpha1");
    EXPECT_EQ(res["namespace"], "bad");
    EXPECT_EQ(res["name"], "catalog");
    EXPECT_EQ(res["uid"], server_.object(kube::resources::kRollouts, "bad", "catalog")->at("metadata").at("uid"));
  }
  json cluster = report(server_, "");
  EXPECT_EQ(cluster["kind"], "ClusterPolicyReport");
  EXPECT_FALSE(cluster["metadata"].contains("namespace"));
  EXPECT_TRUE(has_rule(cluster, "analysis/spec", "ClusterAnalysisTemplate", "empty")) << cluster.dump(2);

  // One event per deny result, regarding the Rollout.
  ASSERT_TRUE(in.settle(server_));
  auto events = violation_events(server_, "catalog");
  EXPECT_EQ(static_cast<int>(events.size()), b["summary"]["fail"].get<int>());
  for (const json& e : events) {
    EXPECT_EQ(e["type"], "Warning");
    EXPECT_EQ(e["regarding"]["kind"], "Rollout");
    EXPECT_EQ(e["metadata"]["namespace"], "bad");
  }
  std::string text = in.metrics.render();
  EXPECT_NE(text.find("rollout_guard_reconcile_findings{action=\"deny\",rule=\"pod-security/privileged\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("rollout_guard_reconcile_leader 1"), std::string::npos);
  EXPECT_EQ(text.find("rollout_guard_reconcile_last_full_audit_timestamp_seconds 0\n"), std::string::npos);
}

TEST_F(ReconcilerTest, ReportsConvergeAsObjectsAreFixedAndDeleted) {
  auto docs = bookstore("shop");
  json rollout = docs[0];
  docs[0] = privileged(rollout);
  test::put_all(server_, docs);
  Instance in(server_);
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return has_rule(report(server_, "shop"), "pod-security/privileged"); }));

  // Fix the Rollout: its results disappear, the summary counts it as a pass.
  server_.put(kube::resources::kRollouts, rollout);
  ASSERT_TRUE(eventually([&] { return report(server_, "shop")["results"].empty(); })) << report(server_, "shop").dump(2);
  EXPECT_EQ(report(server_, "shop")["summary"]["pass"], 4);

  // A warn finding appears (spec.replicas while the HPA scales it) and goes away with the HPA.
  json with_replicas = rollout;
  with_replicas["spec"]["replicas"] = 3;
  server_.put(kube::resources::kRollouts, with_replicas);
  ASSERT_TRUE(eventually([&] { return has_rule(report(server_, "shop"), "replicas/fixed-replicas-with-autoscaler"); }));
  EXPECT_EQ(report(server_, "shop")["results"][0]["result"], "warn");
  server_.del(kube::resources::kHorizontalPodAutoscalers, "shop", "catalog");
  ASSERT_TRUE(eventually([&] { return report(server_, "shop")["results"].empty(); }));
  EXPECT_EQ(report(server_, "shop")["summary"]["pass"], 3);

  // Everything deleted: the report goes too.
  for (const json& d : docs) server_.del(test::resource_of(d), "shop", d["metadata"]["name"]);
  ASSERT_TRUE(eventually([&] { return report(server_, "shop").is_null(); }));
  // The server deletes before the reconciler counts the delete.
  EXPECT_TRUE(eventually([&] { return in.reconciler->stats().deletes >= 1u; }));
}

// While any watched resource has been silent for longer than stale_after,
// the view may be out of date: nothing is written, and what changed is
// audited once every resource is heard from again.
TEST_F(ReconcilerTest, NoReportIsWrittenFromAStaleInventory) {
  auto docs = bookstore("shop");
  const json rollout = docs[0];
  test::put_all(server_, docs);
  Instance in(server_, true, std::chrono::seconds(1));
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return !report(server_, "shop").is_null(); }));
  ASSERT_FALSE(has_rule(report(server_, "shop"), "pod-security/privileged"));
  ASSERT_TRUE(eventually([&] { return !in.inventory->complete(); }, milliseconds(5000)));
  // The informers listed at about the same time; let every one of them go stale, not just the first.
  std::this_thread::sleep_for(milliseconds(1000));
  const uint64_t writes = in.reconciler->stats().writes;
  const uint64_t held = in.reconciler->stats().held;

  // The Rollout changes; its own watch is fresh again, the others are still silent.
  server_.put(kube::resources::kRollouts, privileged(rollout));
  ASSERT_TRUE(eventually([&] { return in.reconciler->stats().held > held; }));
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(in.inventory->complete());
  EXPECT_FALSE(has_rule(report(server_, "shop"), "pod-security/privileged"));
  EXPECT_EQ(in.reconciler->stats().writes, writes);

  // Every resource is heard from (bookmarks): the change is audited.
  std::atomic<bool> stop{false};
  std::thread news([&] {
    while (!stop) {
      for (const kube::Resource& r : kube::inventory_resources()) server_.bookmark(r);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  EXPECT_TRUE(eventually([&] { return has_rule(report(server_, "shop"), "pod-security/privileged"); }))
      << report(server_, "shop").dump(2);
  stop = true;
  news.join();
}

TEST_F(ReconcilerTest, AnAutoscalerIsReauditedWhenTheRolloutReplacingItsTargetAppears) {
  // An HPA on Deployment "catalog", created before any Rollout.
  json hpa = find_kind(bookstore("dep"), "HorizontalPodAutoscaler");
  hpa["spec"]["scaleTargetRef"] = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", "catalog"}};
  server_.put(kube::resources::kHorizontalPodAutoscalers, hpa);
  server_.put(kube::resources::kDeployments, test::make_obj(kube::resources::kDeployments, "dep", "catalog",
                                                            json{{"replicas", 2}}));
  Instance in(server_);
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return !report(server_, "dep").is_null(); }));
  ASSERT_TRUE(in.settle(server_));
  EXPECT_FALSE(has_rule(report(server_, "dep"), "replicas/replaced-deployment-target")) << report(server_, "dep").dump(2);

  // The Rollout of the same name appears: only the HPA changed its findings.
  json rollout = find_kind(bookstore("dep"), "Rollout");
  server_.put(kube::resources::kRollouts, rollout);
  ASSERT_TRUE(eventually([&] {
    return has_rule(report(server_, "dep"), "replicas/replaced-deployment-target", "HorizontalPodAutoscaler", "catalog");
  })) << report(server_, "dep").dump(2);
  // Deny: an event about the HPA.
  ASSERT_TRUE(eventually([&] { return !violation_events(server_, "catalog").empty(); }));
  bool about_hpa = false;
  for (const json& e : violation_events(server_, "catalog")) {
    about_hpa |= e["regarding"]["kind"] == "HorizontalPodAutoscaler" &&
                 e.value("note", "").rfind("replicas/replaced-deployment-target", 0) == 0;
  }
  EXPECT_TRUE(about_hpa);
}

TEST_F(ReconcilerTest, RolloutsAreReauditedWhenAClusterTemplateTheyUseChanges) {
  json rollout = find_kind(bookstore("ct"), "Rollout");
  rollout["spec"]["strategy"]["canary"]["steps"][4]["analysis"]["templates"] =
      json::array({{{"templateName", "shared"}, {"clusterScope", true}}});
  server_.put(kube::resources::kRollouts, rollout);
  Instance in(server_);
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] {
    return has_rule(report(server_, "ct"), "rollout/analysis-template-ref", "Rollout", "catalog");
  })) << report(server_, "ct").dump(2);
  // The ClusterAnalysisTemplate appears: the Rollout in another namespace is audited again.
  json tmpl = find_kind(bookstore("x"), "AnalysisTemplate", "catalog-success-rate");
  tmpl["kind"] = "ClusterAnalysisTemplate";
  tmpl["metadata"] = {{"name", "shared"}};
  server_.put(kube::resources::kClusterAnalysisTemplates, tmpl);
  ASSERT_TRUE(eventually([&] {
    return !has_rule(report(server_, "ct"), "rollout/analysis-template-ref") && !report(server_, "").is_null();
  })) << report(server_, "ct").dump(2);
}

TEST_F(ReconcilerTest, EventsOnlyForNewDenyFindingsAndNoWriteWhenNothingChanged) {
  auto docs = bookstore("ev");
  json clean = docs[0];
  docs[0] = privileged(clean);
  test::put_all(server_, docs);
  Instance in(server_);
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return has_rule(report(server_, "ev"), "pod-security/privileged"); }));
  ASSERT_TRUE(in.settle(server_));
  const size_t events = violation_events(server_).size();
  const int applies = server_.applies(resources::kPolicyReports);
  const auto before = in.reconciler->stats();
  EXPECT_EQ(events, 1u);

  // A change that does not change findings: the namespace is audited, nothing written, no event.
  json tmpl = find_kind(docs, "AnalysisTemplate", "catalog-latency");
  tmpl["metadata"]["labels"] = {{"touched", "yes"}};
  server_.put(kube::resources::kAnalysisTemplates, tmpl);
  ASSERT_TRUE(eventually([&] { return in.reconciler->stats().unchanged > before.unchanged; }));
  ASSERT_TRUE(in.settle(server_));
  EXPECT_EQ(server_.applies(resources::kPolicyReports), applies);
  EXPECT_EQ(violation_events(server_).size(), events);

  // A warn finding is added: the report changes, still no event.
  json warn = privileged(clean);
  warn["spec"]["replicas"] = 3;
  server_.put(kube::resources::kRollouts, warn);
  ASSERT_TRUE(eventually([&] { return has_rule(report(server_, "ev"), "replicas/fixed-replicas-with-autoscaler"); }));
  ASSERT_TRUE(in.settle(server_));
  EXPECT_EQ(violation_events(server_).size(), events);
  // The deny result kept its first timestamp.
  // A second deny finding appears: exactly one more event.
  json worse = warn;
  worse["spec"]["template"]["spec"]["hostNetwork"] = true;
  server_.put(kube::resources::kRollouts, worse);
  ASSERT_TRUE(eventually([&] { return has_rule(report(server_, "ev"), "pod-security/hostNamespaces"); }));
  ASSERT_TRUE(eventually([&] { return violation_events(server_).size() == events + 1; }));
  ASSERT_TRUE(in.settle(server_));
  EXPECT_EQ(violation_events(server_).size(), events + 1);
  EXPECT_NE(violation_events(server_).back()["note"].get<std::string>().find("pod-security/hostNamespaces"),
            std::string::npos);
}

TEST_F(ReconcilerTest, ANewLeaderReadsExistingReportsNoRepeatedEventsAndStaleReportsGo) {
  auto docs = bookstore("keep");
  docs[0] = privileged(docs[0]);
  test::put_all(server_, docs);
  {
    Instance first(server_);
    first.reconciler->set_leading(true);
    ASSERT_TRUE(eventually([&] { return has_rule(report(server_, "keep"), "pod-security/privileged"); }));
    ASSERT_TRUE(first.settle(server_));
  }
  const size_t events = violation_events(server_).size();
  ASSERT_GE(events, 1u);
  const int applies = server_.applies(resources::kPolicyReports);
  // A report left behind for a namespace whose objects are gone.
  json stale = build_report("gone", {AuditedObject{"argoproj.io/v1alpha1", "Rollout", "gone", "x", "u", {}}}, json(), 1);
  server_.put(resources::kPolicyReports, stale);

  Instance second(server_);
  second.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return report(server_, "gone").is_null(); }));
  ASSERT_TRUE(second.settle(server_));
  EXPECT_EQ(violation_events(server_).size(), events);
  EXPECT_EQ(server_.applies(resources::kPolicyReports), applies);  // "keep" unchanged: not written again
  EXPECT_TRUE(has_rule(report(server_, "keep"), "pod-security/privileged"));
}

TEST_F(ReconcilerTest, FollowersDoNotWrite) {
  test::put_all(server_, bookstore("f"));
  Instance in(server_);
  ASSERT_TRUE(eventually([&] { return in.inventory->synced(); }));
  ASSERT_TRUE(in.settle(server_));
  EXPECT_TRUE(report(server_, "f").is_null());
  EXPECT_EQ(in.reconciler->stats().objects_audited, 0u);
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return !report(server_, "f").is_null(); }));
}

TEST_F(ReconcilerTest, AFailedWriteIsRetried) {
  test::put_all(server_, bookstore("retry"));
  server_.fail_next("PATCH", 2, 500);
  Instance in(server_);
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return !report(server_, "retry").is_null(); }));
  EXPECT_GE(in.reconciler->stats().write_errors, 1u);
}

TEST_F(ReconcilerTest, TheNamespaceLabelSetsTheMode) {
  auto docs = bookstore("labelled");
  docs[0] = privileged(docs[0]);
  test::put_all(server_, docs);
  json ns = test::make_obj(kube::resources::kNamespaces, "", "labelled");
  ns["metadata"]["labels"] = {{"rollout-guard.io/enforce", "warn"}};
  server_.put(kube::resources::kNamespaces, ns);
  Instance in(server_);
  in.reconciler->set_leading(true);
  ASSERT_TRUE(eventually([&] { return has_rule(report(server_, "labelled"), "pod-security/privileged"); }));
  // The report is held in a variable: a range-for over a temporary's member
  // would read it after the temporary is gone.
  const json warned = report(server_, "labelled");
  ASSERT_FALSE(warned.at("results").empty());
  for (const json& r : warned.at("results")) EXPECT_EQ(r["result"], "warn") << r.dump();
  // Off: nothing is checked; the objects still count as audited.
  ns["metadata"]["labels"]["rollout-guard.io/enforce"] = "off";
  server_.put(kube::resources::kNamespaces, ns);
  ASSERT_TRUE(eventually([&] { return report(server_, "labelled")["results"].empty(); }));
  EXPECT_TRUE(violation_events(server_).empty());
}

}  // namespace
}  // namespace rg::reconcile
