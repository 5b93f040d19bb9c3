// Honesty analysis benchmarks: the chapter's two queries (the Bookstore
// success-rate and p95 latency metrics of samples/bookstore/analysis-templates.yaml)
// parsed and analysed (placeholders substituted, PromQL parsed, both scenarios
// evaluated abstractly; target <= 5 us each), the same as whole-template
// analysis (conditions parsed and measured too), the conformance corpus end to
// end (items/s = queries/s), and the preflight's response parsing. Run:
//   build/analysis_bench --benchmark_filter=Analysis
// The corpus comes from $RG_CONFORMANCE_DIR/promql/queries.jsonl, else the
// CMake option RG_CONFORMANCE_DIR; that benchmark is skipped without it.
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "bench/bench_support.h"
#include "policy/analysis/abstract.h"
#include "policy/analysis/metric.h"
#include "policy/analysis/prometheus_result.h"
#include "manifests/documents.h"
#include "policy/promql/parser.h"
#include "policy/promql/placeholders.h"

namespace {

using rg::json;

// The Bookstore templates, as the CLI reads them.
const std::vector<rg::Object>& bookstore() {
  static const std::vector<rg::Object> objects = [] {
    std::string file = std::string(RG_SOURCE_DIR) + "/samples/bookstore/analysis-templates.yaml";
    return rg::load_documents(rg::bench::read_file(file), file).objects;
  }();
  return objects;
}

const rg::Object& bookstore_template(const std::string& name) {
  for (const rg::Object& o : bookstore()) {
    if (o.name() == name) return o;
  }
  throw std::runtime_error("no template " + name + " in samples/bookstore/analysis-templates.yaml");
}

const json& bookstore_metric(const std::string& tmpl, const std::string& metric) {
  for (const json& m : bookstore_template(tmpl).doc["spec"]["metrics"]) {
    if (m["name"] == metric) return m;
  }
  throw std::runtime_error("no metric " + metric + " in template " + tmpl);
}

// Placeholders, parse, both scenarios: what the rules need from one query.
bool analyze_query(const std::string& query) {
  std::string prepared = rg::promql::substitute_placeholders(query, nullptr);
  rg::promql::ParseResult parsed = rg::promql::parse(prepared);
  if (!parsed.ok()) return false;
  auto silence = rg::analysis::evaluate(*parsed.expr, rg::analysis::Scenario::kSilence);
  auto idle = rg::analysis::evaluate(*parsed.expr, rg::analysis::Scenario::kIdle);
  benchmark::DoNotOptimize(silence);
  benchmark::DoNotOptimize(idle);
  return true;
}

void query_bench(benchmark::State& state, const std::string& tmpl, const std::string& metric) {
  const std::string query = bookstore_metric(tmpl, metric)["provider"]["prometheus"]["query"];
  if (!analyze_query(query)) {
    state.SkipWithError("the query does not parse");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(analyze_query(query));
  state.SetLabel(std::to_string(query.size()) + " bytes");
}

void BM_AnalysisQuerySuccessRate(benchmark::State& state) { query_bench(state, "catalog-success-rate", "success-rate"); }
BENCHMARK(BM_AnalysisQuerySuccessRate);

void BM_AnalysisQueryLatencyP95(benchmark::State& state) { query_bench(state, "catalog-latency", "p95-latency"); }
BENCHMARK(BM_AnalysisQueryLatencyP95);

// analyze_template: every metric's query and conditions parsed, both
// scenarios evaluated and measured (what the analysis rules read).
void template_bench(benchmark::State& state, const std::string& name) {
  const json& doc = bookstore_template(name).doc;
  rg::Policy policy;
  for (auto _ : state) {
    auto ta = rg::analysis::analyze_template(doc, policy);
    benchmark::DoNotOptimize(ta);
  }
  state.SetLabel(std::to_string(doc["spec"]["metrics"].size()) + " metrics");
}

void BM_AnalysisTemplateSuccessRate(benchmark::State& state) { template_bench(state, "catalog-success-rate"); }
BENCHMARK(BM_AnalysisTemplateSuccessRate);

void BM_AnalysisTemplateLatency(benchmark::State& state) { template_bench(state, "catalog-latency"); }
BENCHMARK(BM_AnalysisTemplateLatency);

// Every corpus query, valid or not: placeholders, parse, and for the ones
// that parse both abstract scenarios.
void BM_AnalysisConformanceCorpus(benchmark::State& state) {
  static const std::vector<std::string> corpus = rg::bench::promql_corpus();
  if (corpus.empty()) {
    state.SkipWithError("conformance corpus not found (set RG_CONFORMANCE_DIR)");
    return;
  }
  int64_t parsed = 0;
  for (auto _ : state) {
    parsed = 0;
    for (const std::string& q : corpus) parsed += analyze_query(q);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(corpus.size()));
  state.SetLabel(std::to_string(corpus.size()) + " queries, " + std::to_string(parsed) + " parse");
}
BENCHMARK(BM_AnalysisConformanceCorpus)->Unit(benchmark::kMillisecond);

// The preflight's pure step: a 3-series vector answer into the condition value.
void BM_AnalysisPrometheusResponse(benchmark::State& state) {
  const std::string body =
      R"({"status":"success","data":{"resultType":"vector","result":[)"
      R"({"metric":{"code":"200","handler":"/books","service":"catalog"},"value":[1700000000.123,"0.9987"]},)"
      R"({"metric":{"code":"200","handler":"/cart","service":"catalog"},"value":[1700000000.123,"NaN"]},)"
      R"({"metric":{"code":"200","handler":"/","service":"catalog"},"value":[1700000000.123,"+Inf"]}]}})";
  for (auto _ : state) {
    auto r = rg::analysis::parse_prometheus_response(body);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_AnalysisPrometheusResponse);

}  // namespace

BENCHMARK_MAIN();
