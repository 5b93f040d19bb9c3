// `rollout-guard serve`: the admission webhook over HTTPS.
//
// Threads: the main thread waits for SIGTERM/SIGINT; one thread runs the
// HTTPS accept loop (workers come from the server's pool); one thread polls
// the certificate and policy files once a second and reloads them (and logs
// the cluster inventory's sync and staleness). With --inventory=cluster, one
// informer thread per watched resource keeps the inventory in step.
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "certs/base64.h"
#include "certs/certs.h"
#include "policy/policy.h"
#include "server/cli/commands.h"
#include "server/cli/flags.h"
#include "server/cli/inputs.h"
#include "server/cli/program.h"
#include "server/kube/cache.h"
#include "server/kube/client.h"
#include "server/kube/config.h"
#include "server/webhook/cluster_view.h"
#include "server/webhook/log.h"
#include "server/webhook/metrics.h"
#include "server/webhook/self_certs.h"
#include "server/webhook/server.h"
#include "server/webhook/tls.h"

namespace rg::cli {

namespace {

using webhook::log_json;
using Clock = std::chrono::steady_clock;

struct ServeFlags {
  std::string listen = "0.0.0.0:8443";
  std::string policy_file;
  std::string cert_file, key_file;
  bool dev_self_signed = false;
  std::vector<std::string> dns_names;
  std::string cert_dir;
  std::string log_level = "info";
  std::string shutdown_grace = "15s";
  std::string drain_delay = "3s";
  std::string read_timeout = "10s", write_timeout = "10s", keep_alive_timeout = "30s";
  size_t keep_alive_max = 100000;
  size_t max_connections = 256;
  size_t max_queued_connections = 128;
  std::string health_listen;
  std::string client_ca_file;
  size_t max_body_bytes = 3u << 20;
  // Cluster inventory.
  std::string inventory = "none";  // none | cluster
  std::string kubeconfig, context, ns;
  std::string stale_after = "6m";
  // Self-managed certificates.
  std::string certs_secret, certs_ns, certs_service, certs_validating, certs_mutating, certs_lease;
  std::string certs_ca_validity = "8760h", certs_validity = "2160h", certs_overlap = "1m", certs_sync_period = "10s";
};

std::string make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/rollout-guard-certs-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return "";
  return tmpl;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "%s serve: %s\n", program_name().c_str(), msg.c_str());
  return 2;
}

// Polls the certificate and policy files; reloads what changed. A bad file
// keeps the last good value; the error is logged and counted once per change.
// The watchers are built before the first load, and every poll takes the
// files' signatures before reading them: a file swapped while it is read is
// read again at the next poll (certs::FileWatcher).
class Reloader {
 public:
  Reloader(const ServeFlags& f, certs::FileWatcher cert_watch, certs::FileWatcher policy_watch,
           webhook::CertStore* certs, webhook::PolicyStore* policies, webhook::Metrics* metrics)
      : flags_(f),
        certs_(certs),
        policies_(policies),
        metrics_(metrics),
        cert_watch_(std::move(cert_watch)),
        policy_watch_(std::move(policy_watch)) {
    if (auto pair = certs_->get()) metrics_->set_cert_expiry(pair->not_after_unix());
  }

  void poll() {
    certs::FileWatcher::Snapshot now = cert_watch_.snapshot();
    if (cert_watch_.changed(now)) {
      std::shared_ptr<const certs::KeyPair> pair;
      Status st = certs::load_key_pair(flags_.cert_file, flags_.key_file, &pair);
      if (st.ok()) {
        cert_watch_.accept(std::move(now));
        certs_->set(pair);
        metrics_->cert_reload(true);
        metrics_->set_cert_expiry(pair->not_after_unix());
        cert_error_.clear();
        log_json(spdlog::level::info, "serving certificate reloaded",
                 {{"subject", pair->subject()}, {"serial", pair->serial_hex()}, {"not_after", pair->not_after()}});
      } else if (st.message() != cert_error_) {
        // Not accepted: a rotation that replaced one file of two is retried next poll.
        cert_error_ = st.message();
        metrics_->cert_reload(false);
        log_json(spdlog::level::err, "serving certificate reload failed; keeping the previous one",
                 {{"error", st.message()}});
      }
    }
    if (flags_.policy_file.empty()) return;
    now = policy_watch_.snapshot();
    if (policy_watch_.changed(now)) {
      policy_watch_.accept(std::move(now));
      auto p = std::make_shared<Policy>();
      std::string error;
      const bool ok = load_policy_file(flags_.policy_file, kMaxPolicyFileBytes, p.get(), &error);
      metrics_->policy_reload(ok);
      if (ok) {
        policies_->set(std::move(p));
        log_json(spdlog::level::info, "policy reloaded", {{"file", flags_.policy_file}});
      } else {
        log_json(spdlog::level::err, "policy reload failed; keeping the last good policy",
                 {{"file", flags_.policy_file}, {"error", error}});
      }
    }
  }

