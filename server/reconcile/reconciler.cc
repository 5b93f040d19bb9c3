#include "server/reconcile/reconciler.h"

#include <algorithm>

#include "policy/rollout_refs.h"
#include "server/reconcile/audit.h"
#include "server/webhook/log.h"

namespace rg::reconcile {
namespace {

using Clock = std::chrono::steady_clock;
using webhook::log_json;

int64_t system_unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double unix_now_precise() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Reconciler::Reconciler(kube::Client& client, const kube::ClusterInventory& inventory,
                       std::shared_ptr<const Policy> policy, ReconcilerOptions options, Metrics* metrics)
    : client_(client), inventory_(inventory), options_(std::move(options)), metrics_(metrics), policy_(std::move(policy)) {
  if (!options_.unix_now) options_.unix_now = system_unix_now;
  if (!policy_) policy_ = std::make_shared<Policy>();
}

Reconciler::~Reconciler() { stop(); }

void Reconciler::mark_dirty_locked(const std::string& ns) {
  if (dirty_.empty() && dirty_cats_.empty()) dirty_since_ = Clock::now();
  dirty_.insert(ns);
}

kube::ChangeListener Reconciler::listener() {
  return [this](std::string_view, const std::shared_ptr<const Object>& obj) {
    if (!obj) return;
    std::string_view kind = obj->kind();
    std::lock_guard<std::mutex> lock(mu_);
    if (kind == "Namespace") {
      mark_dirty_locked(std::string(obj->name()));
    } else if (kind == "ClusterAnalysisTemplate") {
      mark_dirty_locked("");
      dirty_cats_.insert(std::string(obj->name()));
    } else {
      mark_dirty_locked(std::string(obj->ns()));
    }
    cv_.notify_all();
  };
}

void Reconciler::set_policy(std::shared_ptr<const Policy> policy) {
  std::lock_guard<std::mutex> lock(mu_);
  policy_ = std::move(policy);
  full_due_ = true;
  cv_.notify_all();
}

void Reconciler::set_leading(bool leading) {
  std::lock_guard<std::mutex> lock(mu_);
  leading_ = leading;
  if (leading) {
    seeded_ = false;  // read the reports the previous leader left
    full_due_ = true;
  }
  if (metrics_) metrics_->set_leader(leading);
  cv_.notify_all();
}

bool Reconciler::leading() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leading_;
}

Reconciler::Stats Reconciler::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

bool Reconciler::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (busy_) return false;
  return !leading_ || (dirty_.empty() && dirty_cats_.empty() && !full_due_ && seeded_);
}

// Reads every report of ours already in the cluster: their results count as
// reported (no events for them) and their namespaces are audited (a report
// for a namespace with nothing left is deleted).
bool Reconciler::seed_from_cluster() {
  std::map<std::string, json> found;
  for (const kube::Resource* r : {&resources::kPolicyReports, &resources::kClusterPolicyReports}) {
    kube::ListResult list;
    kube::ApiStatus s = client_.list(*r, r->namespaced ? options_.ns : "", &list);
    if (s.not_found()) {
      log_json(spdlog::level::err, "the PolicyReport CRDs are not installed; reports cannot be written",
               {{"resource", r->str()}, {"error", s.message()}});
      continue;
    }
    if (!s.ok()) {
      log_json(spdlog::level::warn, "cannot read the existing reports; retrying", {{"error", s.message()}});
      return false;
    }
    for (json& item : list.items) {
      const json& meta = item.value("metadata", json::object());
      if (!meta.is_object() || meta.value("name", "") != options_.report_name) continue;
      found[r->namespaced ? meta.value("namespace", "") : ""] = std::move(item);
    }
  }
  written_ = std::move(found);
  counts_.clear();
  return true;
}

