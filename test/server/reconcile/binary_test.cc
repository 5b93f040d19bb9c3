// The real binary: `rollout-guard reconcile --once` against the in-test API
// server through a generated kubeconfig, and two `reconcile` processes with
// one leader and failover on SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "test/server/cli/run_binary.h"
#include "test/server/reconcile/reconcile_util.h"
#include "test/support/child_process.h"

namespace rg::reconcile {
namespace {

using ::rg::test::bookstore;
using ::rg::test::eventually;
using ::rg::test::FakeApiServer;
using ::rg::test::has_rule;
using ::rg::test::report;
using ::rg::test::TempDir;
using std::chrono::milliseconds;

std::string kubeconfig(const TempDir& dir, const FakeApiServer& server) {
  return dir.write("kubeconfig", "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: " +
                                     server.url() +
                                     "\nusers:\n- name: me\n  user:\n    token: test-token\ncontexts:\n- name: fake\n"
                                     "  context:\n    cluster: fake\n    user: me\n    namespace: rg\n"
                                     "current-context: fake\n");
}

json privileged(json rollout) {
  rollout["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = true;
  return rollout;
}

TEST(ReconcileBinary, OnceWritesTheReportsAndExits) {
  FakeApiServer server;
  test::serve_all(server);
  auto docs = bookstore("shop");
  docs[0] = privileged(docs[0]);
  test::put_all(server, docs);
  test::put_all(server, bookstore("clean"));
  TempDir dir;
  std::string cfg = kubeconfig(dir, server);
  auto r = test::run_binary({"reconcile", "--once", "--kubeconfig", cfg}, "", 60);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("\"msg\":\"audit done\""), std::string::npos) << r.err;
  EXPECT_TRUE(has_rule(report(server, "shop"), "pod-security/privileged")) << report(server, "shop").dump(2);
  EXPECT_EQ(report(server, "clean")["summary"]["pass"], 4);
  const size_t events = test::violation_events(server).size();
  EXPECT_GE(events, 1u);

  // Run again: nothing changed, nothing written, no repeated events.
  const int applies = server.applies(resources::kPolicyReports);
  r = test::run_binary({"reconcile", "--once", "--kubeconfig", cfg}, "", 60);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(server.applies(resources::kPolicyReports), applies);
  EXPECT_EQ(test::violation_events(server).size(), events);

  // A policy that turns the rule off: the results go.
  std::string policy = dir.write("policy.yaml", "rules:\n  pod-security/*: off\n");
  r = test::run_binary({"reconcile", "--once", "--kubeconfig", cfg, "--policy", policy}, "", 60);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(has_rule(report(server, "shop"), "pod-security/privileged"));
}

TEST(ReconcileBinary, OneNamespaceLeavesOtherNamespacesReportsAlone) {
  FakeApiServer server;
  test::serve_all(server);
  auto docs = bookstore("shop");
  docs[0] = privileged(docs[0]);
  test::put_all(server, docs);
  test::put_all(server, bookstore("other"));
  json theirs = build_report("elsewhere", {AuditedObject{"argoproj.io/v1alpha1", "Rollout", "elsewhere", "x", "u", {}}},
                             json(), 1);
  server.put(resources::kPolicyReports, theirs);
  TempDir dir;
  auto r = test::run_binary({"reconcile", "--once", "--namespace", "shop", "--kubeconfig", kubeconfig(dir, server)},
                            "", 60);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(has_rule(report(server, "shop"), "pod-security/privileged"));
  EXPECT_TRUE(report(server, "other").is_null());       // not watched, not audited
  EXPECT_FALSE(report(server, "elsewhere").is_null());  // not pruned either
}

TEST(ReconcileBinary, OnceFailsWhenReportsCannotBeWritten) {
  FakeApiServer server;
  for (const kube::Resource& res : kube::inventory_resources()) server.serve(res);  // no PolicyReport CRD
  test::put_all(server, bookstore("shop"));
  TempDir dir;
  auto r = test::run_binary({"reconcile", "--once", "--kubeconfig", kubeconfig(dir, server)}, "", 60);
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("PolicyReport CRDs are not installed"), std::string::npos) << r.err;
}

TEST(ReconcileBinary, UsageErrorsExit2) {
  auto r = test::run_binary({"reconcile", "--kubeconfig", "/nonexistent/kubeconfig", "--once"}, "", 30);
  EXPECT_EQ(r.code, 2) << r.err;
  r = test::run_binary({"reconcile", "--lease-duration", "1s", "--renew-deadline", "2s", "--kubeconfig", "/x"}, "", 30);
  EXPECT_EQ(r.code, 2) << r.err;
}

// A background `rollout-guard reconcile` process; its output goes to a file.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> all = {test::binary_path()};
    all.insert(all.end(), args.begin(), args.end());
    pid_ = test::spawn(std::move(all), log);
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void signal(int sig) { kill(pid_, sig); }
  // The exit code once it exits within `timeout`; -1 otherwise.
  int wait(milliseconds timeout) {
    int status = 0;
    bool done = eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!done) return -1;
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
};