 private:
  const ServeFlags& flags_;
  webhook::CertStore* certs_;
  webhook::PolicyStore* policies_;
  webhook::Metrics* metrics_;
  certs::FileWatcher cert_watch_, policy_watch_;
  std::string cert_error_;
};

// The durations that are not server options, in milliseconds.
struct ServeDurations {
  long long shutdown_grace_ms = 0, drain_delay_ms = 0, stale_after_ms = 0;
  long long ca_validity_ms = 0, cert_validity_ms = 0, overlap_ms = 0, sync_period_ms = 0;
};

// The --certs-* flags: checked here, the rest (namespace default, names) once the cluster config is read.
Status parse_certs_flags(const ServeFlags& f, ServeDurations* d) {
  if (f.certs_secret.empty()) {
    for (const std::string* v : {&f.certs_ns, &f.certs_service, &f.certs_validating, &f.certs_mutating, &f.certs_lease})
      if (!v->empty()) return Status::Error("the --certs-* flags need --certs-secret");
    return Status::Ok();
  }
  if (f.dev_self_signed || !f.cert_file.empty() || !f.key_file.empty())
    return Status::Error("--certs-secret excludes --dev-self-signed and --tls-cert-file/--tls-private-key-file");
  if (f.certs_service.empty() && f.dns_names.empty())
    return Status::Error("--certs-secret needs --certs-service (or --dns-name) for the serving certificate's names");
  // Lifetimes may be up to 100 years; the other durations stay within 24h.
  constexpr long long kMaxValidityMs = 876'000LL * 3'600'000;
  if (Status st = parse_duration_flag("--certs-ca-validity", f.certs_ca_validity, 3000, &d->ca_validity_ms,
                                      kMaxValidityMs);
      !st.ok())
    return st;
  if (Status st =
          parse_duration_flag("--certs-validity", f.certs_validity, 3000, &d->cert_validity_ms, kMaxValidityMs);
      !st.ok())
    return st;
  if (Status st = parse_duration_flag("--certs-overlap", f.certs_overlap, 0, &d->overlap_ms); !st.ok()) return st;
  if (Status st = parse_duration_flag("--certs-sync-period", f.certs_sync_period, 100, &d->sync_period_ms); !st.ok())
    return st;
  if (d->cert_validity_ms > d->ca_validity_ms)
    return Status::Error("--certs-validity must not exceed --certs-ca-validity (a certificate never outlives its CA)");
  return Status::Ok();
}

