// PromQL parser benchmarks: the chapter's two analysis queries, and the whole
// conformance corpus (items/s = queries/s). Run:
//   build/promql_bench --benchmark_filter=Promql
// The corpus comes from $RG_CONFORMANCE_DIR/promql/queries.jsonl, else the
// CMake option RG_CONFORMANCE_DIR; that benchmark is skipped without it.
#include <cstdlib>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "bench/bench_support.h"
#include "policy/promql/parser.h"
#include "policy/promql/printer.h"

namespace {

const char* kErrorRatio =
    "sum(rate(http_requests_total{service=\"catalog\",code=~\"5..\"}[2m])) / "
    "sum(rate(http_requests_total{service=\"catalog\"}[2m]))";
const char* kLatencyP95 =
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service=\"catalog\"}[2m])))";

void BM_PromqlParseErrorRatio(benchmark::State& state) {
  for (auto _ : state) {
    auto r = rg::promql::parse(kErrorRatio);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PromqlParseErrorRatio);

void BM_PromqlParseLatencyP95(benchmark::State& state) {
  for (auto _ : state) {
    auto r = rg::promql::parse(kLatencyP95);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PromqlParseLatencyP95);

void BM_PromqlFormatErrorRatio(benchmark::State& state) {
  for (auto _ : state) {
    bool ok;
    std::string s = rg::promql::format_query(kErrorRatio, &ok);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_PromqlFormatErrorRatio);

// Parse and canonicalise every corpus query (what `promql fmt --jsonl` does
// minus JSON I/O).
void BM_PromqlConformanceCorpus(benchmark::State& state) {
  static const std::vector<std::string> corpus = rg::bench::promql_corpus();
  if (corpus.empty()) {
    state.SkipWithError("conformance corpus not found (set RG_CONFORMANCE_DIR)");
    return;
  }
  for (auto _ : state) {
    for (const std::string& q : corpus) {
      bool ok;
      std::string s = rg::promql::format_query(q, &ok);
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(corpus.size()));
}
BENCHMARK(BM_PromqlConformanceCorpus)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
