// No false denials on Argo's own manifests: every Rollout, AnalysisTemplate
// and ClusterAnalysisTemplate under ../shared/conformance/argo-rollouts/
// (examples/ and test/e2e/) gets no rollout/spec or analysis/spec finding,
// except the ones listed, with reasons, in argo_examples_expected.txt (Argo's
// e2e "expectedfailures" fixtures are invalid on purpose). The list must be
// exact: a new finding and a finding that went away both fail.
//
// Two upstream files are not parseable YAML (see the corpus README); exactly
// those must fail to load, and their documents are skipped.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "manifests/documents.h"
#include "policy/inventory.h"
#include "policy/policy.h"
#include "policy/rules/rules.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kUnparseable = {
    "examples/traffic-management/rollout-linkerd.yaml",
    "test/e2e/expectedfailures/analysis-run-failfast.yaml",
};

// "<file> <Kind>/<name> <rule-id> <path>" -> reason.
std::map<std::string, std::string> read_expectations(const std::string& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << "cannot read " << file;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto bar = line.find(" | ");
    EXPECT_NE(bar, std::string::npos) << file << ":" << n << ": want '<file> <Kind>/<name> <rule> <path> | <reason>'";
    if (bar == std::string::npos) continue;
    std::string key = line.substr(0, bar), reason = line.substr(bar + 3);
    EXPECT_FALSE(reason.empty()) << file << ":" << n << ": an expected finding needs a reason";
    EXPECT_TRUE(out.emplace(key, reason).second) << file << ":" << n << ": duplicate entry";
  }
  return out;
}

TEST(ArgoExamples, NoFalseDenialsOnUpstreamManifests) {
  RG_REQUIRE_CONFORMANCE("argo-rollouts");
  const fs::path root = fs::path(test::conformance_dir()) / "argo-rollouts";
  std::vector<std::string> files;
  for (const char* sub : {"examples", "test/e2e"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / sub)) {
      if (!e.is_regular_file()) continue;
      std::string ext = e.path().extension().string();
      if (ext == ".yaml" || ext == ".yml") files.push_back(fs::relative(e.path(), root).generic_string());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 100u) << "the corpus has 34 examples and 94 e2e files";

  Policy policy;
  EmptyInventory inv;
  Context ctx{policy, inv};
  std::set<std::string> failed_to_parse;
  std::map<std::string, std::string> got;  // key -> message
  int rollouts = 0, templates = 0, clean = 0;
  for (const std::string& rel : files) {
    LoadResult lr = load_documents(test::read_file((root / rel).string()), rel);
    if (!lr.errors.empty()) failed_to_parse.insert(rel);
    for (const Object& obj : lr.objects) {
      if (obj.group() != "argoproj.io") continue;
      const Rule* rule = nullptr;
      if (obj.kind() == "Rollout") {
        rule = &rule_rollout_spec();
        ++rollouts;
      } else if (obj.kind() == "AnalysisTemplate" || obj.kind() == "ClusterAnalysisTemplate") {
        rule = &rule_analysis_spec();
        ++templates;
      } else {
        continue;
      }
      std::vector<Finding> findings = rule->check(obj, ctx);
      if (findings.empty()) ++clean;
      for (const Finding& f : findings) {
        std::string key = rel + " " + std::string(obj.kind()) + "/" + std::string(obj.name()) + " " +
                          std::string(rule->id) + " " + f.path;
        got.emplace(key, f.message);
      }
    }
  }
  EXPECT_EQ(failed_to_parse, kUnparseable);

  auto expected = read_expectations(test::source_dir() + "/test/policy/rules/argo_examples_expected.txt");
  for (const auto& [key, message] : got) {
    EXPECT_TRUE(expected.count(key)) << "unexpected finding (false denial?): " << key << "\n  " << message;
  }
  for (const auto& [key, reason] : expected) {
    EXPECT_TRUE(got.count(key)) << "expected finding is gone: " << key << " (" << reason << ")";
  }
  std::printf("argo-rollouts conformance: %zu files (%zu unparseable), %d Rollouts, %d (Cluster)AnalysisTemplates, "
              "%d without findings, %zu expected findings\n",
              files.size(), failed_to_parse.size(), rollouts, templates, clean, got.size());
  EXPECT_GT(rollouts, 60);
  EXPECT_GT(templates, 15);
}

}  // namespace
}  // namespace rg