// Validates the flags (the log level aside) and turns them into the server's
// options and the durations; an error names the flag.
Status parse_flags(const ServeFlags& f, webhook::ServerOptions* opts, ServeDurations* d) {
  if (!parse_listen(f.listen, &opts->host, &opts->port))
    return Status::Error("--listen must be ADDR:PORT, got " + f.listen);
  long long read_ms = 0, write_ms = 0, idle_ms = 0;
  if (Status st = parse_duration_flag("--shutdown-grace", f.shutdown_grace, 0, &d->shutdown_grace_ms); !st.ok())
    return st;
  if (Status st = parse_duration_flag("--drain-delay", f.drain_delay, 0, &d->drain_delay_ms); !st.ok()) return st;
  if (Status st = parse_duration_flag("--read-timeout", f.read_timeout, 1, &read_ms); !st.ok()) return st;
  if (Status st = parse_duration_flag("--write-timeout", f.write_timeout, 1, &write_ms); !st.ok()) return st;
  if (Status st = parse_duration_flag("--keep-alive-timeout", f.keep_alive_timeout, 1, &idle_ms); !st.ok()) return st;
  opts->read_timeout_seconds = static_cast<int>((read_ms + 999) / 1000);
  opts->write_timeout_seconds = static_cast<int>((write_ms + 999) / 1000);
  opts->keep_alive_timeout_seconds = static_cast<int>((idle_ms + 999) / 1000);
  opts->keep_alive_max_count = std::max<size_t>(1, f.keep_alive_max);
  opts->max_connections = std::max<size_t>(1, f.max_connections);
  opts->max_queued_connections = f.max_queued_connections;
  opts->client_ca_file = f.client_ca_file;
  if (!f.health_listen.empty() && !parse_listen(f.health_listen, &opts->health_host, &opts->health_port))
    return Status::Error("--health-listen must be ADDR:PORT, got " + f.health_listen);
  opts->max_body_bytes = f.max_body_bytes;

  // Cluster inventory: the client and watch cache cross-object rules and namespace labels read.
  if (f.inventory != "none" && f.inventory != "cluster")
    return Status::Error("--inventory must be none or cluster, got " + f.inventory);
  if (f.inventory != "cluster" && !f.ns.empty()) return Status::Error("--namespace needs --inventory=cluster");
  if (f.inventory != "cluster" && f.certs_secret.empty() && (!f.kubeconfig.empty() || !f.context.empty()))
    return Status::Error("--kubeconfig and --context need --inventory=cluster or --certs-secret");
  if (Status st = parse_certs_flags(f, d); !st.ok()) return st;
  return parse_duration_flag("--inventory-stale-after", f.stale_after, 1000, &d->stale_after_ms);
}

// The API server client of --inventory=cluster and --certs-secret, and how it
// was found (for the log). *cfg is the configuration it was made from.
Status connect_to_cluster(const ServeFlags& f, kube::Config* cfg, std::unique_ptr<kube::Client>* client,
                          std::string* source) {
  if (Status st = kube::load_config(f.kubeconfig, f.context, cfg); !st.ok()) return st;
  if (Status st = kube::Client::Create(*cfg, client); !st.ok()) return st;
  *source = cfg->source + " " + cfg->server;
  return Status::Ok();
}

// --certs-secret: the certificate loop of this replica (its own clients; the
// namespace defaults to the configuration's, in-cluster the pod's own).
Status start_self_certs(const ServeFlags& f, const ServeDurations& d, const kube::Config& cfg,
                        webhook::CertStore* store, webhook::Metrics* metrics, std::unique_ptr<kube::Client> clients[2],
                        std::unique_ptr<webhook::SelfCerts>* certs, std::unique_ptr<webhook::SelfCertLoop>* loop) {
  webhook::SelfCertOptions o;
  o.ns = f.certs_ns.empty() ? cfg.default_namespace : f.certs_ns;
  o.secret = f.certs_secret;
  if (!f.certs_service.empty()) {
    o.dns_names.push_back(f.certs_service + "." + o.ns + ".svc");
    o.dns_names.push_back(f.certs_service + "." + o.ns + ".svc.cluster.local");
  }
  for (const std::string& n : f.dns_names) o.dns_names.push_back(n);
  for (const std::string& n : o.dns_names) {
    if (Status st = certs::check_san_name(n); !st.ok()) return Status::Error("serving certificate name: " + st.message());
  }
  o.validating_webhook = f.certs_validating;
  o.mutating_webhook = f.certs_mutating;
  o.policy.ca_validity_seconds = d.ca_validity_ms / 1000;
  o.policy.cert_validity_seconds = d.cert_validity_ms / 1000;
  o.policy.overlap_seconds = (d.overlap_ms + 999) / 1000;
  for (int i = 0; i < 2; ++i) {
    if (Status st = kube::Client::Create(cfg, &clients[i]); !st.ok()) return st;
  }
  kube::LeaderElectionOptions lo;
  lo.ns = o.ns;
  lo.name = f.certs_lease.empty() ? f.certs_secret + "-leader" : f.certs_lease;
  if (std::string why = kube::validate(lo); !why.empty()) return Status::Error("--certs-lease: " + why);
  log_json(spdlog::level::info, "self-managed certificates",
           {{"secret", o.ns + "/" + o.secret},
            {"names", o.dns_names},
            {"lease", lo.name},
            {"validating_webhook", o.validating_webhook},
            {"mutating_webhook", o.mutating_webhook},
            {"ca_validity_s", o.policy.ca_validity_seconds},
            {"validity_s", o.policy.cert_validity_seconds},
            {"overlap_s", o.policy.overlap_seconds}});
  *certs = std::make_unique<webhook::SelfCerts>(*clients[0], std::move(o), store, metrics);
  *loop = std::make_unique<webhook::SelfCertLoop>(certs->get(), *clients[1], std::move(lo),
                                                  std::chrono::milliseconds(d.sync_period_ms));
  (*loop)->start();
  return Status::Ok();
}

