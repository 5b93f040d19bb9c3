// `rollout-guard reconcile`: the companion reconciler.
//
// Threads: the main thread waits for SIGTERM/SIGINT and polls the policy file
// once a second; the inventory runs one informer thread per resource; the
// reconciler has its loop thread; the leader elector its own (with its own
// API connection, so renewals never wait behind report writes); /metrics,
// /healthz and /readyz are served plain HTTP on --metrics-listen.
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <httplib.h>

#include "certs/certs.h"
#include "server/cli/commands.h"
#include "server/cli/flags.h"
#include "server/cli/inputs.h"
#include "server/cli/program.h"
#include "server/kube/cache.h"
#include "server/kube/client.h"
#include "server/kube/config.h"
#include "server/kube/leader.h"
#include "server/reconcile/metrics.h"
#include "server/reconcile/reconciler.h"
#include "server/webhook/log.h"
#include "server/webhook/transport.h"

namespace rg::cli {
namespace {

using webhook::log_json;
using Clock = std::chrono::steady_clock;

struct ReconcileFlags {
  std::string kubeconfig, context;
  std::string ns;
  std::string policy_file;
  std::string lease_ns, lease_name = "rollout-guard-reconciler";
  std::string lease_duration = "15s", renew_deadline = "10s", retry_period = "2s";
  std::string identity;
  bool no_leader_elect = false;
  std::string metrics_listen;
  std::string debounce = "200ms";
  std::string sync_timeout = "60s";
  std::string log_level = "info";
  bool once = false;
  bool no_events = false;
};

int fail(const std::string& msg) {
  std::fprintf(stderr, "%s reconcile: %s\n", program_name().c_str(), msg.c_str());
  return 2;
}

// The duration flags, in milliseconds.
struct ReconcileDurations {
  long long lease_ms = 0, renew_ms = 0, retry_ms = 0, debounce_ms = 0, sync_ms = 0;
};

// Validates the flags (the log level aside): the durations, and
// --metrics-listen as host and port.
Status parse_flags(const ReconcileFlags& f, ReconcileDurations* d, std::string* metrics_host, int* metrics_port) {
  if (Status st = parse_duration_flag("--lease-duration", f.lease_duration, 1, &d->lease_ms); !st.ok()) return st;
  if (Status st = parse_duration_flag("--renew-deadline", f.renew_deadline, 1, &d->renew_ms); !st.ok()) return st;
  if (Status st = parse_duration_flag("--retry-period", f.retry_period, 1, &d->retry_ms); !st.ok()) return st;
  if (Status st = parse_duration_flag("--debounce", f.debounce, 0, &d->debounce_ms); !st.ok()) return st;
  if (Status st = parse_duration_flag("--sync-timeout", f.sync_timeout, 1, &d->sync_ms); !st.ok()) return st;
  if (!f.metrics_listen.empty() && !parse_listen(f.metrics_listen, metrics_host, metrics_port))
    return Status::Error("--metrics-listen must be ADDR:PORT, got " + f.metrics_listen);
  return Status::Ok();
}

// Two clients of the same API server: the leader elector has its own
// connection, so renewals never wait behind report writes.
Status connect(const ReconcileFlags& f, kube::Config* config, std::unique_ptr<kube::Client>* client,
               std::unique_ptr<kube::Client>* lease_client) {
  if (Status st = kube::load_config(f.kubeconfig, f.context, config); !st.ok()) return st;
  if (Status st = kube::Client::Create(*config, client); !st.ok()) return st;
  return kube::Client::Create(*config, lease_client);
}

// The Lease (in the pod's namespace unless --lease-namespace), its timing,
// and the identity. Inconsistent timing is an error only when a lease is used.
Status leader_election_options(const ReconcileFlags& f, const ReconcileDurations& d, const kube::Config& config,
                               kube::LeaderElectionOptions* lo) {
  lo->ns = f.lease_ns.empty() ? config.default_namespace : f.lease_ns;
  lo->name = f.lease_name;
  lo->identity = f.identity;
  lo->lease_duration = std::chrono::milliseconds(d.lease_ms);
  lo->renew_deadline = std::chrono::milliseconds(d.renew_ms);
  lo->retry_period = std::chrono::milliseconds(d.retry_ms);
  if (std::string why = kube::validate(*lo); !why.empty() && !f.once && !f.no_leader_elect) return Status::Error(why);
  if (lo->identity.empty()) lo->identity = kube::default_identity();
  return Status::Ok();
}

reconcile::ReconcilerOptions reconciler_options(const ReconcileFlags& f, const ReconcileDurations& d,
                                                const std::string& identity) {
  reconcile::ReconcilerOptions ro;
  ro.debounce = std::chrono::milliseconds(d.debounce_ms);
  ro.instance = identity;
  ro.events = !f.no_events;
  ro.ns = f.ns;
  return ro;
}

void refresh_metrics(reconcile::Metrics& metrics, const kube::ClusterInventory& inventory) {
  metrics.set_inventory(inventory.synced(), inventory.size(), inventory.restarts(), inventory.relists());
}

// Plain HTTP with the webhook's bounded transport: few workers, deadlines, GETs only.
webhook::TransportLimits metrics_transport_limits() {
  webhook::TransportLimits limits;
  limits.max_workers = 4;
  limits.max_queued = 16;
  limits.idle_timeout_ms = limits.read_timeout_ms = limits.write_timeout_ms = 5000;
  return limits;
}

// With --metrics-listen: /metrics, /healthz and /readyz there, served by
// *thread. False when the address cannot be bound.
bool start_metrics_listener(const ReconcileFlags& f, const std::string& host, int port, reconcile::Metrics& metrics,
                            const kube::ClusterInventory& inventory, webhook::Transport& http, std::thread* thread) {
  if (f.metrics_listen.empty()) return true;
  http.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    refresh_metrics(metrics, inventory);
    res.set_content(metrics.render(), "text/plain; version=0.0.4");
  });
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  http.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    if (inventory.synced()) {
      res.set_content("ok\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content(inventory.incomplete_reason() + "\n", "text/plain");
    }
  });
  int bound = port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (bound < 0) return false;
  log_json(spdlog::level::info, "metrics listening", {{"listen", host + ":" + std::to_string(bound)}});
  *thread = std::thread([&http] { http.run(); });
  return true;
}

