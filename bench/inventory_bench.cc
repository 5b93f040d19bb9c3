// The cluster inventory's memory per object and lookup speed.
//
// Memory: 10k synthetic objects shaped like what a real API server returns
// (managedFields, last-applied annotation, status, a realistic pod template),
// fed through upsert() the way the informers do; bytes per object is the
// growth of malloc's in-use bytes (mallinfo2) divided by the object count.
// Target: <= 2 KB per object.
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "server/kube/cache.h"

namespace {

using nlohmann::json;

json managed_fields() {
  return json::array({{{"manager", "kubectl-client-side-apply"},
                       {"operation", "Update"},
                       {"apiVersion", "apps/v1"},
                       {"time", "2026-11-24T01:24:56Z"},
                       {"fieldsType", "FieldsV1"},
                       {"fieldsV1",
                        {{"f:metadata", {{"f:labels", {{".", json::object()}, {"f:app", json::object()}}}}},
                         {"f:spec",
                          {{"f:replicas", json::object()},
                           {"f:selector", json::object()},
                           {"f:template", {{"f:spec", {{"f:containers", json::object()}}}}}}}}}}});
}

json metadata(const std::string& name, const std::string& ns) {
  return {{"name", name},
          {"namespace", ns},
          {"uid", "d1e76f24-fccf-45f9-9480-146b3a374c13"},
          {"resourceVersion", "123456789"},
          {"generation", 3},
          {"creationTimestamp", "2026-11-24T01:24:56Z"},
          {"labels", {{"app", name}, {"team", "payments"}}},
          {"annotations",
           {{"kubectl.kubernetes.io/last-applied-configuration", std::string(900, 'x')},
            {"deployment.kubernetes.io/revision", "4"}}},
          {"managedFields", managed_fields()}};
}

json pod_template(const std::string& app) {
  return {{"metadata", {{"creationTimestamp", nullptr}, {"labels", {{"app", app}}}}},
          {"spec",
           {{"containers",
             json::array({{{"name", "web"},
                           {"image", "registry.example.com/team/web:1.25.3"},
                           {"ports", json::array({{{"containerPort", 8080}, {"protocol", "TCP"}}})},
                           {"resources",
                            {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
                             {"limits", {{"memory", "256Mi"}}}}},
                           {"securityContext",
                            {{"allowPrivilegeEscalation", false},
                             {"runAsNonRoot", true},
                             {"capabilities", {{"drop", json::array({"ALL"})}}},
                             {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
                           {"terminationMessagePath", "/dev/termination-log"},
                           {"terminationMessagePolicy", "File"},
                           {"imagePullPolicy", "IfNotPresent"}}})},
            {"restartPolicy", "Always"},
            {"terminationGracePeriodSeconds", 30},
            {"dnsPolicy", "ClusterFirst"},
            {"securityContext", json::object()},
            {"schedulerName", "default-scheduler"}}}};
}

json deployment(int i) {
  std::string name = "web-" + std::to_string(i);
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", metadata(name, "ns-" + std::to_string(i % 50))},
          {"spec",
           {{"replicas", 3},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template", pod_template(name)},
            {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", "25%"}, {"maxUnavailable", "25%"}}}}},
            {"revisionHistoryLimit", 10},
            {"progressDeadlineSeconds", 600}}},
          {"status", {{"replicas", 3}, {"readyReplicas", 3}, {"observedGeneration", 3}}}};
}

json rollout(int i) {
  std::string name = "web-" + std::to_string(i);
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "Rollout"},
          {"metadata", metadata(name, "ns-" + std::to_string(i % 50))},
          {"spec",
           {{"replicas", 3},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"workloadRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", name}}},
            {"strategy",
             {{"canary",
               {{"steps", json::array({{{"setWeight", 20}},
                                       {{"pause", {{"duration", "5m"}}}},
                                       {{"analysis", {{"templates", json::array({{{"templateName", "success-rate"}}})}}}},
                                       {{"setWeight", 50}}})}}}}}}},
          {"status", {{"phase", "Healthy"}, {"currentPodHash", "6d4f8b7c9"}}}};
}