// With --dev-self-signed: writes a development CA and serving certificate,
// prints the caBundle, and points f's certificate files at them. Otherwise
// checks that both files are given (or --certs-secret, which needs none).
Status resolve_certificate_files(ServeFlags* f) {
  if (!f->certs_secret.empty()) return Status::Ok();
  if (!f->dev_self_signed) {
    if (f->cert_file.empty() || f->key_file.empty())
      return Status::Error(
          "--tls-cert-file and --tls-private-key-file are required (or --certs-secret for self-managed "
          "certificates, or --dev-self-signed for development)");
    return Status::Ok();
  }
  if (!f->cert_file.empty() || !f->key_file.empty())
    return Status::Error("--dev-self-signed and --tls-cert-file/--tls-private-key-file exclude each other");
  for (const std::string& name : f->dns_names) {
    if (Status st = certs::check_san_name(name); !st.ok()) return Status::Error("--dns-name: " + st.message());
  }
  if (f->cert_dir.empty()) f->cert_dir = make_temp_dir();
  if (f->cert_dir.empty()) return Status::Error("cannot create a temporary directory for --cert-dir");
  certs::DevFiles files;
  certs::Pem ca;
  if (Status st = certs::write_dev_certs(f->cert_dir, f->dns_names, 365, &files, &ca); !st.ok()) return st;
  f->cert_file = files.cert_file;
  f->key_file = files.key_file;
  std::printf("rollout-guard: development certificates in %s (ca.crt, tls.crt, tls.key)\n", files.dir.c_str());
  std::printf("rollout-guard: caBundle for the webhook configuration:\n%s\n", base64_encode(ca.cert).c_str());
  std::fflush(stdout);
  return Status::Ok();
}

Status load_certificate(const ServeFlags& f, webhook::CertStore* store) {
  std::shared_ptr<const certs::KeyPair> pair;
  if (Status st = certs::load_key_pair(f.cert_file, f.key_file, &pair); !st.ok()) return st;
  store->set(pair);
  log_json(spdlog::level::info, "serving certificate loaded",
           {{"subject", pair->subject()}, {"serial", pair->serial_hex()}, {"not_after", pair->not_after()}});
  return Status::Ok();
}

// --policy, or the embedded default policy without it.
Status load_policy(const ServeFlags& f, webhook::PolicyStore* store) {
  auto p = std::make_shared<Policy>();
  if (!f.policy_file.empty()) {
    std::string error;
    if (!load_policy_file(f.policy_file, kMaxPolicyFileBytes, p.get(), &error)) return Status::Error(error);
  }
  store->set(std::move(p));
  return Status::Ok();
}

// Starts the informers of --inventory=cluster and makes the server evaluate with them.
void start_inventory(const ServeFlags& f, const ServeDurations& d, kube::Client& client, webhook::Metrics* metrics,
                     webhook::WebhookServer* server, std::unique_ptr<kube::ClusterInventory>* inventory,
                     std::unique_ptr<webhook::ClusterView>* view) {
  kube::ClusterInventoryOptions io;
  io.stale_after = std::chrono::seconds((d.stale_after_ms + 999) / 1000);
  io.informer.ns = f.ns;
  *inventory = std::make_unique<kube::ClusterInventory>(io);
  *view = std::make_unique<webhook::ClusterView>(inventory->get(), f.ns, metrics->registry());
  server->set_cluster(view->get());
  (*inventory)->start(client);
}

