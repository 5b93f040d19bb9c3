// The samples are evidence: samples/bookstore/ and samples/bookstore-keda/
// (each checked as one run) give no deny finding, and every
// samples/bad/<rule id with "/" and "-" as "_">.yaml (the spelling of the
// rule's policy/rules/<name>.cc and test/policy/rules/<name>_test.cc),
// checked alone, gives at least one finding of exactly that rule. Every rule
// of the catalog has a bad sample, except the ids listed below, and every
// bad sample belongs to a rule.
#include <algorithm>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "policy/inventory.h"
#include "policy/policy.h"
#include "test/support/conformance.h"
#include "test/support/manifests.h"

namespace rg {
namespace {

namespace fs = std::filesystem;

// Rules without a bad sample, each with its reason. Keep this minimal.
const std::set<std::string> kNoBadSample = {
    // Baseline-only Pod Security checks: at the default level (restricted) PSA
    // replaces them with their restricted counterparts, which have samples.
    "pod-security/capabilities_baseline",    // -> capabilities_restricted
    "pod-security/hostPathVolumes",          // -> restrictedVolumes
    "pod-security/procMount",                // -> procMount_restricted
    "pod-security/seccompProfile_baseline",  // -> seccompProfile_restricted
};

const fs::path kSamples = fs::path(RG_SOURCE_DIR) / "samples";

std::vector<Object> load_dir_or_file(const fs::path& p) { return test::load_manifests(p, kSamples); }

// Evaluates every object of one run, with the run as the inventory.
std::vector<Finding> check_run(const fs::path& p) {
  std::vector<Object> objs = load_dir_or_file(p);
  EXPECT_FALSE(objs.empty()) << p;
  MemoryInventory inv;
  for (const Object& o : objs) inv.add(o);
  Policy policy;
  Context ctx{policy, inv};
  std::vector<Finding> out;
  for (const Object& o : objs) {
    for (Finding& f : evaluate(o, ctx)) out.push_back(std::move(f));
  }
  return out;
}

std::string describe(const std::vector<Finding>& fs_) {
  std::string s;
  for (const Finding& f : fs_) {
    s += "\n  " + f.file + ":" + std::to_string(f.line) + ": " + std::string(action_name(f.action)) + " " + f.rule +
         ": " + f.message;
  }
  return s;
}

TEST(Samples, GoodSamplesHaveNoDenyFinding) {
  for (const char* dir : {"bookstore", "bookstore-keda"}) {
    std::vector<Finding> found = check_run(kSamples / dir);
    std::vector<Finding> deny;
    for (const Finding& f : found) {
      if (f.action == Action::Deny) deny.push_back(f);
    }
    EXPECT_TRUE(deny.empty()) << dir << ":" << describe(deny);
  }
}

TEST(Samples, BookstoreHasTheChaptersObjects) {
  std::vector<Object> objs = load_dir_or_file(kSamples / "bookstore");
  std::multiset<std::string> kinds;
  for (const Object& o : objs) kinds.insert(std::string(o.kind()));
  EXPECT_EQ(kinds.count("Rollout"), 1u);
  EXPECT_EQ(kinds.count("AnalysisTemplate"), 2u);
  EXPECT_EQ(kinds.count("Service"), 2u);
  EXPECT_EQ(kinds.count("HorizontalPodAutoscaler"), 1u);
  EXPECT_EQ(load_dir_or_file(kSamples / "bookstore-keda" / "scaledobject.yaml").size(), 1u);
}

// The file name a rule's sample, source and test share: "/" and "-" as "_".
std::string file_name_of(std::string_view id) {
  std::string name(id);
  std::replace(name.begin(), name.end(), '/', '_');
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

TEST(Samples, FileNameOfSpellsEveryPartWithUnderscores) {
  EXPECT_EQ(file_name_of("analysis/unbounded-grouping"), "analysis_unbounded_grouping");
  EXPECT_EQ(file_name_of("pod-security/hostNamespaces"), "pod_security_hostNamespaces");
  EXPECT_EQ(file_name_of("pod-security/capabilities_restricted"), "pod_security_capabilities_restricted");
}

TEST(Samples, EachRuleHasItsBadSampleAndItBreaksTheRule) {
  std::set<std::string> expected;
  for (const Rule& r : catalog()) {
    const fs::path sample = kSamples / "bad" / (file_name_of(r.id) + ".yaml");
    expected.insert(sample.filename().string());
    if (kNoBadSample.count(std::string(r.id))) {
      EXPECT_FALSE(fs::exists(sample)) << r.id << " has a sample now: drop it from kNoBadSample";
      continue;
    }
    if (!fs::exists(sample)) {
      ADD_FAILURE() << "no " << sample << " for " << r.id;
      continue;
    }
    std::vector<Finding> found = check_run(sample);
    bool hit = std::any_of(found.begin(), found.end(), [&](const Finding& f) { return f.rule == r.id; });
    EXPECT_TRUE(hit) << sample.filename() << " gives no " << r.id << " finding:" << describe(found);
  }
  for (const auto& e : fs::directory_iterator(kSamples / "bad")) {
    EXPECT_TRUE(expected.count(e.path().filename().string()))
        << e.path() << " is not named after a catalog rule (its id with \"/\" and \"-\" as \"_\", then .yaml)";
  }
}

}  // namespace
}  // namespace rg
