// mutate() over every PSA fixture (in a Rollout template) and every sample
// and conformance manifest: the patch applies (nlohmann json::patch) to
// exactly the defaulted object, only adds (never touches a value the user
// set), is idempotent, and leaves the validator the final word: missing-only
// pod-security violations are fixed, explicit ones are still denied.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "manifests/documents.h"
#include "policy/mutation.h"
#include "test/policy/pod_security/psa_test_util.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;

// Every op adds something new, or replaces a null (an absent securityContext
// written as `securityContext:`): nothing the user set is changed or removed.
void expect_additive(const json& before, const json& patch, const std::string& what) {
  for (const json& op : patch) {
    const std::string path = op.value("path", "");
    if (op["op"] == "replace") {
      json::json_pointer ptr(path);
      EXPECT_TRUE(before.contains(ptr) && before.at(ptr).is_null()) << what << ": replaces a set value: " << op.dump();
    } else {
      EXPECT_EQ(op["op"], "add") << what << ": " << op.dump();
      EXPECT_FALSE(before.contains(json::json_pointer(path))) << what << ": add over an existing value: " << op.dump();
    }
  }
}

// The common contract, for one object; returns the result.
MutationResult check_contract(const Object& obj, const Context& ctx, const std::string& what) {
  MutationResult r = mutate(obj, ctx);
  EXPECT_TRUE(r.error.empty()) << what << ": " << r.error;
  json applied;
  EXPECT_NO_THROW(applied = obj.doc.patch(r.patch)) << what << ": " << r.patch.dump();
  EXPECT_EQ(applied, r.object) << what;
  expect_additive(obj.doc, r.patch, what);
  MutationResult twice = mutate(Object{r.object, obj.where}, ctx);
  EXPECT_TRUE(twice.patch.empty()) << what << ": not idempotent: " << twice.patch.dump();
  EXPECT_TRUE(twice.warnings.empty()) << what;
  EXPECT_EQ(r.changed(), !r.warnings.empty()) << what << ": a change without a warning, or the reverse";
  // mutate() runs the fixes on one copy instead of through apply_fixes():
  // both must give the same object (exempt objects differ on purpose).
  if (annotation(obj.doc, "rollout-guard.io/exempt").empty()) {
    std::vector<FixNote> notes;
    EXPECT_EQ(apply_fixes(obj, ctx, &notes), r.object) << what << ": mutate() and apply_fixes() disagree";
  }
  return r;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The check a fixture is about: "capabilities_restricted2" -> "capabilities_restricted".
std::string fixture_check(const std::string& stem) {
  std::string s = stem;
  while (!s.empty() && std::isdigit(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::set<std::string> psa_check_ids(const std::vector<Finding>& fs) {
  std::set<std::string> out;
  for (const Finding& f : fs) out.insert(lower(f.rule.substr(f.rule.find('/') + 1)));
  return out;
}

// Restricted fail fixtures whose only violations are fields a default fills
// (capabilities_restricted2 drops a list without ALL: "ALL" is added, nothing removed).
const std::set<std::string> kMissingOnly = {
    "allowprivilegeescalation2", "allowprivilegeescalation3", "capabilities_restricted0",
    "capabilities_restricted1",  "capabilities_restricted2",  "runasnonroot0",
    "seccompprofile_restricted0", "seccompprofile_restricted2", "seccompprofile_restricted3"};

// Checks a default can satisfy (by filling a missing field).
const std::set<std::string> kFillable = {"runasnonroot", "seccompprofile_restricted", "allowprivilegeescalation",
                                         "capabilities_restricted"};

TEST(MutationCorpus, PsaFixturesInARolloutTemplate) {
  RG_REQUIRE_CONFORMANCE("psa/restricted/v1.37");
  const fs::path root = fs::path(test::conformance_dir()) / "psa" / "restricted" / "v1.37";
  Policy policy = test::psa::policy_at("restricted", "v1.37");
  MemoryInventory inv;
  Context ctx{policy, inv};
  int passes = 0, fixed = 0, still_denied = 0;
  std::set<std::string> seen;
  for (const char* expect : {"pass", "fail"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(root / expect)) {
      if (e.path().extension() == ".yaml") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      const std::string stem = file.stem().string();
      const std::string what = std::string(expect) + "/" + stem;
      Object obj = test::psa::rollout_from_pod(test::psa::parse_yaml(test::read_file(file.string()), file.string()));
      auto before = test::psa::psa_findings(obj, policy);
      MutationResult r = check_contract(obj, ctx, what);
      auto after = test::psa::psa_findings(Object{r.object, {}}, policy);
      // Defaults never introduce a pod-security finding.
      for (const std::string& id : psa_check_ids(after)) {
        EXPECT_TRUE(psa_check_ids(before).count(id)) << what << ": default introduced " << id;
      }
      if (std::string(expect) == "pass") {
        EXPECT_TRUE(after.empty()) << what;
        ++passes;
      } else if (kMissingOnly.count(stem)) {
        seen.insert(stem);
        EXPECT_TRUE(r.changed()) << what;
        EXPECT_TRUE(after.empty()) << what << ": missing-only violations should be defaulted away: "
                                   << (after.empty() ? "" : after[0].message);
        fixed += after.empty();
      } else {
        // An explicit violation: the field stays (expect_additive) and the
        // check the fixture is about still denies.
        EXPECT_FALSE(after.empty()) << what << ": an explicit violation must still be denied";
        // At restricted some baseline checks are replaced by their restricted
        // variant (capabilities_baseline -> capabilities_restricted): the
        // fixture's own check counts when it denied before the defaults.
        const std::set<std::string> ids_before = psa_check_ids(before), ids_after = psa_check_ids(after);
        if (ids_before.count(fixture_check(stem))) {
          EXPECT_TRUE(ids_after.count(fixture_check(stem))) << what << ": " << fixture_check(stem) << " no longer denies";
        }
        // Checks no default touches deny exactly as before.
        for (const std::string& id : ids_before) {
          if (kFillable.count(id)) continue;
          EXPECT_TRUE(ids_after.count(id)) << what << ": " << id << " no longer denies";
        }
        for (const Finding& f : after) EXPECT_EQ(f.action, Action::Deny) << what;
        still_denied += !after.empty();
      }
    }
  }
  EXPECT_EQ(seen, kMissingOnly);
  std::printf("mutate over PSA restricted/v1.37: %d pass fixtures still pass, %d missing-only fixtures fixed, "
              "%d explicit violations still denied\n",
              passes, fixed, still_denied);
}

// Every *.yaml / *.yml / *.json under dir, grouped by folder.
std::map<fs::path, std::vector<fs::path>> manifests(const fs::path& dir) {
  std::map<fs::path, std::vector<fs::path>> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yaml" || ext == ".yml" || ext == ".json")) {
      out[e.path().parent_path()].push_back(e.path());
    }
  }
  for (auto& [_, files] : out) std::sort(files.begin(), files.end());
  return out;
}

struct Tally {
  int objects = 0, changed = 0;
};

// Each folder is one inventory (the Bookstore-KEDA ScaledObject sees its Rollout).
Tally sweep(const fs::path& dir, const Policy& policy) {
  Tally t;
  for (const auto& [folder, files] : manifests(dir)) {
    std::vector<Object> objects;
    for (const fs::path& f : files) {
      LoadResult loaded = load_documents(test::read_file(f.string()), f.string());
      for (Object& o : loaded.objects) objects.push_back(std::move(o));
    }
    MemoryInventory inv;
    for (const Object& o : objects) inv.add(o);
    Context ctx{policy, inv};
    for (const Object& o : objects) {
      std::string what = o.where.file + ":" + std::to_string(o.where.line);
      MutationResult r = check_contract(o, ctx, what);
      ++t.objects;
      t.changed += r.changed();
    }
  }
  return t;
}

Policy every_default() {
  Policy p;
  p.default_failure_limit = 1;
  p.default_consecutive_error_limit_fill = 4;
  p.default_interval = "1m";
  return p;
}

TEST(MutationCorpus, SamplesIdempotentAndPatchApplies) {
  const fs::path samples = fs::path(test::source_dir()) / "samples";
  for (const Policy& policy : {Policy{}, every_default()}) {
    Tally t = sweep(samples, policy);
    EXPECT_GT(t.objects, 50);
    EXPECT_GT(t.changed, 0);
    std::printf("mutate over samples/: %d objects, %d defaulted\n", t.objects, t.changed);
  }
}

TEST(MutationCorpus, ArgoAndKedaExamples) {
  RG_REQUIRE_CONFORMANCE("argo-rollouts");
  const fs::path root(test::conformance_dir());
  for (const char* sub : {"argo-rollouts", "keda"}) {
    if (!fs::exists(root / sub)) continue;
    Tally t = sweep(root / sub, every_default());
    EXPECT_GT(t.objects, 0) << sub;
    std::printf("mutate over %s: %d objects, %d defaulted\n", sub, t.objects, t.changed);
  }
}

TEST(MutationCorpus, BookstoreIsAlreadyDefaulted) {
  // The Bookstore samples are written to pass: the default policy has nothing to add.
  const fs::path samples = fs::path(test::source_dir()) / "samples";
  for (const char* dir : {"bookstore", "bookstore-keda"}) {
    Policy policy;
    std::vector<Object> objects;
    const auto by_folder = manifests(samples / dir);
    ASSERT_EQ(by_folder.size(), 1u) << dir;
    for (const auto& f : by_folder.begin()->second) {
      for (Object& o : load_documents(test::read_file(f.string()), f.string()).objects) objects.push_back(std::move(o));
    }
    MemoryInventory inv;
    for (const Object& o : objects) inv.add(o);
    Context ctx{policy, inv};
    for (const Object& o : objects) {
      EXPECT_FALSE(mutate(o, ctx).changed()) << o.where.file << ": " << mutate(o, ctx).patch.dump();
    }
  }
}

}  // namespace
}  // namespace rg
