// Instructions per decision, for callgrind (stable where wall time is not: a
// shared, loaded machine). Runs 20 warm-up decisions, then N; only the
// `measured*` functions are collected. bench/decision_instructions.sh builds
// it against a build directory's libraries and prints instructions per call.
// Usage: decision_instructions SCENARIO N, SCENARIO one of validate,
// validate-update, validate-denied, mutate, mutate-bare (the /validate and
// /mutate cases of webhook_bench), validate-reused (as serve parses: over the
// last review's document), evaluate (evaluate_bench's Rollout), parse.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include "admission/admission.h"
#include "policy/catalog.h"
#include "manifests/documents.h"
#include "policy/inventory.h"
#include "policy/mutation.h"
#include "policy/policy.h"

static std::string read(const std::string& p) { std::ifstream in(p, std::ios::binary); std::ostringstream s; s << in.rdbuf(); return s.str(); }
static const std::string kDir = std::string(RG_SOURCE_DIR) + "/samples/admission-reviews/";
static std::string bare() {
  nlohmann::json review = nlohmann::json::parse(read(kDir + "good/bookstore-rollout-catalog-create.json"));
  nlohmann::json& spec = review["request"]["object"]["spec"]["template"]["spec"];
  spec.erase("securityContext");
  for (nlohmann::json& c : spec["containers"]) { c["securityContext"].erase("allowPrivilegeEscalation"); c["securityContext"].erase("capabilities"); }
  return review.dump();
}
static size_t sink = 0;
// With a scratch, as serve decides: over the last review's document.
__attribute__((noinline)) void decide(const std::string& body, bool mut, const rg::Context& ctx, rg::admission::ReviewScratch* scratch) {
  rg::admission::Review review; std::string error;
  if (!rg::admission::parse_review(body, &review, &error, scratch)) { std::fprintf(stderr, "%s\n", error.c_str()); std::exit(1); }
  rg::admission::Decision d = mut ? rg::admission::mutate(review, ctx) : rg::admission::validate(review, ctx);
  std::string out = rg::admission::response_json(review, d);
  sink += out.size();
  if (scratch != nullptr) rg::admission::recycle(&review, scratch);
}
__attribute__((noinline)) void measured(int n, const std::string& body, bool mut, const rg::Context& ctx,
                                        rg::admission::ReviewScratch* scratch = nullptr) {
  for (int i = 0; i < n; ++i) decide(body, mut, ctx, scratch);
}
__attribute__((noinline)) void measured_eval(int n, const rg::Object& o, const rg::Context& ctx) { for (int i = 0; i < n; ++i) sink += rg::evaluate(o, ctx).size(); }
__attribute__((noinline)) void measured_parse(int n, const std::string& body) { for (int i = 0; i < n; ++i) { rg::admission::Review r; std::string e; sink += rg::admission::parse_review(body, &r, &e); } }
int main(int argc, char** argv) {
  if (argc != 3) return 2;
  std::string sc = argv[1]; int n = std::atoi(argv[2]);
  const rg::Policy policy; const rg::EmptyInventory empty; const rg::Context ctx{policy, empty};
  if (sc == "evaluate") {
    std::vector<rg::Object> objs;
    for (const char* f : {"rollout.yaml", "analysis-templates.yaml", "hpa.yaml", "services.yaml"}) {
      std::string path = std::string(RG_SOURCE_DIR) + "/samples/bookstore/" + f;
      auto r = rg::load_documents(read(path), path); for (auto& o : r.objects) objs.push_back(std::move(o));
    }
    rg::MemoryInventory inv; for (auto& o : objs) inv.add(o);
    const rg::Object* ro = nullptr; for (auto* o : inv.list("Rollout", "*")) ro = o;
    rg::Context c2{policy, inv};
    measured_eval(20, *ro, c2); measured_eval(n, *ro, c2);
  } else if (sc == "validate-reused") {
    std::string body = read(kDir + "good/bookstore-rollout-catalog-create.json");
    rg::admission::ReviewScratch scratch;
    measured(20, body, false, ctx, &scratch); measured(n, body, false, ctx, &scratch);
  } else if (sc == "parse") {
    std::string body = read(kDir + "good/bookstore-rollout-catalog-create.json");
    measured_parse(20, body); measured_parse(n, body);
  } else {
    std::string body; bool mut = false;
    if (sc == "validate") body = read(kDir + "good/bookstore-rollout-catalog-create.json");
    else if (sc == "validate-update") body = read(kDir + "good/bookstore-rollout-catalog-update.json");
    else if (sc == "validate-denied") body = read(kDir + "bad/pod_security_runAsNonRoot-rollout.json");
    else if (sc == "mutate") { body = read(kDir + "good/bookstore-rollout-catalog-create.json"); mut = true; }
    else if (sc == "mutate-bare") { body = bare(); mut = true; }
    measured(20, body, mut, ctx); measured(n, body, mut, ctx);
  }
  std::printf("%zu\n", sink);
}