void stop_metrics_listener(webhook::Transport& http, std::thread& thread) {
  if (!thread.joinable()) return;
  http.shutdown();
  thread.join();
}

void log_starting(const ReconcileFlags& f, const kube::Config& config, const kube::LeaderElectionOptions& lo) {
  log_json(spdlog::level::info, "starting",
           {{"server", config.server}, {"namespace", f.ns.empty() ? "(all)" : f.ns},
            {"policy", f.policy_file.empty() ? "(embedded default)" : f.policy_file}, {"once", f.once},
            {"identity", lo.identity},
            {"lease", f.once || f.no_leader_elect ? "(none)" : lo.ns + "/" + lo.name}});
}

enum class InitialSync { kDone, kTimedOut, kSignalled };

// Waits for every resource's initial LIST, at most sync_ms, or for a signal.
InitialSync wait_for_initial_sync(const kube::ClusterInventory& inventory, const sigset_t& sigs, long long sync_ms) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(sync_ms);
  while (!inventory.synced()) {
    if (Clock::now() > deadline) {
      log_json(spdlog::level::err, "the inventory did not sync in time", {{"reason", inventory.incomplete_reason()}});
      return InitialSync::kTimedOut;
    }
    if (wait_for_shutdown_signal(sigs, 50) != 0) return InitialSync::kSignalled;
  }
  return InitialSync::kDone;
}

