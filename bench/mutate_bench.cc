// Mutating defaults in process (issue 5): policy/mutation's mutate() on the
// Bookstore Rollout with its securityContext fields removed (so all eight
// defaults apply), on the already-defaulted Rollout (a reinvocation: empty
// patch), and the whole /mutate decision around it (parse the AdmissionReview,
// mutate, base64 patch into the response). Target: <= 20 us.
#include <string>

#include <benchmark/benchmark.h>

#include "bench/bench_support.h"
#include "admission/admission.h"
#include "manifests/documents.h"
#include "policy/inventory.h"
#include "policy/mutation.h"
#include "policy/policy.h"

namespace {

// The Bookstore Rollout; `bare` removes what the pod-security defaults fill.
rg::json bookstore_rollout(bool bare) {
  rg::LoadResult r = rg::load_documents(rg::bench::read_file(std::string(RG_SOURCE_DIR) + "/samples/bookstore/rollout.yaml"), "r");
  if (r.objects.empty()) return nullptr;
  rg::json doc = r.objects[0].doc;
  if (bare) {
    rg::json& spec = doc["spec"]["template"]["spec"];
    spec.erase("securityContext");
    spec["containers"][0]["securityContext"].erase("allowPrivilegeEscalation");
    spec["containers"][0]["securityContext"].erase("capabilities");
  }
  return doc;
}

void run_mutate(benchmark::State& state, bool bare) {
  const rg::Object obj{bookstore_rollout(bare), {}};
  if (!obj.doc.is_object()) {
    state.SkipWithError("cannot read samples/bookstore/rollout.yaml");
    return;
  }
  const rg::Policy policy;
  const rg::EmptyInventory inventory;
  const rg::Context ctx{policy, inventory};
  size_t ops = 0;
  for (auto _ : state) {
    rg::MutationResult r = rg::mutate(obj, ctx);
    ops = r.patch.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["patch_ops"] = static_cast<double>(ops);
}

void BM_MutateBareBookstoreRollout(benchmark::State& s) { run_mutate(s, true); }
void BM_MutateDefaultedBookstoreRollout(benchmark::State& s) { run_mutate(s, false); }

// The /mutate decision as the webhook makes it: parse, mutate, answer.
void BM_MutateReviewBareBookstoreRollout(benchmark::State& state) {
  rg::json review = {{"apiVersion", "admission.k8s.io/v1"},
                     {"kind", "AdmissionReview"},
                     {"request",
                      {{"uid", "705ab4f5-6393-11e8-b7cc-42010a800002"},
                       {"kind", {{"group", "argoproj.io"}, {"version", "v1alpha1"}, {"kind", "Rollout"}}},
                       {"operation", "CREATE"},
                       {"namespace", "bookstore"},
                       {"name", "catalog"},
                       {"object", bookstore_rollout(true)}}}};
  const std::string body = review.dump();
  const rg::Policy policy;
  const rg::EmptyInventory inventory;
  const rg::Context ctx{policy, inventory};
  for (auto _ : state) {
    rg::admission::Review r;
    std::string error;
    if (!rg::admission::parse_review(body, &r, &error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    rg::MutationResult m = rg::mutate(r.object, ctx);
    rg::admission::Decision d;
    if (m.changed()) d.patch = m.patch.dump();
    d.warnings = m.warnings;
    std::string out = rg::admission::response_json(r, d);
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
}

}  // namespace

BENCHMARK(BM_MutateBareBookstoreRollout)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MutateDefaultedBookstoreRollout)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MutateReviewBareBookstoreRollout)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
