// Two reconcilers in one process, each with its own connections and leader
// elector on one Lease: exactly one writes, and the other takes over when the
// leader stops (releasing the lease) or dies (the lease expires).
#include <gtest/gtest.h>

#include "server/kube/leader.h"
#include "server/reconcile/reconciler.h"
#include "test/server/reconcile/reconcile_util.h"

namespace rg::reconcile {
namespace {

using ::rg::test::bookstore;
using ::rg::test::eventually;
using ::rg::test::FakeApiServer;
using ::rg::test::has_rule;
using ::rg::test::report;
using std::chrono::milliseconds;

struct Replica {
  Replica(FakeApiServer& server, const std::string& id, bool release_on_stop) {
    client = test::client_for(server);
    lease_client = test::client_for(server);
    inventory = std::make_unique<kube::ClusterInventory>();
    ReconcilerOptions o;
    o.debounce = milliseconds(20);
    o.retry_after = milliseconds(100);
    o.instance = id;
    reconciler = std::make_unique<Reconciler>(*client, *inventory, std::make_shared<Policy>(), o);
    inventory->set_listener(reconciler->listener());
    inventory->start(*client);
    reconciler->start();
    kube::LeaderElectionOptions lo;
    lo.ns = "rg";
    lo.name = "reconciler";
    lo.identity = id;
    // Generous against a loaded 2-core machine: a stalled renewal has 1.5 s.
    lo.lease_duration = milliseconds(2'000);
    lo.renew_deadline = milliseconds(1'500);
    lo.retry_period = milliseconds(100);
    lo.release_on_stop = release_on_stop;
    lo.on_started_leading = [this] { reconciler->set_leading(true); };
    lo.on_stopped_leading = [this] { reconciler->set_leading(false); };
    elector = std::make_unique<kube::LeaderElector>(*lease_client, lo);
    elector->start();
  }
  ~Replica() { shutdown(); }
  void shutdown() {
    if (!elector) return;
    elector->stop();
    reconciler->stop();
    inventory->stop();
    elector.reset();
  }
  bool leader() const { return elector && elector->is_leader(); }

  std::unique_ptr<kube::Client> client, lease_client;
  std::unique_ptr<kube::ClusterInventory> inventory;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<kube::LeaderElector> elector;
};

json privileged(json rollout) {
  rollout["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  return rollout;
}

void failover(bool release_on_stop) {
  FakeApiServer server;
  test::serve_all(server);
  auto docs = bookstore("shop");
  test::put_all(server, docs);
  auto a = std::make_unique<Replica>(server, "replica-a", release_on_stop);
  auto b = std::make_unique<Replica>(server, "replica-b", release_on_stop);
  ASSERT_TRUE(eventually([&] { return a->leader() != b->leader(); }, milliseconds(10'000)));
  Replica* leader = a->leader() ? a.get() : b.get();
  Replica* follower = a->leader() ? b.get() : a.get();
  ASSERT_TRUE(eventually([&] { return !report(server, "shop").is_null(); }, milliseconds(10'000)));

  server.put(kube::resources::kRollouts, privileged(docs[0]));
  ASSERT_TRUE(eventually([&] { return has_rule(report(server, "shop"), "pod-security/privileged"); },
                         milliseconds(10'000)));
  // The server stores a report before the writer counts the write: wait for the count too.
  EXPECT_TRUE(eventually([&] { return leader->reconciler->stats().writes >= 2u; }))
      << leader->reconciler->stats().writes << " writes";
  EXPECT_EQ(follower->reconciler->stats().writes, 0u);
  EXPECT_EQ(follower->reconciler->stats().objects_audited, 0u);
  EXPECT_FALSE(follower->leader());
  const std::string leader_id = leader->elector->identity();
  ASSERT_TRUE(eventually([&] { return !test::violation_events(server).empty(); }));
  for (const json& e : test::violation_events(server)) EXPECT_EQ(e["reportingInstance"], leader_id);
  const size_t events = test::violation_events(server).size();

  // The leader goes away.
  const auto t0 = std::chrono::steady_clock::now();
  if (leader == a.get()) a.reset();
  else b.reset();
  ASSERT_TRUE(eventually([&] { return follower->leader(); }, milliseconds(10'000)));
  const auto took = std::chrono::steady_clock::now() - t0;
  if (release_on_stop) {
    EXPECT_LT(took, milliseconds(1'500)) << "a released lease is taken at the next retry";
  } else {
    EXPECT_GE(took, milliseconds(1'000)) << "a dead leader's lease must expire first";
  }
  // The new leader read the old reports: no repeated event; a new finding is written by it.
  json fixed = docs[0];
  server.put(kube::resources::kRollouts, fixed);
  ASSERT_TRUE(eventually([&] { return report(server, "shop")["results"].empty(); }, milliseconds(10'000)));
  EXPECT_TRUE(eventually([&] { return follower->reconciler->stats().writes >= 1u; }))
      << follower->reconciler->stats().writes << " writes by the new leader";
  EXPECT_EQ(test::violation_events(server).size(), events);
  auto lease = server.object(kube::resources::kLeases, "rg", "reconciler");
  ASSERT_TRUE(lease);
  EXPECT_EQ(kube::Lease::from_json(*lease).holder, follower->elector->identity());
  EXPECT_GE(kube::Lease::from_json(*lease).transitions, 1);
}

TEST(Failover, OneLeaderWritesAndAReleasedLeaseIsTakenAtOnce) { failover(true); }
TEST(Failover, ADeadLeadersLeaseIsTakenAfterItExpires) { failover(false); }

}  // namespace
}  // namespace rg::reconcile