// --once: audits everything and writes the reports; true when every write succeeded.
bool audit_once(reconcile::Reconciler& reconciler) {
  reconciler.set_leading(true);
  bool ok = reconciler.reconcile_once();
  reconcile::Reconciler::Stats s = reconciler.stats();
  log_json(ok ? spdlog::level::info : spdlog::level::err, "audit done",
           {{"objects", s.objects_audited}, {"reports_written", s.writes}, {"unchanged", s.unchanged},
            {"deleted", s.deletes}, {"write_errors", s.write_errors}, {"events", s.events}});
  return ok;
}

// Without --no-leader-elect: an elector that makes the reconciler write while
// it holds the lease. With it: the reconciler writes at once, and no elector.
std::unique_ptr<kube::LeaderElector> leader_elector(const ReconcileFlags& f, kube::LeaderElectionOptions lo,
                                                    kube::Client& lease_client, reconcile::Reconciler& reconciler) {
  if (f.no_leader_elect) {
    reconciler.set_leading(true);
    return nullptr;
  }
  lo.on_started_leading = [&reconciler] { reconciler.set_leading(true); };
  lo.on_stopped_leading = [&reconciler] { reconciler.set_leading(false); };
  return std::make_unique<kube::LeaderElector>(lease_client, std::move(lo));
}

// On SIGTERM or SIGINT, before the inventory stops.
void stop_reconciling(int sig, reconcile::Reconciler& reconciler, kube::LeaderElector* elector) {
  log_json(spdlog::level::info, "stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  reconciler.set_leading(false);  // no writes after this point
  reconciler.stop();
  if (elector != nullptr) elector->stop();  // releases the lease: a follower takes over at once
}

// Reloads --policy when the file changed; the reconciler then audits everything again.
void reload_policy_if_changed(const std::string& policy_file, certs::FileWatcher& watch,
                              reconcile::Reconciler& reconciler) {
  if (policy_file.empty() || !watch.changed()) return;
  watch.accept();
  auto p = std::make_shared<Policy>();
  std::string error;
  if (load_policy_file(policy_file, kMaxPolicyFileBytes, p.get(), &error)) {
    reconciler.set_policy(std::move(p));
    log_json(spdlog::level::info, "policy reloaded; auditing everything again", {{"file", policy_file}});
  } else {
    log_json(spdlog::level::err, "policy reload failed; keeping the last good policy",
             {{"file", policy_file}, {"error", error}});
  }
}

int run_reconcile(const ReconcileFlags& f) {
  if (!webhook::init_json_log(f.log_level)) return fail("--log-level must be trace, debug, info, warn, error or off");
  ReconcileDurations d;
  std::string metrics_host;
  int metrics_port = 0;
  if (Status st = parse_flags(f, &d, &metrics_host, &metrics_port); !st.ok()) return fail(st.message());
  // The policy file's signature before its first read: a change in between is seen at the first poll.
  certs::FileWatcher policy_watch({f.policy_file});
  if (!f.policy_file.empty()) policy_watch.accept();
  auto policy = std::make_shared<Policy>();
  if (std::string error; !load_policy_file(f.policy_file, kMaxPolicyFileBytes, policy.get(), &error)) return fail(error);
  kube::Config config;
  std::unique_ptr<kube::Client> client, lease_client;
  if (Status st = connect(f, &config, &client, &lease_client); !st.ok()) return fail(st.message());
  kube::LeaderElectionOptions lo;
  if (Status st = leader_election_options(f, d, config, &lo); !st.ok()) return fail(st.message());

  // Signals are taken by the main thread only: block them before any thread starts.
  const sigset_t sigs = block_shutdown_signals();
  reconcile::Metrics metrics;
  kube::ClusterInventoryOptions io;
  io.informer.ns = f.ns;
  kube::ClusterInventory inventory(io);
  reconcile::Reconciler reconciler(*client, inventory, policy, reconciler_options(f, d, lo.identity), &metrics);
  inventory.set_listener(reconciler.listener());
  webhook::Transport http(nullptr, metrics_transport_limits());
  std::thread http_thread;
  if (!start_metrics_listener(f, metrics_host, metrics_port, metrics, inventory, http, &http_thread))
    return fail("cannot listen on " + f.metrics_listen);
  auto stop_watching = [&] {
    inventory.stop();
    stop_metrics_listener(http, http_thread);
  };
  log_starting(f, config, lo);
  inventory.start(*client);
  // Without --once, a sync that takes too long is waited for in the loop below; readyz stays false.
  const InitialSync sync = wait_for_initial_sync(inventory, sigs, d.sync_ms);
  if (sync == InitialSync::kSignalled || (sync == InitialSync::kTimedOut && f.once)) {
    stop_watching();
    return sync == InitialSync::kSignalled ? 0 : 1;
  }
  if (f.once) {
    const bool ok = audit_once(reconciler);
    stop_watching();
    return ok ? 0 : 1;
  }

  std::unique_ptr<kube::LeaderElector> elector = leader_elector(f, lo, *lease_client, reconciler);
  reconciler.start();
  if (elector) elector->start();
  int sig = 0;
  while ((sig = wait_for_shutdown_signal(sigs, 1000)) == 0) {
    refresh_metrics(metrics, inventory);
    reload_policy_if_changed(f.policy_file, policy_watch, reconciler);
  }
  stop_reconciling(sig, reconciler, elector.get());
  stop_watching();
  log_json(spdlog::level::info, "exiting");
  spdlog::shutdown();
  return 0;
}

}  // namespace

