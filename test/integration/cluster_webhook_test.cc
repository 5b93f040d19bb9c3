// `rollout-guard serve --inventory=cluster` end to end: the real binary over
// TLS, its cluster inventory fed by an in-test API server (fake_apiserver.h)
// through a kubeconfig with token auth. Readiness waits for the initial sync;
// an HPA on a Deployment that a Rollout replaced is denied while the Rollout
// exists (known only through the cache) and allowed once it is deleted;
// namespace labels set the mode; a stale cache turns the denial into a
// warning that says why.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "admission/admission.h"
#include "server/kube/cache.h"
#include "test/integration/serve_process.h"
#include "test/server/kube/test_util.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;
namespace res = kube::resources;

constexpr char kToken[] = "cluster-webhook-token";

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("rg-cw-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void write_file(const fs::path& p, const std::string& data) { std::ofstream(p, std::ios::binary) << data; }

// Polls `done` every 50 ms until it holds or `limit` passes.
bool eventually(std::chrono::milliseconds limit, const std::function<bool()>& done) {
  const auto end = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(50ms);
  }
}

// A running `rollout-guard serve --dev-self-signed --inventory=cluster` on a
// free loopback port; output goes to <dir>/server.log. Killed on destruction.
class Serve {
 public:
  Serve(const fs::path& dir, const fs::path& kubeconfig, std::vector<std::string> extra) : dir_(dir) {
    port_ = test::free_port();
    std::vector<std::string> args = {test::binary_path(), "serve", "--listen", "127.0.0.1:" + std::to_string(port_),
                                     "--dev-self-signed", "--cert-dir", dir.string(), "--inventory=cluster",
                                     "--kubeconfig", kubeconfig.string(), "--log-level", "info",
                                     "--drain-delay", "0s"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = test::spawn(std::move(args), dir_ / "server.log");
  }
  ~Serve() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::string log() const {
    std::ifstream in(dir_ / "server.log", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool alive() { return waitpid(pid_, nullptr, WNOHANG) == 0; }

  // A TLS client that verifies the generated CA; nullptr until it exists.
  std::unique_ptr<httplib::SSLClient> client() const {
    const fs::path ca = dir_ / "ca.crt";
    if (!fs::exists(ca)) return nullptr;
    auto c = std::make_unique<httplib::SSLClient>("localhost", port_);
    c->set_ca_cert_path(ca.c_str());
    c->enable_server_certificate_verification(true);
    c->set_tcp_nodelay(true);
    c->set_connection_timeout(2, 0);
    c->set_read_timeout(10, 0);
    return c;
  }
  // GET path: {status, body}; status 0 while the server is not answering.
  std::pair<int, std::string> get(const std::string& path) const {
    auto c = client();
    if (!c) return {0, ""};
    auto r = c->Get(path.c_str());
    if (!r) return {0, ""};
    return {r->status, r->body};
  }
  // POSTs an AdmissionReview to /validate; the response object, or null.
  json validate(const json& review) const {
    auto c = client();
    if (!c) return nullptr;
    auto r = c->Post("/validate?timeout=10s", review.dump(), "application/json");
    if (!r || r->status != 200) return nullptr;
    return json::parse(r->body, nullptr, false)["response"];
  }
  bool wait_ready(std::chrono::milliseconds limit) {
    return eventually(limit, [&] { return get("/readyz").first == 200; });
  }

 private:
  fs::path dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

json rollout(const std::string& ns, const std::string& name) {
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "Rollout"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"spec",
           {{"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", json::array({{{"name", name}, {"image", "example/" + name + ":1"}}})}}}}},
            {"strategy", {{"canary", {{"steps", json::array({{{"setWeight", 50}}})}}}}}}}};
}

json namespace_object(const std::string& name, const std::string& mode_label) {
  json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
  if (!mode_label.empty()) ns["metadata"]["labels"] = {{"rollout-guard.io/enforce", mode_label}};
  return ns;
}