void log_serving(const ServeFlags& f, const webhook::ServerOptions& opts, const webhook::WebhookServer& server,
                 const std::string& kube_source) {
  const bool cluster = f.inventory == "cluster";
  log_json(spdlog::level::info, "serving",
           {{"listen", opts.host + ":" + std::to_string(server.port())},
            {"policy", f.policy_file.empty() ? "(embedded default)" : f.policy_file},
            {"certificate", f.certs_secret.empty() ? f.cert_file : "self-managed in Secret " + f.certs_secret},
            {"health", server.health_port() < 0 ? std::string("(on the HTTPS listener only)")
                                                 : opts.health_host + ":" + std::to_string(server.health_port())},
            {"client_certificates", opts.client_ca_file.empty() ? "not required" : "required: " + opts.client_ca_file},
            {"max_connections", opts.max_connections},
            {"max_queued_connections", opts.max_queued_connections},
            {"max_body_bytes", opts.max_body_bytes},
            {"inventory", cluster ? "cluster: " + kube_source + (f.ns.empty() ? "" : ", namespace " + f.ns) +
                                        "; readyz waits for the initial sync"
                                  : "empty: cross-object rules see no other objects"}});
}

// Once a second until `stop`: reloads the certificate and policy files that
// changed, and logs the inventory's sync and staleness.
void poll_files(Reloader& reloader, webhook::ClusterView* view, const std::atomic<bool>& stop) {
  while (!stop) {
    for (int i = 0; i < 10 && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!stop) reloader.poll();
    if (!stop && view != nullptr) view->poll();
  }
}

