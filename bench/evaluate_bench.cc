// Core and CLI throughput (issue: policy core).
//
//   BM_EvaluateBookstoreRollout  every rule on the Bookstore Rollout, with the
//                                Bookstore objects as the inventory (target: well under 15 us)
//   BM_EvaluateBookstoreTemplate every rule on the success-rate AnalysisTemplate
//   BM_YamlCppParse              bare yaml-cpp YAML::LoadAll over a generated corpus
//   BM_LibfyamlEvents            bare libfyaml event parse of the same corpus (the parser
//                                load_documents uses), nothing built
//   BM_LoadDocuments             load_documents (libfyaml events -> json, lines, bounds)
//   BM_LoadAndEvaluate           what `check` does per manifest, minus file I/O and output
// The corpus: 10k manifests (Rollouts, AnalysisTemplates, HPAs, Services) made
// from samples/bookstore, one app per copy, all in one namespace, one file each. items_per_second
// is manifests per second. The CLI itself is timed by bench/check_throughput.sh.
#include <benchmark/benchmark.h>
#include <libfyaml.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <string>
#include <vector>

#include "bench/bench_support.h"
#include "policy/catalog.h"
#include "manifests/documents.h"
#include "policy/eval_cache.h"

namespace {

std::vector<rg::Object> bookstore() {
  std::vector<rg::Object> out;
  for (const char* f : {"rollout.yaml", "analysis-templates.yaml", "hpa.yaml", "services.yaml"}) {
    std::string path = std::string(RG_SOURCE_DIR) + "/samples/bookstore/" + f;
    auto r = rg::load_documents(rg::bench::read_file(path), path);
    for (auto& o : r.objects) out.push_back(std::move(o));
  }
  return out;
}

// One file per manifest: every Bookstore document, renamed i times.
const std::vector<std::string>& corpus() {
  static const std::vector<std::string> files = [] {
    std::vector<std::string> docs;
    for (const char* f : {"rollout.yaml", "analysis-templates.yaml", "hpa.yaml", "services.yaml"}) {
      std::string text = rg::bench::read_file(std::string(RG_SOURCE_DIR) + "/samples/bookstore/" + f);
      size_t pos = 0;
      while (pos < text.size()) {
        size_t next = text.find("\n---", pos);
        docs.push_back(text.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
        if (next == std::string::npos) break;
        pos = next + 4;
      }
    }
    std::vector<std::string> out;
    // App i: every "catalog" (names, template refs, scale targets, services)
    // becomes "catalog-i": 1,667 distinct apps in one namespace.
    const std::regex name_re("catalog");
    for (int i = 0; out.size() < 10000; ++i) {
      for (const auto& d : docs) {
        if (out.size() == 10000) break;
        out.push_back(std::regex_replace(d, name_re, "catalog-" + std::to_string(i)));
      }
    }
    return out;
  }();
  return files;
}

void BM_EvaluateBookstoreRollout(benchmark::State& state) {
  auto objs = bookstore();
  rg::MemoryInventory inv;
  const rg::Object* rollout = nullptr;
  for (auto& o : objs) inv.add(o);
  for (auto* o : inv.list("Rollout", "*")) rollout = o;
  rg::Policy policy;
  rg::Context ctx{policy, inv};
  size_t n = 0;
  for (auto _ : state) {
    auto fs = rg::evaluate(*rollout, ctx);
    n += fs.size();
    benchmark::DoNotOptimize(fs);
  }
  state.counters["findings"] = static_cast<double>(n) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EvaluateBookstoreRollout);

void BM_EvaluateBookstoreTemplate(benchmark::State& state) {
  auto objs = bookstore();
  rg::MemoryInventory inv;
  for (auto& o : objs) inv.add(o);
  const rg::Object* tmpl = inv.list("AnalysisTemplate", "*").at(0);
  rg::Policy policy;
  rg::Context ctx{policy, inv};
  for (auto _ : state) benchmark::DoNotOptimize(rg::evaluate(*tmpl, ctx));
}
BENCHMARK(BM_EvaluateBookstoreTemplate);

void BM_YamlCppParse(benchmark::State& state) {
  const auto& files = corpus();
  for (auto _ : state) {
    for (const auto& f : files) benchmark::DoNotOptimize(YAML::LoadAll(f));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * files.size()));
}
BENCHMARK(BM_YamlCppParse)->Unit(benchmark::kMillisecond);

void BM_LibfyamlEvents(benchmark::State& state) {
  const auto& files = corpus();
  struct fy_parse_cfg cfg {};
  cfg.flags = static_cast<enum fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_JSON_NONE);
  size_t events = 0;
  for (auto _ : state) {
    for (const auto& f : files) {
      struct fy_parser* p = fy_parser_create(&cfg);
      fy_parser_set_string(p, f.data(), f.size());
      while (struct fy_event* e = fy_parser_parse(p)) {
        ++events;
        fy_parser_event_free(p, e);
      }
      fy_parser_destroy(p);
    }
  }
  benchmark::DoNotOptimize(events);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * files.size()));
}
BENCHMARK(BM_LibfyamlEvents)->Unit(benchmark::kMillisecond);

void BM_LoadDocuments(benchmark::State& state) {
  const auto& files = corpus();
  for (auto _ : state) {
    for (const auto& f : files) benchmark::DoNotOptimize(rg::load_documents(f, "bench.yaml"));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * files.size()));
}
BENCHMARK(BM_LoadDocuments)->Unit(benchmark::kMillisecond);

void BM_LoadAndEvaluate(benchmark::State& state) {
  const auto& files = corpus();
  rg::Policy policy;
  for (auto _ : state) {
    rg::MemoryInventory inv;
    for (const auto& f : files) {
      for (auto& o : rg::load_documents(f, "bench.yaml").objects) inv.add(std::move(o));
    }
    rg::EvalCache cache;  // as `check` does for its run
    rg::Context ctx{policy, inv};
    ctx.cache = &cache;
    size_t n = 0;
    for (const auto* kind : {"Rollout", "AnalysisTemplate", "HorizontalPodAutoscaler"}) {
      for (const auto* o : inv.list(kind, "*")) n += rg::evaluate(*o, ctx).size();
    }
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * files.size()));
}
BENCHMARK(BM_LoadAndEvaluate)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
