// Leader election against the in-test API server, with a fake clock: the
// state machine is driven one step() at a time, so expiry and deadlines are
// exact and nothing sleeps.
#include "server/kube/leader.h"

#include <gtest/gtest.h>

#include "test/server/kube/test_util.h"

namespace rg::kube {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using ::rg::test::FakeApiServer;

class LeaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.serve(resources::kLeases);
    client_ = test::client_for(server_);
    ASSERT_TRUE(client_);
  }

  // An elector named `id` on lease default/lock, with its own fake clock.
  std::unique_ptr<LeaderElector> make(const std::string& id, steady_clock::time_point* clock, int* started = nullptr,
                                      int* stopped = nullptr) {
    LeaderElectionOptions o;
    o.ns = "default";
    o.name = "lock";
    o.identity = id;
    o.lease_duration = milliseconds(15'000);
    o.renew_deadline = milliseconds(10'000);
    o.retry_period = milliseconds(2'000);
    o.clock = [clock] { return *clock; };
    int wall = 0;
    o.wall_time = [wall]() mutable { return "2026-01-01T00:00:" + std::to_string(10 + (wall++ % 50)) + ".000000Z"; };
    if (started) o.on_started_leading = [started] { ++*started; };
    if (stopped) o.on_stopped_leading = [stopped] { ++*stopped; };
    return std::make_unique<LeaderElector>(*client_, o);
  }

  Lease lease() {
    auto j = server_.object(resources::kLeases, "default", "lock");
    return j ? Lease::from_json(*j) : Lease{};
  }

  FakeApiServer server_;
  std::unique_ptr<Client> client_;
};

TEST_F(LeaderTest, OptionsAreValidated) {
  LeaderElectionOptions o;
  EXPECT_EQ(validate(o), "");
  o.renew_deadline = o.lease_duration;
  EXPECT_NE(validate(o), "");
  o = LeaderElectionOptions{};
  o.retry_period = o.renew_deadline;
  EXPECT_NE(validate(o), "");
  EXPECT_NE(default_identity().find('_'), std::string::npos);
}

TEST_F(LeaderTest, AcquiresAMissingLeaseAndRenewsIt) {
  steady_clock::time_point t{};
  int started = 0, stopped = 0;
  auto a = make("a", &t, &started, &stopped);
  EXPECT_TRUE(a->step());
  EXPECT_TRUE(a->is_leader());
  EXPECT_EQ(started, 1);
  Lease l = lease();
  EXPECT_EQ(l.holder, "a");
  EXPECT_EQ(l.lease_duration_seconds, 15);
  EXPECT_EQ(l.transitions, 0);
  const std::string acquired = l.acquire_time, renewed = l.renew_time;

  t += milliseconds(2'000);
  EXPECT_TRUE(a->step());
  l = lease();
  EXPECT_EQ(l.holder, "a");
  EXPECT_EQ(l.acquire_time, acquired);  // a renewal keeps acquireTime
  EXPECT_NE(l.renew_time, renewed);
  EXPECT_EQ(l.transitions, 0);
  EXPECT_EQ(started, 1);
  EXPECT_EQ(stopped, 0);
}

TEST_F(LeaderTest, AValidLeaseHeldByAnotherIsNotTaken) {
  steady_clock::time_point ta{}, tb{};
  auto a = make("a", &ta);
  auto b = make("b", &tb);
  ASSERT_TRUE(a->step());
  EXPECT_FALSE(b->step());
  EXPECT_EQ(b->holder(), "a");
  // Still valid just before leaseDuration on b's clock, even with a silent.
  tb += milliseconds(14'999);
  EXPECT_FALSE(b->step());
  EXPECT_EQ(lease().holder, "a");
}

TEST_F(LeaderTest, AnExpiredLeaseIsTakenOverAndTheOldLeaderStepsDown) {
  steady_clock::time_point ta{}, tb{};
  int a_stopped = 0, b_started = 0;
  auto a = make("a", &ta, nullptr, &a_stopped);
  auto b = make("b", &tb, &b_started);
  ASSERT_TRUE(a->step());
  EXPECT_FALSE(b->step());  // b starts observing the record now
  tb += milliseconds(15'001);  // a never renewed: expired on b's clock
  EXPECT_TRUE(b->step());
  EXPECT_EQ(b_started, 1);
  Lease l = lease();
  EXPECT_EQ(l.holder, "b");
  EXPECT_EQ(l.transitions, 1);
  // a wakes up (its clock barely moved): it sees b's valid lease and steps down at once.
  ta += milliseconds(2'000);
  EXPECT_FALSE(a->step());
  EXPECT_FALSE(a->is_leader());
  EXPECT_EQ(a_stopped, 1);
  EXPECT_EQ(lease().holder, "b");
}

TEST_F(LeaderTest, ExpiryIsMeasuredOnTheObserversClockNotTheRenewTime) {
  steady_clock::time_point ta{}, tb{};
  auto a = make("a", &ta);
  auto b = make("b", &tb);
  ASSERT_TRUE(a->step());
  EXPECT_FALSE(b->step());
  tb += milliseconds(10'000);
  ta += milliseconds(10'000);
  ASSERT_TRUE(a->step());  // a renews: the record changes
  tb += milliseconds(6'000);  // 16 s since b first saw a, 6 s since the renewal
  EXPECT_FALSE(b->step());
  EXPECT_EQ(lease().holder, "a");
}

TEST_F(LeaderTest, AConflictOnRenewKeepsLeadershipUntilTheRenewDeadline) {
  steady_clock::time_point t{};
  int stopped = 0;
  auto a = make("a", &t, nullptr, &stopped);
  ASSERT_TRUE(a->step());
  server_.fail_next("PUT", 100, 409);
  t += milliseconds(2'000);
  EXPECT_TRUE(a->step());  // renew failed, 2 s < 10 s deadline
  EXPECT_NE(a->last_error().find("409"), std::string::npos) << a->last_error();
  t += milliseconds(7'999);
  EXPECT_TRUE(a->step());
  t += milliseconds(1);  // 10 s without a successful renew
  EXPECT_FALSE(a->step());
  EXPECT_EQ(stopped, 1);
}

TEST_F(LeaderTest, AConcurrentWriteLosesWithConflict) {
  steady_clock::time_point ta{}, tb{};
  auto a = make("a", &ta);
  auto b = make("b", &tb);
  ASSERT_TRUE(a->step());
  ASSERT_TRUE(a->release());
  // b and a race for the released lease: a's write lands first, b's stale PUT gets 409.
  Lease stale = lease();
  ASSERT_TRUE(a->step());
  stale.holder = "b";
  Lease out;
  ApiStatus s = client_->update_lease(stale, &out);
  EXPECT_TRUE(s.conflict()) << s.message();
  EXPECT_FALSE(b->step());
  EXPECT_EQ(lease().holder, "a");
}

TEST_F(LeaderTest, ReleaseLetsAnotherTakeOverAtOnce) {
  steady_clock::time_point ta{}, tb{};
  int a_stopped = 0;
  auto a = make("a", &ta, nullptr, &a_stopped);
  auto b = make("b", &tb);
  ASSERT_TRUE(a->step());
  EXPECT_FALSE(b->step());
  EXPECT_TRUE(a->release());
  EXPECT_FALSE(a->is_leader());
  EXPECT_EQ(a_stopped, 1);
  Lease l = lease();
  EXPECT_EQ(l.holder, "");
  EXPECT_EQ(l.lease_duration_seconds, 1);
  EXPECT_TRUE(b->step());  // no waiting for expiry: the holder is empty
  l = lease();
  EXPECT_EQ(l.holder, "b");
  EXPECT_EQ(l.transitions, 1);
}

TEST_F(LeaderTest, ReleaseOfALeaseNoLongerOursChangesNothing) {
  steady_clock::time_point ta{}, tb{};
  auto a = make("a", &ta);
  auto b = make("b", &tb);
  ASSERT_TRUE(a->step());
  EXPECT_FALSE(b->step());
  tb += milliseconds(16'000);
  ASSERT_TRUE(b->step());
  EXPECT_TRUE(a->release());  // a still thinks it leads; the lease is b's
  EXPECT_EQ(lease().holder, "b");
}

TEST_F(LeaderTest, ApiErrorsStepDownAfterTheDeadline) {
  steady_clock::time_point t{};
  auto a = make("a", &t);
  ASSERT_TRUE(a->step());
  server_.fail_next("GET", 100, 500);
  for (int i = 0; i < 4; ++i) {
    t += milliseconds(2'000);
    EXPECT_TRUE(a->step()) << i;
  }
  t += milliseconds(2'000);
  EXPECT_FALSE(a->step());
  server_.fail_next("GET", 0, 500);
  t += milliseconds(2'000);
  EXPECT_TRUE(a->step());  // the lease is still ours: campaign again and win
}

TEST_F(LeaderTest, TheLoopAcquiresAndStopReleases) {
  LeaderElectionOptions o;
  o.name = "loop";
  o.identity = "looper";
  o.lease_duration = milliseconds(1'000);
  o.renew_deadline = milliseconds(700);
  o.retry_period = milliseconds(50);
  LeaderElector e(*client_, o);
  e.start();
  EXPECT_TRUE(test::eventually([&] { return e.is_leader(); }));
  e.stop();
  EXPECT_FALSE(e.is_leader());
  auto j = server_.object(resources::kLeases, "default", "loop");
  ASSERT_TRUE(j);
  EXPECT_EQ(Lease::from_json(*j).holder, "");
}

}  // namespace
}  // namespace rg::kube
