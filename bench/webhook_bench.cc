// The webhook's whole decision in process: parse the AdmissionReview, evaluate
// with the default policy and an empty inventory, build the response JSON.
// Targets: <= 15 us median for /validate of the Bookstore Rollout review
// (issue 4), <= 20 us for /mutate (issue 5). The *Reused cases parse over a
// ReviewScratch, as `serve` does.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/bench_support.h"
#include "admission/admission.h"
#include "policy/policy.h"

namespace {

const std::string kReviews = std::string(RG_SOURCE_DIR) + "/samples/admission-reviews/";

// The Bookstore Rollout review with what the pod-security defaults fill taken
// out, so /mutate has its whole patch to make (eight operations' worth).
std::string bare_rollout_review() {
  nlohmann::json review = nlohmann::json::parse(rg::bench::read_file(kReviews + "good/bookstore-rollout-catalog-create.json"));
  nlohmann::json& spec = review["request"]["object"]["spec"]["template"]["spec"];
  spec.erase("securityContext");
  for (nlohmann::json& c : spec["containers"]) {
    c["securityContext"].erase("allowPrivilegeEscalation");
    c["securityContext"].erase("capabilities");
  }
  return review.dump();
}

// The decision for each body in turn (one review after another, all
// different when there are several: a time is then the mean over the cycle).
// With `scratch`, as the server decides: parse_review over a per-thread
// ReviewScratch holding the last review's document, handed back after each
// decision.
void run_bodies(benchmark::State& state, const std::vector<std::string>& bodies, bool mutate, bool scratch) {
  size_t bytes = 0;
  for (const std::string& body : bodies) {
    if (body.empty()) {
      state.SkipWithError("cannot read the review");
      return;
    }
    bytes += body.size();
  }
  const rg::Policy policy;
  const rg::EmptyInventory inventory;
  const rg::Context ctx{policy, inventory};
  rg::admission::ReviewScratch reuse;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& body = bodies[i++ % bodies.size()];
    rg::admission::Review review;
    std::string error;
    if (!rg::admission::parse_review(body, &review, &error, scratch ? &reuse : nullptr)) {
      state.SkipWithError(error.c_str());
      return;
    }
    rg::admission::Decision d = mutate ? rg::admission::mutate(review, ctx) : rg::admission::validate(review, ctx);
    std::string out = rg::admission::response_json(review, d);
    benchmark::DoNotOptimize(out);
    if (scratch) rg::admission::recycle(&review, &reuse);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes / bodies.size()));
}

void run_body(benchmark::State& state, const std::string& body, bool mutate) { run_bodies(state, {body}, mutate, false); }

void run_files(benchmark::State& state, const std::vector<std::string>& files, bool scratch) {
  std::vector<std::string> bodies;
  for (const std::string& f : files) bodies.push_back(rg::bench::read_file(kReviews + f));
  run_bodies(state, bodies, false, scratch);
}

void run(benchmark::State& state, const std::string& file, bool mutate) {
  run_body(state, rg::bench::read_file(kReviews + file), mutate);
}

// Successive reviews of five kinds (a Rollout, an UPDATE of it, an
// AnalysisTemplate, an HPA, a ScaledObject): what a scratch saves when the
// last review on the thread is not like the next.
const std::vector<std::string> kMixed = {
    "good/bookstore-rollout-catalog-create.json", "good/bookstore-analysistemplate-catalog-latency-create.json",
    "good/bookstore-horizontalpodautoscaler-catalog-create.json", "good/bookstore-keda-rollout-catalog-update.json",
    "good/bookstore-keda-scaledobject-catalog-create.json"};

void BM_ValidateBookstoreRollout(benchmark::State& s) { run(s, "good/bookstore-rollout-catalog-create.json", false); }
void BM_ValidateBookstoreRolloutReused(benchmark::State& s) {
  run_files(s, {"good/bookstore-rollout-catalog-create.json"}, true);
}
void BM_ValidateMixedKinds(benchmark::State& s) { run_files(s, kMixed, false); }
void BM_ValidateMixedKindsReused(benchmark::State& s) { run_files(s, kMixed, true); }
void BM_ValidateBookstoreRolloutUpdate(benchmark::State& s) { run(s, "good/bookstore-rollout-catalog-update.json", false); }
void BM_ValidateDeniedRollout(benchmark::State& s) { run(s, "bad/pod_security_runAsNonRoot-rollout.json", false); }
// /mutate: the Bookstore Rollout is already defaulted (no patch: a
// reinvocation), the bare one gets the whole patch (issue 5: <= 20 us).
void BM_MutateBookstoreRollout(benchmark::State& s) { run(s, "good/bookstore-rollout-catalog-create.json", true); }
void BM_MutateBareBookstoreRollout(benchmark::State& s) { run_body(s, bare_rollout_review(), true); }

// Parsing alone, for scale: the full DOM against the filtering SAX parse.
void BM_ParseFullDom(benchmark::State& state) {
  const std::string body = rg::bench::read_file(kReviews + "good/bookstore-rollout-catalog-create.json");
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(body));
}
// nlohmann's parser callback dropping the same fields (the nodes are built,
// then discarded): for comparison with parse_review.
void BM_ParseNlohmannCallback(benchmark::State& state) {
  const std::string body = rg::bench::read_file(kReviews + "good/bookstore-rollout-catalog-create.json");
  const nlohmann::json::parser_callback_t drop = [](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    if (event != nlohmann::json::parse_event_t::key || depth < 2) return true;
    return !(parsed == "oldObject" || parsed == "managedFields" ||
             parsed == "kubectl.kubernetes.io/last-applied-configuration");
  };
  for (auto _ : state) benchmark::DoNotOptimize(nlohmann::json::parse(body, drop));
}
void BM_ParseFiltered(benchmark::State& state) {
  const std::string body = rg::bench::read_file(kReviews + "good/bookstore-rollout-catalog-create.json");
  for (auto _ : state) {
    rg::admission::Review review;
    std::string error;
    benchmark::DoNotOptimize(rg::admission::parse_review(body, &review, &error));
  }
}

BENCHMARK(BM_ValidateBookstoreRollout)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ValidateBookstoreRolloutReused)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ValidateMixedKinds)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ValidateMixedKindsReused)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ValidateBookstoreRolloutUpdate)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ValidateDeniedRollout)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_MutateBookstoreRollout)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_MutateBareBookstoreRollout)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_ParseFullDom);
BENCHMARK(BM_ParseNlohmannCallback);
BENCHMARK(BM_ParseFiltered);

}  // namespace

BENCHMARK_MAIN();