void Reconciler::emit_events(const json& report, const json& previous) {
  if (!options_.events) return;
  std::set<std::string> before = failing_identities(previous);
  for (const json& r : report["results"]) {
    if (r.value("result", "") != "fail" || before.count(result_identity(r))) continue;
    kube::EventRecord ev;
    ev.regarding = r["resources"][0];
    ev.type = "Warning";
    ev.reason = "PolicyViolation";
    ev.action = "Audit";
    ev.note = r.value("rule", "") + ": " + r.value("message", "");
    if (!options_.instance.empty()) ev.reporting_instance = options_.instance;
    std::string ns = ev.regarding.value("namespace", "");
    kube::ApiStatus s = client_.create_event(ns.empty() ? "default" : ns, ev);
    if (metrics_) metrics_->event(s.ok());
    std::lock_guard<std::mutex> lock(mu_);
    (s.ok() ? stats_.events : stats_.event_errors)++;
    if (!s.ok()) {
      log_json(spdlog::level::warn, "cannot create an event", {{"error", s.message()}, {"rule", r.value("rule", "")}});
    }
  }
}

// Audits one namespace and writes its report when it changed. False when a
// write failed.
bool Reconciler::process(const std::string& ns, const Policy& policy) {
  std::vector<AuditedObject> objs = audit_namespace(inventory_, policy, ns, inventory_.namespace_mode(ns));
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.objects_audited += objs.size();
  }
  if (metrics_) metrics_->audited(objs.size());
  const kube::Resource& res = report_resource(ns);
  auto prev_it = written_.find(ns);
  if (objs.empty()) {
    counts_.erase(ns);
    if (prev_it == written_.end()) return true;
    if (!leading()) return true;
    kube::ApiStatus s = client_.remove(res, ns, options_.report_name);
    if (!s.ok() && !s.not_found()) {
      log_json(spdlog::level::warn, "cannot delete a report", {{"namespace", ns}, {"error", s.message()}});
      if (metrics_) metrics_->report_write("error");
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.write_errors;
      return false;
    }
    written_.erase(prev_it);
    if (metrics_) metrics_->report_write("deleted");
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.deletes;
    return true;
  }
  const json previous = prev_it == written_.end() ? json() : prev_it->second;
  json report = build_report(ns, objs, previous, options_.unix_now(), options_.report_name);
  auto& counts = counts_[ns];
  counts.clear();
  for (const AuditedObject& o : objs) {
    for (const Finding& f : o.findings) ++counts[{f.rule, std::string(action_name(f.action))}];
  }
  if (!previous.is_null() && report_fingerprint(previous) == report_fingerprint(report)) {
    if (metrics_) metrics_->report_write("unchanged");
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.unchanged;
    return true;
  }
  if (!leading()) return true;
  kube::ApiStatus s = client_.apply(res, ns, report, /*force=*/true);
  if (!s.ok()) {
    log_json(spdlog::level::warn, "cannot write a report", {{"namespace", ns}, {"error", s.message()}});
    if (metrics_) metrics_->report_write("error");
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.write_errors;
    return false;
  }
  if (metrics_) metrics_->report_write("ok");
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.writes;
  }
  emit_events(report, previous);
  written_[ns] = std::move(report);
  return true;
}

void Reconciler::publish_findings() {
  if (!metrics_) return;
  std::map<std::pair<std::string, std::string>, int64_t> total;
  for (const auto& [ns, c] : counts_) {
    for (const auto& [k, n] : c) total[k] += n;
  }
  metrics_->set_findings(total);
}