// The Bookstore HPA review from samples/admission-reviews/ (kubectl-shaped),
// moved to namespace `ns`, and pointed at Deployment `catalog` when
// `at_deployment`: the Deployment a Rollout of the same name replaces.
json hpa_review(const std::string& ns, bool at_deployment) {
  json r = json::parse(test::read_file(test::source_dir() +
                                       "/samples/admission-reviews/good/bookstore-horizontalpodautoscaler-catalog-create.json"));
  static int uid = 0;
  r["request"]["uid"] = "cw-" + std::to_string(++uid);
  r["request"]["namespace"] = ns;
  r["request"]["object"]["metadata"]["namespace"] = ns;
  if (at_deployment) {
    r["request"]["object"]["spec"]["scaleTargetRef"] = {{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                                        {"name", "catalog"}};
  }
  return r;
}

bool denied_by(const json& resp, std::string_view rule) {
  return resp.is_object() && resp.value("allowed", true) == false &&
         resp["status"].value("message", "").rfind(std::string(rule) + ": ", 0) == 0;
}

// The warning of `rule` in an allowed response; "" when none.
std::string warning_of(const json& resp, std::string_view rule) {
  if (!resp.is_object() || resp.value("allowed", false) != true || !resp.contains("warnings")) return "";
  for (const auto& w : resp["warnings"]) {
    std::string s = w.get<std::string>();
    if (s.rfind(std::string(rule) + ": ", 0) == 0) return s;
  }
  return "";
}

bool has_warning_of(const json& resp, std::string_view rule) { return !warning_of(resp, rule).empty(); }

// The value of an unlabelled (or exactly labelled) metric line; -1 when absent.
double metric(const std::string& text, const std::string& series) {
  size_t at = 0;
  while ((at = text.find(series + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + series.size() + 1));
    at += series.size();
  }
  return -1;
}

constexpr std::string_view kReplaced = "replicas/replaced-deployment-target";

class ClusterWebhook : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (const kube::Resource& r : kube::inventory_resources()) api_.serve(r);
    kubeconfig_ = dir_ / "kubeconfig";
    write_file(kubeconfig_, test::kubeconfig_for(api_, kToken));
  }
  std::unique_ptr<Serve> start(std::vector<std::string> extra = {}) {
    return std::make_unique<Serve>(dir_, kubeconfig_, std::move(extra));
  }

  test::FakeApiServer api_{kToken};
  fs::path dir_, kubeconfig_;
};

