#include "server/kube/leader.h"

#include <unistd.h>

#include <cstdlib>
#include <random>

#include "server/webhook/log.h"

namespace rg::kube {
namespace {

using std::chrono::milliseconds;
using webhook::log_json;

bool same_record(const Lease& a, const Lease& b) {
  return a.holder == b.holder && a.lease_duration_seconds == b.lease_duration_seconds &&
         a.acquire_time == b.acquire_time && a.renew_time == b.renew_time && a.transitions == b.transitions;
}

int whole_seconds(milliseconds d) { return std::max<int>(1, static_cast<int>((d.count() + 999) / 1000)); }

}  // namespace

std::string default_identity() {
  std::string base;
  if (const char* pod = std::getenv("POD_NAME"); pod != nullptr && *pod != '\0') {
    base = pod;
  } else {
    char host[256] = {};
    base = gethostname(host, sizeof host - 1) == 0 && host[0] != '\0' ? host : "rollout-guard";
  }
  return base + "_" + std::to_string(getpid());
}

std::string validate(const LeaderElectionOptions& o) {
  if (o.ns.empty() || o.name.empty()) return "the lease needs a namespace and a name";
  if (o.retry_period.count() <= 0) return "the retry period must be positive";
  if (o.renew_deadline <= o.retry_period) return "the renew deadline must be longer than the retry period";
  if (o.lease_duration <= o.renew_deadline) return "the lease duration must be longer than the renew deadline";
  return "";
}

LeaderElector::LeaderElector(Client& client, LeaderElectionOptions options)
    : client_(client), options_(std::move(options)) {
  if (options_.identity.empty()) options_.identity = default_identity();
  if (!options_.clock) options_.clock = [] { return std::chrono::steady_clock::now(); };
  if (!options_.wall_time) options_.wall_time = [] { return micro_time_now(); };
}

LeaderElector::~LeaderElector() { stop(); }

std::string LeaderElector::holder() const {
  std::lock_guard<std::mutex> lock(mu_);
  return observed_ ? observed_->holder : "";
}

std::string LeaderElector::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

bool LeaderElector::try_acquire_or_renew() {
  const auto t = now();
  const std::string wall = options_.wall_time();
  Lease current;
  ApiStatus s = client_.get_lease(options_.ns, options_.name, &current);
  std::lock_guard<std::mutex> lock(mu_);
  lost_ = false;
  if (s.not_found()) {
    Lease fresh;
    fresh.ns = options_.ns;
    fresh.name = options_.name;
    fresh.holder = options_.identity;
    fresh.lease_duration_seconds = whole_seconds(options_.lease_duration);
    fresh.acquire_time = fresh.renew_time = wall;
    Lease created;
    s = client_.create_lease(fresh, &created);
    if (!s.ok()) {  // 409 AlreadyExists: another candidate was faster
      last_error_ = s.message();
      return false;
    }
    observed_ = created;
    observed_time_ = t;
    return true;
  }
  if (!s.ok()) {
    last_error_ = s.message();
    return false;
  }
  if (!observed_ || !same_record(*observed_, current)) {
    observed_ = current;
    observed_time_ = t;
  } else {
    observed_->resource_version = current.resource_version;
  }
  const bool mine = current.holder == options_.identity;
  if (!current.holder.empty() && !mine) {
    const auto valid_for = std::chrono::seconds(std::max(0, current.lease_duration_seconds));
    if (observed_time_ + valid_for > t) {
      lost_ = true;  // held by someone else and not expired (on our clock)
      return false;
    }
  }
  Lease next = current;
  next.holder = options_.identity;
  next.lease_duration_seconds = whole_seconds(options_.lease_duration);
  next.renew_time = wall;
  if (!mine) {
    next.acquire_time = wall;
    next.transitions = current.transitions + 1;
  }
  Lease updated;
  s = client_.update_lease(next, &updated);
  if (!s.ok()) {  // 409: someone else wrote since our GET
    last_error_ = s.message();
    return false;
  }
  observed_ = updated;
  observed_time_ = t;
  return true;
}

void LeaderElector::become_follower(const char* why) {
  if (!leader_.exchange(false)) return;
  log_json(spdlog::level::warn, "stopped leading",
           {{"lease", options_.ns + "/" + options_.name}, {"identity", options_.identity}, {"why", why},
            {"holder", holder()}, {"error", last_error()}});
  if (options_.on_stopped_leading) options_.on_stopped_leading();
}

bool LeaderElector::step() {
  const bool ok = try_acquire_or_renew();
  const auto t = now();
  if (ok) {
    last_renew_ = t;
    if (!leader_.exchange(true)) {
      log_json(spdlog::level::info, "started leading",
               {{"lease", options_.ns + "/" + options_.name}, {"identity", options_.identity}});
      if (options_.on_started_leading) options_.on_started_leading();
    }
    return true;
  }
  if (leader_.load()) {
    bool lost;
    {
      std::lock_guard<std::mutex> lock(mu_);
      lost = lost_;
    }
    if (lost) become_follower("the lease is held by another identity");
    else if (t - last_renew_ >= options_.renew_deadline) become_follower("no successful renew within the renew deadline");
  }
  return leader_.load();
}

bool LeaderElector::release() {
  if (!leader_.load()) return true;
  Lease current;
  ApiStatus s = client_.get_lease(options_.ns, options_.name, &current);
  bool ok = false;
  if (s.ok() && current.holder == options_.identity) {
    Lease next = current;
    next.holder.clear();
    next.lease_duration_seconds = 1;
    next.acquire_time = next.renew_time = options_.wall_time();
    s = client_.update_lease(next, nullptr);
    ok = s.ok();
  } else if (s.ok()) {
    ok = true;  // no longer ours: nothing to release
  }
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = s.message();
  }
  log_json(ok ? spdlog::level::info : spdlog::level::warn, ok ? "released the lease" : "could not release the lease",
           {{"lease", options_.ns + "/" + options_.name}, {"identity", options_.identity},
            {"error", ok ? "" : s.message()}});
  become_follower("stopping");
  return ok;
}

void LeaderElector::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void LeaderElector::run() {
  std::mt19937_64 rng{std::random_device{}()};
  std::unique_lock<std::mutex> lock(run_mu_);
  while (!stopping_) {
    lock.unlock();
    const bool leading = step();
    lock.lock();
    // Candidates wait retry_period jittered up to 1.2x (client-go's
    // JitterUntil) so they do not all knock at once; the leader renews on time.
    milliseconds wait = options_.retry_period;
    if (!leading) {
      std::uniform_int_distribution<long long> extra(0, options_.retry_period.count() / 5);
      wait += milliseconds(extra(rng));
    }
    cv_.wait_for(lock, wait, [this] { return stopping_; });
  }
}

void LeaderElector::stop() {
  {
    std::lock_guard<std::mutex> lock(run_mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (options_.release_on_stop) release();
  else become_follower("stopping without releasing the lease");
}

}  // namespace rg::kube