bool Reconciler::reconcile_once() {
  if (options_.wait_for_sync && !inventory_.complete()) {
    // Before the first sync there is nothing to hold back yet; afterwards, say once why reports wait.
    if (!holding_ && inventory_.synced()) {
      holding_ = true;
      log_json(spdlog::level::warn, "the cluster inventory is incomplete; reports wait until it is complete",
               {{"reason", inventory_.incomplete_reason()}});
    }
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.held;
    return false;
  }
  if (holding_) {
    holding_ = false;
    log_json(spdlog::level::info, "the cluster inventory is complete again; auditing what changed meanwhile");
  }
  std::shared_ptr<const Policy> policy;
  std::set<std::string> dirty, cats;
  bool full = false, seed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!leading_) {  // followers keep only the inventory warm
      dirty_.clear();
      dirty_cats_.clear();
      return true;
    }
    policy = policy_;
    seed = !seeded_;
    full = full_due_ || seed;
    dirty.swap(dirty_);
    cats.swap(dirty_cats_);
    full_due_ = false;
    busy_ = true;
    ++stats_.passes;
  }
  struct Done {
    Reconciler* r;
    ~Done() {
      std::lock_guard<std::mutex> lock(r->mu_);
      r->busy_ = false;
    }
  } done{this};
  const auto t0 = Clock::now();
  auto give_back = [&] {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_.insert(dirty.begin(), dirty.end());
    dirty_cats_.insert(cats.begin(), cats.end());
    full_due_ = full_due_ || full;
    retry_at_ = Clock::now() + options_.retry_after;
  };
  if (seed) {
    if (!seed_from_cluster()) {
      give_back();
      return false;
    }
    std::lock_guard<std::mutex> lock(mu_);
    seeded_ = true;
  }
  std::set<std::string> namespaces;
  if (full) {
    namespaces.insert("");
    for (std::string_view kind : kAuditedKinds) {
      if (kind == "ClusterAnalysisTemplate") continue;
      for (const Object* o : inventory_.list(kind, "*")) namespaces.insert(std::string(o->ns()));
    }
    for (const auto& [ns, r] : written_) namespaces.insert(ns);
  } else {
    namespaces = dirty;
    if (!cats.empty()) {  // Rollouts that reference a changed ClusterAnalysisTemplate
      for (const Object* o : inventory_.list("Rollout", "*")) {
        for (const AnalysisTemplateRef& ref : analysis_template_refs(o->doc)) {
          if (ref.cluster_scope && cats.count(ref.name)) {
            namespaces.insert(std::string(o->ns()));
            break;
          }
        }
      }
    }
  }
  std::set<std::string> failed;
  for (const std::string& ns : namespaces) {
    if (!leading()) {  // lost the lease mid-pass: the next leader starts over
      publish_findings();
      return true;
    }
    if (!process(ns, *policy)) failed.insert(ns);
  }
  publish_findings();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (full) {
    if (metrics_) metrics_->full_audit(unix_now_precise(), seconds);
    size_t findings = 0;
    for (const auto& [ns, c] : counts_) {
      for (const auto& [k, n] : c) findings += static_cast<size_t>(n);
    }
    log_json(spdlog::level::info, "full audit",
             {{"namespaces", namespaces.size()}, {"findings", findings}, {"failed_writes", failed.size()},
              {"seconds", seconds}});
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.full_audits;
  }
  if (!failed.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& ns : failed) mark_dirty_locked(ns);
    retry_at_ = Clock::now() + options_.retry_after;
    return false;
  }
  return true;
}

void Reconciler::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      auto work = [this] {
        return leading_ && (full_due_ || !seeded_ || !dirty_.empty() || !dirty_cats_.empty());
      };
      if (!work()) {
        cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping_ || work(); });
        if (!leading_ && !dirty_.empty()) {  // followers drop changes
          dirty_.clear();
          dirty_cats_.clear();
        }
        continue;
      }
      // Batch: wait out the debounce window since the first change, and any retry delay.
      auto until = std::max(dirty_since_ + options_.debounce, retry_at_);
      if (full_due_ || !seeded_) until = retry_at_;
      if (Clock::now() < until) {
        cv_.wait_until(lock, until, [&] { return stopping_; });
        if (stopping_) break;
      }
      lock.unlock();
      bool ok = reconcile_once();
      lock.lock();
      if (!ok && options_.wait_for_sync && !inventory_.complete()) {
        cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_; });
      }
    }
  });
}

void Reconciler::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace rg::reconcile