json hpa(int i) {
  std::string name = "web-" + std::to_string(i);
  return {{"apiVersion", "autoscaling/v2"},
          {"kind", "HorizontalPodAutoscaler"},
          {"metadata", metadata(name, "ns-" + std::to_string(i % 50))},
          {"spec",
           {{"scaleTargetRef", {{"apiVersion", "argoproj.io/v1alpha1"}, {"kind", "Rollout"}, {"name", name}}},
            {"minReplicas", 2},
            {"maxReplicas", 10},
            {"metrics", json::array({{{"type", "Resource"},
                                      {"resource", {{"name", "cpu"},
                                                    {"target", {{"type", "Utilization"}, {"averageUtilization", 60}}}}}}})}}},
          {"status", {{"currentReplicas", 3}, {"desiredReplicas", 3}}}};
}

json scaled_object(int i) {
  std::string name = "worker-" + std::to_string(i);
  return {{"apiVersion", "keda.sh/v1alpha1"},
          {"kind", "ScaledObject"},
          {"metadata", metadata(name, "ns-" + std::to_string(i % 50))},
          {"spec",
           {{"scaleTargetRef", {{"name", name}}},
            {"minReplicaCount", 1},
            {"maxReplicaCount", 20},
            {"triggers", json::array({{{"type", "prometheus"},
                                       {"metadata", {{"serverAddress", "http://prometheus.monitoring:9090"},
                                                     {"query", "sum(rate(http_requests_total{app=\"" + name + "\"}[2m]))"},
                                                     {"threshold", "100"}}}}})}}},
          {"status", {{"conditions", json::array()}}}};
}

json analysis_template(int i) {
  std::string name = "success-rate-" + std::to_string(i);
  return {{"apiVersion", "argoproj.io/v1alpha1"},
          {"kind", "AnalysisTemplate"},
          {"metadata", metadata(name, "ns-" + std::to_string(i % 50))},
          {"spec",
           {{"args", json::array({{{"name", "service-name"}}})},
            {"metrics",
             json::array({{{"name", "success-rate"},
                           {"interval", "1m"},
                           {"count", 5},
                           {"successCondition", "result[0] >= 0.95"},
                           {"failureLimit", 1},
                           {"provider",
                            {{"prometheus",
                              {{"address", "http://prometheus.monitoring:9090"},
                               {"query",
                                "sum(rate(http_requests_total{service=\"{{args.service-name}}\",code!~\"5..\"}[5m])) / "
                                "sum(rate(http_requests_total{service=\"{{args.service-name}}\"}[5m]))"}}}}}}})}}}};
}

// The synthetic mix: 30% Deployments, 30% Rollouts, 15% HPAs, 10%
// ScaledObjects, 15% AnalysisTemplates.
json synthetic(int i) {
  switch (i % 20) {
    case 0: case 1: case 2: case 3: case 4: case 5: return deployment(i);
    case 6: case 7: case 8: case 9: case 10: case 11: return rollout(i);
    case 12: case 13: case 14: return hpa(i);
    case 15: case 16: return scaled_object(i);
    default: return analysis_template(i);
  }
}

size_t in_use() { return mallinfo2().uordblks; }

