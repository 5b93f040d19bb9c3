// The reconciler's full audit (issue 6: target <= 1 s for 10k objects).
//
//   BM_FullAuditCold  a fresh inventory (objects packed, as after the initial
//                     LIST) audited once: namespaces found, every object of
//                     the five kinds evaluated, every report built and
//                     fingerprinted — Reconciler::reconcile_once()'s work
//                     minus the API requests (audit_namespace, build_report,
//                     report_fingerprint are the functions it calls)
//   BM_FullAuditWarm  the same again on an inventory whose objects are
//                     already unpacked (a re-audit within 30 s)
//   BM_MemoryPerObject the stored bytes per object of this corpus (malloc
//                     in-use growth; see bench/inventory_bench.cc for the
//                     API-server-shaped corpus: ~710 B/object)
// The corpus: samples/bookstore (Rollout, two AnalysisTemplates, HPA) and
// samples/bookstore-keda's ScaledObject in place of the HPA for every other
// app, renamed per app, 100 namespaces, every 10th Rollout privileged (deny
// findings) and 20 ClusterAnalysisTemplates: 10k objects.
#include <malloc.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "manifests/documents.h"
#include "server/kube/cache.h"
#include "server/reconcile/audit.h"
#include "server/reconcile/report.h"

namespace {

using nlohmann::json;

std::vector<json> load(const std::string& file) {
  std::ifstream in(std::string(RG_SOURCE_DIR) + "/samples/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<json> out;
  for (auto& o : rg::load_documents(ss.str(), file).objects) out.push_back(std::move(o.doc));
  return out;
}

std::vector<json> corpus(int n) {
  const std::vector<json> rollout = load("bookstore/rollout.yaml");
  const std::vector<json> templates = load("bookstore/analysis-templates.yaml");
  const std::vector<json> hpa = load("bookstore/hpa.yaml");
  const std::vector<json> keda = load("bookstore-keda/scaledobject.yaml");
  std::vector<json> out;
  for (int c = 0; c < 20; ++c) {
    json t = templates[0];
    t["kind"] = "ClusterAnalysisTemplate";
    t["metadata"] = {{"name", "shared-" + std::to_string(c)}, {"uid", "c-" + std::to_string(c)}};
    out.push_back(std::move(t));
  }
  for (int app = 0; static_cast<int>(out.size()) < n; ++app) {
    const std::string name = "app-" + std::to_string(app), ns = "team-" + std::to_string(app % 100);
    auto place = [&](json o, const std::string& obj_name) {
      o["metadata"]["name"] = obj_name;
      o["metadata"]["namespace"] = ns;
      o["metadata"]["uid"] = ns + "/" + obj_name + "/" + o.value("kind", "");
      out.push_back(std::move(o));
    };
    json r = rollout[0];
    auto& tmpls = r["spec"]["strategy"]["canary"]["steps"][4]["analysis"]["templates"];
    tmpls[0]["templateName"] = name + "-success-rate";
    tmpls[1]["templateName"] = name + "-latency";
    if (app % 10 == 0) r["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = true;
    place(r, name);
    place(templates[0], name + "-success-rate");
    place(templates[1], name + "-latency");
    json scaler = app % 2 == 0 ? hpa[0] : keda[0];
    scaler["spec"]["scaleTargetRef"]["name"] = name;
    place(scaler, name);
  }
  out.resize(n);
  return out;
}

std::unique_ptr<rg::kube::ClusterInventory> inventory_of(const std::vector<json>& objs) {
  auto inv = std::make_unique<rg::kube::ClusterInventory>();
  for (const json& o : objs) inv->upsert(o);
  return inv;
}

struct AuditTotals {
  size_t namespaces = 0, objects = 0, results = 0;
};

// What reconcile_once() does for a full audit, without the API requests.
AuditTotals full_audit(const rg::kube::ClusterInventory& inv, const rg::Policy& policy) {
  std::set<std::string> namespaces{""};
  for (std::string_view kind : rg::reconcile::kAuditedKinds) {
    if (kind == "ClusterAnalysisTemplate") continue;
    for (const rg::Object* o : inv.list(kind, "*")) namespaces.insert(std::string(o->ns()));
  }
  AuditTotals t;
  t.namespaces = namespaces.size();
  for (const std::string& ns : namespaces) {
    auto objs = rg::reconcile::audit_namespace(inv, policy, ns, inv.namespace_mode(ns));
    json report = rg::reconcile::build_report(ns, objs, json(), 1'700'000'000);
    std::string fp = rg::reconcile::report_fingerprint(report);
    benchmark::DoNotOptimize(fp.data());
    t.objects += objs.size();
    t.results += report["results"].size();
  }
  return t;
}

void report_counters(benchmark::State& state, const AuditTotals& t) {
  state.counters["objects"] = static_cast<double>(t.objects);
  state.counters["namespaces"] = static_cast<double>(t.namespaces);
  state.counters["results"] = static_cast<double>(t.results);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(t.objects));
}

void BM_FullAuditCold(benchmark::State& state) {
  const std::vector<json> objs = corpus(static_cast<int>(state.range(0)));
  rg::Policy policy;
  AuditTotals t;
  for (auto _ : state) {
    state.PauseTiming();
    auto inv = inventory_of(objs);
    state.ResumeTiming();
    t = full_audit(*inv, policy);
    state.PauseTiming();
    inv.reset();
    state.ResumeTiming();
  }
  report_counters(state, t);
}
BENCHMARK(BM_FullAuditCold)->Arg(10'000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_FullAuditWarm(benchmark::State& state) {
  const std::vector<json> objs = corpus(static_cast<int>(state.range(0)));
  auto inv = inventory_of(objs);
  rg::Policy policy;
  AuditTotals t = full_audit(*inv, policy);  // unpacks everything
  for (auto _ : state) t = full_audit(*inv, policy);
  report_counters(state, t);
}
BENCHMARK(BM_FullAuditWarm)->Arg(10'000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_MemoryPerObject(benchmark::State& state) {
  const std::vector<json> objs = corpus(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    size_t before = mallinfo2().uordblks;
    auto inv = inventory_of(objs);
    size_t after = mallinfo2().uordblks;
    state.counters["bytes_per_object"] = static_cast<double>(after - before) / static_cast<double>(objs.size());
    full_audit(*inv, rg::Policy{});
    state.counters["bytes_per_object_after_audit"] =
        static_cast<double>(mallinfo2().uordblks - before) / static_cast<double>(objs.size());
  }
}
BENCHMARK(BM_MemoryPerObject)->Arg(10'000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