TEST_F(ClusterWebhook, ReadyAfterSyncThenDeniesAReplacedDeploymentTargetUntilTheRolloutGoes) {
  api_.put(res::kNamespaces, namespace_object("shop", ""));
  api_.put(res::kRollouts, rollout("shop", "catalog"));
  // Every LIST fails until released: the inventory cannot finish its initial sync.
  api_.fail_next("GET", 1 << 30, 500);
  auto serve = start();

  ASSERT_TRUE(eventually(30s, [&] { return serve->get("/readyz").first != 0; })) << serve->log();
  auto [code, body] = serve->get("/readyz");
  EXPECT_EQ(code, 503);
  EXPECT_NE(body.find("not ready: the cluster inventory has not finished its initial sync (waiting for "),
            std::string::npos)
      << body;
  std::string metrics = serve->get("/metrics").second;
  EXPECT_EQ(metric(metrics, "rollout_guard_inventory_synced"), 0) << metrics;
  EXPECT_EQ(metric(metrics, "rollout_guard_ready"), 0);
  // Asked anyway before the sync, the webhook does not deny from a partial cache.
  json early = serve->validate(hpa_review("shop", true));
  ASSERT_TRUE(early.is_object());
  EXPECT_EQ(early["allowed"], true) << early.dump();

  api_.fail_next("GET", 0, 500);
  ASSERT_TRUE(serve->wait_ready(60s)) << serve->get("/readyz").second << serve->log();
  EXPECT_EQ(serve->get("/readyz").second, "ok\n");
  metrics = serve->get("/metrics").second;
  EXPECT_EQ(metric(metrics, "rollout_guard_inventory_synced"), 1) << metrics;
  EXPECT_EQ(metric(metrics, "rollout_guard_inventory_complete"), 1);
  EXPECT_GE(metric(metrics, "rollout_guard_inventory_objects"), 2);
  EXPECT_TRUE(eventually(5s, [&] { return serve->log().find("cluster inventory synced") != std::string::npos; }))
      << serve->log();

  // The Rollout exists only in the cluster: the HPA on its Deployment is denied.
  json denied = serve->validate(hpa_review("shop", true));
  ASSERT_TRUE(denied_by(denied, kReplaced)) << denied.dump();
  EXPECT_EQ(denied["status"]["code"], 403);
  const std::string msg = denied["status"]["message"];
  EXPECT_NE(msg.find("HorizontalPodAutoscaler shop/catalog scales Deployment \"catalog\", which Rollout shop/catalog "
                     "replaces (a Rollout of the same name); scale the Rollout instead"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("Fix: set spec.scaleTargetRef to apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: catalog"),
            std::string::npos)
      << msg;
  // The same review without a cluster inventory is allowed: the cache is why.
  {
    admission::Review rv;
    std::string err;
    ASSERT_TRUE(admission::parse_review(hpa_review("shop", true).dump(), &rv, &err)) << err;
    const Policy policy;
    const EmptyInventory none;
    EXPECT_TRUE(admission::validate(rv, Context{policy, none}).allowed);
  }
  // The HPA that targets the Rollout itself is fine.
  json good = serve->validate(hpa_review("shop", false));
  ASSERT_TRUE(good.is_object());
  EXPECT_EQ(good["allowed"], true) << good.dump();

  // The Rollout is deleted: the watch brings the news and the HPA is allowed.
  ASSERT_TRUE(api_.del(res::kRollouts, "shop", "catalog"));
  json after;
  EXPECT_TRUE(eventually(20s, [&] {
    after = serve->validate(hpa_review("shop", true));
    return after.is_object() && after["allowed"] == true;
  })) << after.dump();
  EXPECT_FALSE(has_warning_of(after, kReplaced)) << after.dump();

  // ... and denied again when it comes back.
  api_.put(res::kRollouts, rollout("shop", "catalog"));
  EXPECT_TRUE(eventually(20s, [&] { return denied_by(serve->validate(hpa_review("shop", true)), kReplaced); }));
}

TEST_F(ClusterWebhook, TheCapturedApiserverHpaReviewIsDeniedWhenItsDeploymentWasReplaced) {
  RG_REQUIRE_CONFORMANCE("admission-reviews");
  // 005: kubectl created HPA default/demo-hpa on Deployment "demo".
  json review = json::parse(test::read_file(test::conformance_dir() +
                                            "/admission-reviews/005-horizontalpodautoscaler-create-denied.json"));
  api_.put(res::kRollouts, rollout("default", "demo"));
  auto serve = start();
  ASSERT_TRUE(serve->wait_ready(60s)) << serve->get("/readyz").second << serve->log();
  json resp = serve->validate(review);
  ASSERT_TRUE(denied_by(resp, kReplaced)) << resp.dump();
  EXPECT_EQ(resp["uid"], review["request"]["uid"]);
  EXPECT_NE(resp["status"]["message"].get<std::string>().find(
                "HorizontalPodAutoscaler default/demo-hpa scales Deployment \"demo\", which Rollout default/demo "
                "replaces"),
            std::string::npos)
      << resp.dump();
}

TEST_F(ClusterWebhook, NamespaceLabelsSetTheModeAndWinOverThePolicyFile) {
  // Every namespace holds Rollout "catalog": the HPA review on Deployment catalog is a denial by default.
  const std::vector<std::pair<std::string, std::string>> namespaces = {
      {"plain", ""}, {"lab-warn", "warn"}, {"lab-off", "off"}, {"lab-enforce", "enforce"}, {"lab-bogus", "bogus"},
      {"file-warn", ""}};
  for (const auto& [ns, label] : namespaces) {
    api_.put(res::kNamespaces, namespace_object(ns, label));
    api_.put(res::kRollouts, rollout(ns, "catalog"));
  }
  // The policy file puts lab-enforce and lab-bogus in warn mode, and file-warn too.
  write_file(dir_ / "policy.yaml",
             "namespaces:\n  lab-enforce: warn\n  lab-bogus: warn\n  file-warn: warn\n");
  auto serve = start({"--policy", (dir_ / "policy.yaml").string()});
  ASSERT_TRUE(serve->wait_ready(60s)) << serve->get("/readyz").second << serve->log();

  EXPECT_TRUE(denied_by(serve->validate(hpa_review("plain", true)), kReplaced));
  // warn: allowed, the finding as a warning.
  json warned = serve->validate(hpa_review("lab-warn", true));
  EXPECT_TRUE(has_warning_of(warned, kReplaced)) << warned.dump();
  // off: allowed, nothing evaluated.
  json off = serve->validate(hpa_review("lab-off", true));
  ASSERT_TRUE(off.is_object());
  EXPECT_EQ(off["allowed"], true) << off.dump();
  EXPECT_FALSE(off.contains("warnings")) << off.dump();
  // The label wins over the policy file's entry.
  EXPECT_TRUE(denied_by(serve->validate(hpa_review("lab-enforce", true)), kReplaced));
  // Without a label the policy file decides.
  EXPECT_TRUE(has_warning_of(serve->validate(hpa_review("file-warn", true)), kReplaced));
  // An invalid value is ignored (the policy file decides), logged once and counted.
  EXPECT_TRUE(has_warning_of(serve->validate(hpa_review("lab-bogus", true)), kReplaced));
  EXPECT_TRUE(has_warning_of(serve->validate(hpa_review("lab-bogus", true)), kReplaced));

  std::string metrics = serve->get("/metrics").second;
  EXPECT_EQ(metric(metrics, "rollout_guard_namespace_label_invalid_total"), 2) << metrics;
  EXPECT_GE(metric(metrics, "rollout_guard_namespace_mode_overrides_total{mode=\"warn\"}"), 1) << metrics;
  EXPECT_GE(metric(metrics, "rollout_guard_namespace_mode_overrides_total{mode=\"off\"}"), 1) << metrics;
  EXPECT_GE(metric(metrics, "rollout_guard_namespace_mode_overrides_total{mode=\"enforce\"}"), 1) << metrics;
  EXPECT_TRUE(eventually(5s, [&] {
    const std::string log = serve->log();
    size_t first = log.find("namespace label ignored");
    return first != std::string::npos && log.find("namespace label ignored", first + 1) == std::string::npos &&
           log.find("\"value\":\"bogus\"") != std::string::npos;
  })) << serve->log();

  // /mutate: a namespace labelled off gets no defaults (warn still gets them).
  auto mutate = [&](const std::string& ns) {
    json r = json::parse(test::read_file(test::source_dir() +
                                         "/samples/admission-reviews/good/bookstore-rollout-catalog-create.json"));
    r["request"]["namespace"] = ns;
    r["request"]["object"]["metadata"]["namespace"] = ns;
    r["request"]["object"]["spec"]["template"]["spec"]["securityContext"].erase("seccompProfile");
    auto c = serve->client();
    auto res = c->Post("/mutate", r.dump(), "application/json");
    return res && res->status == 200 ? json::parse(res->body)["response"] : json(nullptr);
  };
  json patched = mutate("plain");
  ASSERT_TRUE(patched.is_object());
  EXPECT_EQ(patched.value("patchType", ""), "JSONPatch") << patched.dump();
  json skipped = mutate("lab-off");
  ASSERT_TRUE(skipped.is_object());
  EXPECT_EQ(skipped["allowed"], true);
  EXPECT_FALSE(skipped.contains("patch")) << skipped.dump();
  EXPECT_EQ(mutate("lab-enforce").value("patch", ""), patched.value("patch", ""));

  // Relabelling takes effect through the watch: lab-warn -> off, plain -> warn.
  api_.put(res::kNamespaces, namespace_object("lab-warn", "off"));
  api_.put(res::kNamespaces, namespace_object("plain", "warn"));
  EXPECT_TRUE(eventually(20s, [&] {
    json r = serve->validate(hpa_review("lab-warn", true));
    return r.is_object() && r["allowed"] == true && !r.contains("warnings");
  }));
  EXPECT_TRUE(eventually(20s, [&] { return has_warning_of(serve->validate(hpa_review("plain", true)), kReplaced); }));
}

TEST_F(ClusterWebhook, AStaleInventoryTurnsTheDenialIntoAWarningThatSaysWhy) {
  api_.put(res::kRollouts, rollout("s", "catalog"));
  // Nothing happens in this cluster: with a 2 s bound the quiet watches make the cache stale.
  auto serve = start({"--inventory-stale-after", "2s"});
  ASSERT_TRUE(serve->wait_ready(60s)) << serve->get("/readyz").second << serve->log();

  json resp;
  ASSERT_TRUE(eventually(30s, [&] {
    resp = serve->validate(hpa_review("s", true));
    return has_warning_of(resp, kReplaced);
  })) << resp.dump();
  const std::string w = warning_of(resp, kReplaced);
  EXPECT_NE(w.find("Rollout s/catalog replaces"), std::string::npos) << w;
  // Warnings are cut at 256 bytes: the consequence and the cause come first.
  EXPECT_NE(w.find("(a warning, not a denial, while the cluster inventory is stale"), std::string::npos) << w;
  EXPECT_LE(w.size(), 256u);
  // The decision log has the whole reason.
  EXPECT_TRUE(eventually(5s, [&] {
    return serve->log().find("\"inventory_incomplete\":\"the cluster inventory is stale: no news from the API server "
                             "about ") != std::string::npos;
  })) << serve->log();
  // Still ready (denying everything would be worse), and saying why.
  auto [code, body] = serve->get("/readyz");
  EXPECT_EQ(code, 200);
  EXPECT_EQ(body.rfind("ok (the cluster inventory is stale: ", 0), 0u) << body;
  std::string metrics = serve->get("/metrics").second;
  EXPECT_EQ(metric(metrics, "rollout_guard_inventory_complete"), 0) << metrics;
  EXPECT_GE(metric(metrics, "rollout_guard_inventory_staleness_seconds"), 2) << metrics;
  EXPECT_TRUE(eventually(5s, [&] { return serve->log().find("cluster inventory incomplete") != std::string::npos; }))
      << serve->log();

  // News again (bookmarks on every watch): the denial is back.
  std::atomic<bool> stop{false};
  std::thread news([&] {
    while (!stop) {
      for (const kube::Resource& r : kube::inventory_resources()) api_.bookmark(r);
      std::this_thread::sleep_for(200ms);
    }
  });
  EXPECT_TRUE(eventually(30s, [&] { return denied_by(serve->validate(hpa_review("s", true)), kReplaced); }))
      << serve->log();
  EXPECT_EQ(serve->get("/readyz").second, "ok\n");
  stop = true;
  news.join();
  EXPECT_TRUE(eventually(5s, [&] { return serve->log().find("cluster inventory complete again") != std::string::npos; }))
      << serve->log();
}

TEST(ClusterWebhookFlags, InventoryFlagsAreChecked) {
  auto run = [](std::vector<std::string> args) {
    std::string cmd = test::binary_path() + " serve --dev-self-signed --listen 127.0.0.1:0";
    for (auto& a : args) cmd += " " + a;
    cmd += " 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[512];
    while (p != nullptr && fgets(buf, sizeof buf, p) != nullptr) out += buf;
    int st = p != nullptr ? pclose(p) : -1;
    return std::make_pair(WIFEXITED(st) ? WEXITSTATUS(st) : -1, out);
  };
  auto [c1, o1] = run({"--inventory=all"});
  EXPECT_EQ(c1, 2);
  EXPECT_NE(o1.find("--inventory must be none or cluster, got all"), std::string::npos) << o1;
  auto [c2, o2] = run({"--namespace", "x"});
  EXPECT_EQ(c2, 2);
  EXPECT_NE(o2.find("--namespace needs --inventory=cluster"), std::string::npos) << o2;
  auto [c3, o3] = run({"--inventory=cluster", "--kubeconfig", "/nonexistent/kubeconfig"});
  EXPECT_EQ(c3, 2);
  EXPECT_NE(o3.find("/nonexistent/kubeconfig"), std::string::npos) << o3;
}

}  // namespace
}  // namespace rg