// Bytes per stored object, by kind and for the mix.
void BM_MemoryPerObject(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::vector<json> raw;
    raw.reserve(n);
    for (int i = 0; i < n; ++i) raw.push_back(synthetic(i));
    size_t raw_before = in_use();
    size_t before = in_use();
    auto inv = std::make_unique<rg::kube::ClusterInventory>();
    for (const auto& o : raw) inv->upsert(o);
    size_t after = in_use();
    benchmark::DoNotOptimize(inv->size());
    state.counters["bytes_per_object"] = static_cast<double>(after - before) / n;
    state.counters["objects"] = static_cast<double>(inv->size());
    // Right after a full audit every object is unpacked and kept for a while.
    std::vector<const rg::Object*> all;
    for (const char* kind : {"Deployment", "Rollout", "HorizontalPodAutoscaler", "ScaledObject", "AnalysisTemplate"}) {
      auto v = inv->list(kind, "*");
      all.insert(all.end(), v.begin(), v.end());
    }
    state.counters["bytes_per_object_all_unpacked"] = static_cast<double>(in_use() - before) / n;
    // For scale: what the unstripped JSON costs.
    size_t raw_bytes = 0;
    {
      size_t b = in_use();
      std::vector<json> copy(raw.begin(), raw.end());
      raw_bytes = in_use() - b;
    }
    (void)raw_before;
    state.counters["unstripped_bytes_per_object"] = static_cast<double>(raw_bytes) / n;
  }
}
BENCHMARK(BM_MemoryPerObject)->Arg(10000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_MemoryPerKind(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const int n = 2000;
  static const char* names[] = {"Deployment", "Rollout", "HorizontalPodAutoscaler", "ScaledObject", "AnalysisTemplate"};
  for (auto _ : state) {
    std::vector<json> raw;
    for (int i = 0; i < n; ++i) {
      raw.push_back(kind == 0 ? deployment(i) : kind == 1 ? rollout(i) : kind == 2 ? hpa(i)
                    : kind == 3 ? scaled_object(i) : analysis_template(i));
    }
    size_t before = in_use();
    auto inv = std::make_unique<rg::kube::ClusterInventory>();
    for (const auto& o : raw) inv->upsert(o);
    size_t after = in_use();
    state.counters["bytes_per_object"] = static_cast<double>(after - before) / n;
    state.SetLabel(names[kind]);
  }
}
BENCHMARK(BM_MemoryPerKind)->DenseRange(0, 4)->Iterations(1)->Unit(benchmark::kMillisecond);

rg::kube::ClusterInventory& filled() {
  static auto* inv = [] {
    auto* i = new rg::kube::ClusterInventory();
    for (int k = 0; k < 10000; ++k) i->upsert(synthetic(k));
    return i;
  }();
  return *inv;
}

void BM_Find(benchmark::State& state) {
  auto& inv = filled();
  int i = 0;
  for (auto _ : state) {
    // Rollouts are i % 20 in [6, 11].
    int k = (i++ % 500) * 20 + 6;
    std::string name = "web-" + std::to_string(k), ns = "ns-" + std::to_string(k % 50);
    const rg::Object* o = inv.find("argoproj.io", "Rollout", ns, name);
    if (!o) state.SkipWithError("missing object");
    benchmark::DoNotOptimize(o);
  }
}
BENCHMARK(BM_Find);

void BM_ListNamespace(benchmark::State& state) {
  auto& inv = filled();
  int i = 0;
  for (auto _ : state) {
    auto v = inv.list("HorizontalPodAutoscaler", "ns-" + std::to_string(i++ % 50));
    benchmark::DoNotOptimize(v.data());
  }
}
BENCHMARK(BM_ListNamespace);

// Unpacking cost: every lookup misses the unpacked copies.
void BM_FindCold(benchmark::State& state) {
  rg::kube::ClusterInventoryOptions o;
  o.pointer_lifetime = std::chrono::seconds(0);
  rg::kube::ClusterInventory inv(o);
  for (int k = 0; k < 2000; ++k) inv.upsert(synthetic(k));
  int i = 0;
  for (auto _ : state) {
    int k = (i++ % 100) * 20;  // Deployments, the largest
    auto p = inv.get("apps", "Deployment", "ns-" + std::to_string(k % 50), "web-" + std::to_string(k));
    if (!p) state.SkipWithError("missing object");
    benchmark::DoNotOptimize(p.get());
  }
}
BENCHMARK(BM_FindCold);

// A full audit's reads: every object of every kind, unpacked from cold.
void BM_ListAllCold(benchmark::State& state) {
  for (auto _ : state) {
    state.PauseTiming();
    auto inv = std::make_unique<rg::kube::ClusterInventory>();
    for (int k = 0; k < 10000; ++k) inv->upsert(synthetic(k));
    state.ResumeTiming();
    size_t n = 0;
    for (const char* kind : {"Deployment", "Rollout", "HorizontalPodAutoscaler", "ScaledObject", "AnalysisTemplate"}) {
      n += inv->list(kind, "*").size();
    }
    benchmark::DoNotOptimize(n);
    state.PauseTiming();
    inv.reset();
    state.ResumeTiming();
  }
}
BENCHMARK(BM_ListAllCold)->Iterations(3)->Unit(benchmark::kMillisecond);

void BM_Upsert(benchmark::State& state) {
  rg::kube::ClusterInventory inv;
  std::vector<json> raw;
  for (int i = 0; i < 1000; ++i) raw.push_back(synthetic(i));
  size_t i = 0;
  for (auto _ : state) inv.upsert(raw[i++ % raw.size()]);
}
BENCHMARK(BM_Upsert);

}  // namespace

BENCHMARK_MAIN();