void add_reconcile_command(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ReconcileFlags>();
  CLI::App* cmd = app.add_subcommand(
      "reconcile", "Audit the cluster's Rollouts, AnalysisTemplates and autoscalers into PolicyReports");
  cmd->add_option("--kubeconfig", f->kubeconfig, "kubeconfig file (default: KUBECONFIG, in-cluster, ~/.kube/config)");
  cmd->add_option("--context", f->context, "kubeconfig context (default: the current context)");
  cmd->add_option("--namespace", f->ns, "Watch and audit only this namespace (default: all)");
  cmd->add_option("--policy", f->policy_file, "Policy file (YAML/JSON, as for check --policy); reloaded on change");
  cmd->add_option("--lease-namespace", f->lease_ns, "Namespace of the leader election Lease (default: the pod's)");
  cmd->add_option("--lease-name", f->lease_name, "Name of the leader election Lease")->capture_default_str();
  cmd->add_option("--lease-duration", f->lease_duration, "How long a lease is valid without renewal")->capture_default_str();
  cmd->add_option("--renew-deadline", f->renew_deadline, "The leader steps down when it cannot renew for this long")
      ->capture_default_str();
  cmd->add_option("--retry-period", f->retry_period, "How often to renew, or to try to acquire")->capture_default_str();
  cmd->add_option("--identity", f->identity, "Leader election identity (default: $POD_NAME or host name, _pid)");
  cmd->add_flag("--no-leader-elect", f->no_leader_elect, "Write without a lease (a single replica)");
  cmd->add_option("--metrics-listen", f->metrics_listen, "ADDR:PORT for /metrics, /healthz, /readyz (plain HTTP; default off)");
  cmd->add_option("--debounce", f->debounce, "Changes within this window are audited together")->capture_default_str();
  cmd->add_option("--sync-timeout", f->sync_timeout, "How long to wait for the initial LIST of every resource")
      ->capture_default_str();
  cmd->add_option("--log-level", f->log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  cmd->add_flag("--no-events", f->no_events, "Do not emit Events for new deny findings");
  cmd->add_flag("--once", f->once, "Audit everything once, write the reports, and exit (no leader election)");
  cmd->callback([f, exit_code] { *exit_code = run_reconcile(*f); });
}

}  // namespace rg::cli