// Readyz turns false; requests are served for the drain delay (so endpoints
// and load balancers notice), then the listener closes and in-flight
// requests finish, all within the shutdown grace from t0.
void drain(webhook::WebhookServer& server, const std::atomic<bool>& served_done, int sig, const ServeDurations& d,
           Clock::time_point t0) {
  const auto deadline = t0 + std::chrono::milliseconds(d.shutdown_grace_ms);
  server.begin_drain();
  log_json(spdlog::level::info, "draining: readyz is false; still serving",
           {{"signal", sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "none"},
            {"drain_delay_ms", d.drain_delay_ms},
            {"shutdown_grace_ms", d.shutdown_grace_ms}});
  // Keep serving while endpoints and load balancers notice readyz.
  const auto drain_end = std::min(deadline, t0 + std::chrono::milliseconds(d.drain_delay_ms));
  while (!served_done && Clock::now() < drain_end) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  server.stop();
  log_json(spdlog::level::info, "stopped accepting; finishing in-flight requests", {{"in_flight", server.in_flight()}});
  // Idle keep-alive connections hold a worker until their timeout; once no
  // request is in flight for a moment there is nothing left to wait for.
  int quiet_ticks = 0;
  while (!served_done && Clock::now() < deadline) {
    quiet_ticks = server.in_flight() == 0 ? quiet_ticks + 1 : 0;
    if (quiet_ticks >= 10) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Logs the end and exits: 0 when the server ended with nothing in flight.
int exit_after_drain(const webhook::WebhookServer& server, const std::atomic<bool>& served_done, std::thread& http,
                     Clock::time_point t0) {
  const bool clean = served_done;
  const size_t left = server.in_flight();
  log_json(left == 0 ? spdlog::level::info : spdlog::level::err, "exiting",
           {{"in_flight", left},
            {"idle_connections_closed", !clean},
            {"elapsed_ms", std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()}});
  spdlog::shutdown();
  std::fflush(stdout);
  std::fflush(stderr);
  if (clean) {
    http.join();
    return 0;
  }
  // Worker threads still hold idle keep-alive connections: exiting closes them.
  std::_Exit(left == 0 ? 0 : 1);
}

int run_serve(ServeFlags f) {
  if (!webhook::init_json_log(f.log_level)) return fail("--log-level must be trace, debug, info, warn, error or off");
  webhook::ServerOptions opts;
  ServeDurations durations;
  if (Status st = parse_flags(f, &opts, &durations); !st.ok()) return fail(st.message());
  const bool cluster = f.inventory == "cluster", self_certs = !f.certs_secret.empty();
  kube::Config kube_config;
  std::unique_ptr<kube::Client> kube_client;
  std::string kube_source;
  if (cluster || self_certs) {
    if (Status st = connect_to_cluster(f, &kube_config, &kube_client, &kube_source); !st.ok())
      return fail(st.message());
  }
  if (Status st = resolve_certificate_files(&f); !st.ok()) return fail(st.message());
  // Before the first read: see Reloader. Self-managed certificates come from the Secret instead.
  certs::FileWatcher cert_watch(self_certs ? std::vector<std::string>{} : std::vector<std::string>{f.cert_file, f.key_file});
  webhook::CertStore cert_store;
  if (!self_certs) {
    if (Status st = load_certificate(f, &cert_store); !st.ok()) return fail(st.message());
  }
  certs::FileWatcher policy_watch({f.policy_file});
  webhook::PolicyStore policy_store;
  if (Status st = load_policy(f, &policy_store); !st.ok()) return fail(st.message());

  // Signals are taken by the main thread only: block them before any thread starts.
  const sigset_t sigs = block_shutdown_signals();
  webhook::Metrics metrics;
  Reloader reloader(f, std::move(cert_watch), std::move(policy_watch), &cert_store, &policy_store, &metrics);
  webhook::WebhookServer server(opts, &cert_store, &policy_store, &metrics);
  std::string error;
  if (!server.bind(&error)) return fail(error);
  // Declared after the server, so destroyed before it: informers stop first.
  std::unique_ptr<kube::ClusterInventory> inventory;
  std::unique_ptr<webhook::ClusterView> view;
  if (cluster) start_inventory(f, durations, *kube_client, &metrics, &server, &inventory, &view);
  std::unique_ptr<kube::Client> cert_clients[2];
  std::unique_ptr<webhook::SelfCerts> self_cert_state;
  std::unique_ptr<webhook::SelfCertLoop> cert_loop;  // declared last: stopped first
  if (self_certs) {
    if (Status st = start_self_certs(f, durations, kube_config, &cert_store, &metrics, cert_clients, &self_cert_state,
                                     &cert_loop);
        !st.ok())
      return fail(st.message());
  }
  metrics.set_ready(server.ready());
  log_serving(f, opts, server, kube_source);

  std::atomic<bool> served_done{false};
  std::thread http([&] {
    server.run();
    served_done = true;
  });
  std::atomic<bool> stop_polling{false};
  std::thread poller([&] { poll_files(reloader, view.get(), stop_polling); });
  // Wait for a signal (or the server ending by itself).
  int sig = 0;
  while (!served_done && (sig = wait_for_shutdown_signal(sigs, 200)) == 0) {
  }
  const auto t0 = Clock::now();
  drain(server, served_done, sig, durations, t0);
  stop_polling = true;
  poller.join();
  if (cert_loop) cert_loop->stop();
  if (inventory) inventory->stop();
  return exit_after_drain(server, served_done, http, t0);
}

}  // namespace

void add_serve_command(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ServeFlags>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the admission webhook (POST /validate, /mutate) over HTTPS");
  cmd->add_option("--listen", f->listen, "ADDR:PORT to listen on")->capture_default_str();
  cmd->add_option("--policy", f->policy_file, "Policy file (YAML/JSON, as for check --policy); reloaded on change");
  cmd->add_option("--tls-cert-file", f->cert_file, "PEM serving certificate (leaf first, then intermediates); reloaded on change");
  cmd->add_option("--tls-private-key-file", f->key_file, "PEM private key of --tls-cert-file; reloaded on change");
  cmd->add_flag("--dev-self-signed", f->dev_self_signed,
                "Generate a development CA and serving certificate (localhost, 127.0.0.1, ::1, --dns-name)");
  cmd->add_option("--dns-name", f->dns_names,
                  "Extra DNS name or IP for --dev-self-signed or --certs-secret (repeatable)");
  cmd->add_option("--cert-dir", f->cert_dir, "Where --dev-self-signed writes ca.crt, tls.crt, tls.key (default: a new temporary directory)");
  cmd->add_option("--log-level", f->log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  cmd->add_option("--shutdown-grace", f->shutdown_grace, "On SIGTERM, exit within this long")->capture_default_str();
  cmd->add_option("--drain-delay", f->drain_delay,
                  "On SIGTERM, keep serving this long with readyz false before closing the listener")
      ->capture_default_str();
  cmd->add_option("--max-connections", f->max_connections,
                  "Worker threads, one per open connection; connections beyond wait for a free worker, and idle "
                  "keep-alive connections are closed to make room")
      ->capture_default_str();
  cmd->add_option("--max-queued-connections", f->max_queued_connections,
                  "Connections that may wait for a worker; more are reset at once")
      ->capture_default_str();
  cmd->add_option("--health-listen", f->health_listen,
                  "ADDR:PORT for plain-HTTP /healthz, /readyz and /metrics on their own small pool (default: off; "
                  "they are always on the HTTPS listener too)");
  cmd->add_option("--client-ca-file", f->client_ca_file,
                  "PEM CA bundle: require every HTTPS client (the apiserver) to present a certificate it signed");
  cmd->add_option("--max-body-bytes", f->max_body_bytes,
                  "Larger request bodies get 413 (and chunked or compressed bodies 411 or 415)")
      ->capture_default_str();
  cmd->add_option("--read-timeout", f->read_timeout,
                  "Total time for a TLS handshake, and for one request's head and body")
      ->capture_default_str();
  cmd->add_option("--write-timeout", f->write_timeout, "Total time to write a response")->capture_default_str();
  cmd->add_option("--keep-alive-timeout", f->keep_alive_timeout, "An idle connection is closed after this long")
      ->capture_default_str();
  cmd->add_option("--keep-alive-max-requests", f->keep_alive_max, "Requests per connection before it is closed")
      ->capture_default_str();
  cmd->add_option("--inventory", f->inventory,
                  "none: cross-object rules see no other objects; cluster: watch the API server (readyz waits "
                  "for the initial sync) for cross-object rules and rollout-guard.io/enforce namespace labels")
      ->capture_default_str();
  cmd->add_option("--kubeconfig", f->kubeconfig,
                  "With --inventory=cluster or --certs-secret: kubeconfig file (default: KUBECONFIG, in-cluster, "
                  "~/.kube/config)");
  cmd->add_option("--context", f->context,
                  "With --inventory=cluster or --certs-secret: kubeconfig context (default: current)");
  cmd->add_option("--namespace", f->ns,
                  "With --inventory=cluster: watch one namespace only; objects elsewhere see an empty inventory");
  cmd->add_option("--certs-secret", f->certs_secret,
                  "Self-managed certificates: the kubernetes.io/tls Secret holding the CA and serving certificate; "
                  "the replica holding --certs-lease creates and renews it and keeps the webhooks' caBundle, every "
                  "replica serves from it (docs/deploy.md)");
  cmd->add_option("--certs-namespace", f->certs_ns,
                  "Namespace of --certs-secret and --certs-lease (default: the kubeconfig's, in-cluster the pod's)");
  cmd->add_option("--certs-service", f->certs_service,
                  "The webhook Service: the serving certificate is for NAME.NAMESPACE.svc and "
                  "NAME.NAMESPACE.svc.cluster.local (and each --dns-name)");
  cmd->add_option("--certs-validating-webhook", f->certs_validating,
                  "ValidatingWebhookConfiguration whose webhooks' caBundle is kept equal to the CA bundle");
  cmd->add_option("--certs-mutating-webhook", f->certs_mutating,
                  "MutatingWebhookConfiguration whose webhooks' caBundle is kept equal to the CA bundle");
  cmd->add_option("--certs-lease", f->certs_lease,
                  "Lease electing the replica that writes the Secret and caBundles (default: SECRET-leader)");
  cmd->add_option("--certs-ca-validity", f->certs_ca_validity, "Lifetime of a CA; renewed after two thirds of it")
      ->capture_default_str();
  cmd->add_option("--certs-validity", f->certs_validity,
                  "Lifetime of a serving certificate; renewed after two thirds of it")
      ->capture_default_str();
  cmd->add_option("--certs-overlap", f->certs_overlap,
                  "How long a new CA is in every caBundle before serving certificates it signs are used")
      ->capture_default_str();
  cmd->add_option("--certs-sync-period", f->certs_sync_period,
                  "How often each replica reads the Secret, and the leader checks it and the caBundles")
      ->capture_default_str();
  cmd->add_option("--inventory-stale-after", f->stale_after,
                  "With --inventory=cluster: a resource without news from the API server for this long makes the "
                  "inventory stale (cross-object denials become warnings); keep it above the 5m watch timeout")
      ->capture_default_str();
  cmd->callback([f, exit_code] { *exit_code = run_serve(*f); });
}

}  // namespace rg::cli