TEST(ReconcileBinary, TwoProcessesOneLeaderAndFailoverOnSigterm) {
  FakeApiServer server;
  test::serve_all(server);
  auto docs = bookstore("shop");
  docs[0] = privileged(docs[0]);
  test::put_all(server, docs);
  TempDir dir;
  std::string cfg = kubeconfig(dir, server);
  auto args = [&](const std::string& id) {
    return std::vector<std::string>{"reconcile",        "--kubeconfig",     cfg,   "--identity", id,
                                    "--lease-duration", "2s",               "--renew-deadline", "1500ms",
                                    "--retry-period",   "100ms",            "--debounce",       "20ms",
                                    "--metrics-listen", "127.0.0.1:0"};
  };
  auto holder = [&] {
    auto l = server.object(kube::resources::kLeases, "rg", "rollout-guard-reconciler");
    return l ? kube::Lease::from_json(*l).holder : std::string();
  };
  Process p1(args("p1"), dir.path() + "/p1.log");
  Process p2(args("p2"), dir.path() + "/p2.log");
  ASSERT_TRUE(eventually([&] { return holder() == "p1" || holder() == "p2"; }, milliseconds(20'000)));
  ASSERT_TRUE(eventually([&] { return has_rule(report(server, "shop"), "pod-security/privileged"); },
                         milliseconds(20'000)));
  const std::string first = holder();
  // /metrics, /healthz and /readyz on the port each process logged.
  for (const char* id : {"p1", "p2"}) {
    int port = 0;
    ASSERT_TRUE(eventually([&] {
      std::string log = test::read_file(dir.path() + "/" + id + ".log");
      size_t at = log.find("\"listen\":\"127.0.0.1:");
      if (at == std::string::npos) return false;
      port = std::atoi(log.c_str() + at + std::string("\"listen\":\"127.0.0.1:").size());
      return port > 0;
    }));
    httplib::Client http("127.0.0.1", port);
    auto ready = http.Get("/readyz");
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->status, 200);
    EXPECT_EQ(http.Get("/healthz")->status, 200);
    auto m = http.Get("/metrics");
    ASSERT_TRUE(m);
    const bool leads = first == id;
    EXPECT_NE(m->body.find(std::string("rollout_guard_reconcile_leader ") + (leads ? "1" : "0")), std::string::npos)
        << m->body;
    EXPECT_NE(m->body.find("rollout_guard_inventory_synced 1"), std::string::npos);
    EXPECT_NE(m->body.find("rollout_guard_watch_restarts_total"), std::string::npos);
    if (leads) {
      EXPECT_TRUE(eventually([&] {
        auto again = http.Get("/metrics");
        return again && again->body.find("rollout_guard_reconcile_findings{action=\"deny\",rule=\"pod-security/privileged\"} 1") !=
                            std::string::npos;
      })) << http.Get("/metrics")->body;
    }
  }
  ASSERT_TRUE(eventually([&] { return !test::violation_events(server).empty(); }));
  for (const json& e : test::violation_events(server)) EXPECT_EQ(e["reportingInstance"], first);
  const size_t events = test::violation_events(server).size();

  Process& leader = first == "p1" ? p1 : p2;
  const std::string second = first == "p1" ? "p2" : "p1";
  leader.signal(SIGTERM);
  EXPECT_EQ(leader.wait(milliseconds(15'000)), 0) << test::read_file(dir.path() + "/" + first + ".log");
  ASSERT_TRUE(eventually([&] { return holder() == second; }, milliseconds(10'000)))
      << test::read_file(dir.path() + "/" + second + ".log");

  // The survivor writes: a second deny finding gets its event from it, the first is not repeated.
  json worse = docs[0];
  worse["spec"]["template"]["spec"]["hostNetwork"] = true;
  server.put(kube::resources::kRollouts, worse);
  ASSERT_TRUE(eventually([&] { return has_rule(report(server, "shop"), "pod-security/hostNamespaces"); },
                         milliseconds(20'000)))
      << test::read_file(dir.path() + "/" + second + ".log");
  ASSERT_TRUE(eventually([&] { return test::violation_events(server).size() == events + 1; }));
  EXPECT_EQ(test::violation_events(server).back()["reportingInstance"], second);
  Process& survivor = first == "p1" ? p2 : p1;
  survivor.signal(SIGTERM);
  EXPECT_EQ(survivor.wait(milliseconds(15'000)), 0);
  EXPECT_EQ(holder(), "");  // released on the way out
}

}  // namespace
}  // namespace rg::reconcile
