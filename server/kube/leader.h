// Leader election on a coordination.k8s.io/v1 Lease, as client-go's
// leaderelection package does it.
//
// - Acquire: GET the Lease; create it when absent; take it over when its
//   holder is empty (released) or when the record has not changed for
//   leaseDurationSeconds as measured on OUR clock since we last saw it
//   change (client-go's observedTime: no trust in other nodes' clocks).
//   Taking it over sets acquireTime and increments leaseTransitions.
// - Renew: every retry_period the leader writes renewTime (a conditional PUT
//   on the resourceVersion; a 409 means someone else wrote first).
// - Step down: when the lease is seen held by someone else, or when no renew
//   has succeeded for renew_deadline (< lease_duration, so we stop acting
//   before anyone may take over). The elector then campaigns again.
// - Release on stop(): a leader writes an empty holder with
//   leaseDurationSeconds 1 so a follower takes over at once.
//
// Thread safety: start()/stop() from one thread; is_leader()/holder() from
// any. step() and try_acquire_or_renew() are for the loop and for tests
// (never call them while the loop runs). Callbacks run on the elector's
// thread (or the caller of step()/stop()).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "server/kube/client.h"
#include "server/kube/informer.h"

namespace rg::kube {

// $POD_NAME (or the host name) + "_" + the process id.
std::string default_identity();

struct LeaderElectionOptions {
  std::string ns = "default";
  std::string name = "rollout-guard-reconciler";
  std::string identity;                              // "" = default_identity()
  std::chrono::milliseconds lease_duration{15'000};  // written as whole seconds (at least 1)
  std::chrono::milliseconds renew_deadline{10'000};  // must be < lease_duration
  std::chrono::milliseconds retry_period{2'000};     // < renew_deadline
  SteadyClock clock;                                 // expiry arithmetic; steady_clock::now by default
  std::function<std::string()> wall_time;           // Lease timestamps; micro_time_now by default
  std::function<void()> on_started_leading;          // we hold the lease now
  std::function<void()> on_stopped_leading;          // we no longer do (lost, deadline, stop)
  bool release_on_stop = true;                       // false: stop() leaves the lease to expire
};

// "" when the options are consistent, else what is wrong.
std::string validate(const LeaderElectionOptions& o);

class LeaderElector {
 public:
  // The client must outlive the elector. Give it its own Client so renewals
  // never queue behind bulk writes on a shared connection.
  LeaderElector(Client& client, LeaderElectionOptions options);
  ~LeaderElector();  // stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();  // the campaign/renew loop on its own thread
  // Stops the loop; a leader releases the lease (best effort) and gets
  // on_stopped_leading. Idempotent.
  void stop();

  bool is_leader() const { return leader_.load(); }
  const std::string& identity() const { return options_.identity; }
  std::string holder() const;      // the holder last observed ("" when none/unknown)
  std::string last_error() const;  // of the last failed request

  // One tick of the loop: try_acquire_or_renew(), then become leader, stay,
  // or step down (lost / renew deadline passed). Returns is_leader().
  bool step();
  // client-go's tryAcquireOrRenew: one GET, then at most one CREATE or
  // conditional UPDATE. True when we hold the lease afterwards.
  bool try_acquire_or_renew();
  // Gives the lease up when we hold it (empty holder, 1 s duration). True
  // when released (or not ours to release).
  bool release();

 private:
  void run();
  void become_follower(const char* why);
  std::chrono::steady_clock::time_point now() const { return options_.clock(); }

  Client& client_;
  LeaderElectionOptions options_;
  std::atomic<bool> leader_{false};
  // Last observed record and when it changed, on our clock.
  mutable std::mutex mu_;  // guards observed_, last_error_
  std::optional<Lease> observed_;
  std::chrono::steady_clock::time_point observed_time_{};
  std::chrono::steady_clock::time_point last_renew_{};
  bool lost_ = false;  // the last attempt saw a valid lease held by someone else
  std::string last_error_;

  std::thread thread_;
  std::mutex run_mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace rg::kube
