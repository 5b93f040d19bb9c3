// The webhook's whole decision in process: parse the AdmissionReview, evaluate
// with the default policy and an empty inventory, build the response JSON.
// Target: <= 15 us median for the Bookstore Rollout review (issue 4).
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>

#include "policy/admission.h"
#include "policy/policy.h"

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string kReviews = std::string(RG_SOURCE_DIR) + "/samples/admission-reviews/";

void run(benchmark::State& state, const std::string& file, bool mutate) {
  const std::string body = read(kReviews + file);
  if (body.empty()) {
    state.SkipWithError(("cannot read " + file).c_str());
    return;
  }
  const rg::Policy policy;
  const rg::EmptyInventory inventory;
  const rg::Context ctx{policy, inventory};
  for (auto _ : state) {
    rg::admission::Review review;
    std::string error;
    if (!rg::admission::parse_review(body, &review, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    rg::admission::Decision d = mutate ? rg::admission::mutate(review, ctx) : rg::admission::validate(review, ctx);
    std::string out = rg::admission::response_json(review, d);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
}

void BM_ValidateBookstoreRollout(benchmark::State& s) { run(s, "good/bookstore-rollout-catalog-create.json", false); }
void BM_ValidateBookstoreRolloutUpdate(benchmark::State& s) { run(s, "good/bookstore-rollout-catalog-update.json", false); }
void BM_ValidateDeniedRollout(benchmark::State& s) { run(s, "bad/pod-security_runAsNonRoot-rollout.json", false); }
void BM_MutateBookstoreRollout(benchmark::State& s) { run(s, "good/bookstore-rollout-catalog-create.json", true); }

// Parsing alone, for scale: the full DOM against the filtering SAX parse.
void BM_ParseFullDom(benchmark::State& state) {
  const std::string body = read(kReviews + "good/bookstore-rollout-catalog-create.json");
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(body));
}
void BM_ParseFiltered(benchmark::State& state) {
  const std::string body = read(kReviews + "good/bookstore-rollout-catalog-create.json");
  for (auto _ : state) {
    rg::admission::Review review;
    std::string error;
    benchmark::DoNotOptimize(rg::admission::parse_review(body, &review, &error));
  }
}

BENCHMARK(BM_ValidateBookstoreRollout)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ValidateBookstoreRolloutUpdate)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ValidateDeniedRollout)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_MutateBookstoreRollout)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ParseFullDom);
BENCHMARK(BM_ParseFiltered);

}  // namespace

BENCHMARK_MAIN();
