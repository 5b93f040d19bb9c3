// PSA conformance: every upstream fixture of
// conformance/psa/{restricted,baseline}/v1.37/{pass,fail}/*.yaml, placed into a
// Rollout template, must get upstream's answer at that level: pass -> no
// pod-security finding, fail -> at least one, including the check the file
// is named after (or, at restricted, the check that replaces it).
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/pod_security/registry.h"
#include "test/policy/pod_security/psa_test_util.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;
using test::psa::parse_yaml;
using test::psa::policy_at;
using test::psa::psa_findings;
using test::psa::rollout_from_pod;

// "procmount_restricted1" -> "procMount_restricted"; "" when the stem names no check.
std::string check_id_from_stem(std::string stem) {
  while (!stem.empty() && std::isdigit(static_cast<unsigned char>(stem.back()))) stem.pop_back();
  for (const psa::Check& c : psa::registry().checks()) {
    std::string lower(c.id);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (lower == stem) return std::string(c.id);
  }
  return "";
}

std::vector<fs::path> fixtures(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void run_level(const std::string& level) {
  const std::string sub = "psa/" + level + "/v1.37";
  RG_REQUIRE_CONFORMANCE(sub.c_str());
  const fs::path root = fs::path(test::conformance_dir()) / sub;
  psa::Level lv = psa::Level::Restricted;
  ASSERT_TRUE(psa::parse_level(level, &lv));
  const int minor = psa::registry().resolve_version("v1.37");
  Policy policy = policy_at(level, "v1.37");
  Policy latest = policy_at(level, "latest");

  int total = 0, agree = 0, id_checked = 0, id_agree = 0;
  for (const std::string expect : {"pass", "fail"}) {
    for (const fs::path& file : fixtures(root / expect)) {
      ++total;
      json pod = parse_yaml(test::read_file(file.string()), file.string());
      Object obj = rollout_from_pod(pod);
      std::vector<Finding> found = psa_findings(obj, policy);
      bool denied = !found.empty();
      bool ok = (expect == "fail") == denied;
      // "latest" must agree with the pinned v1.37.
      EXPECT_EQ(psa_findings(obj, latest).size(), found.size()) << file;
      if (ok) ++agree;
      std::string all;
      for (const Finding& f : found) all += "\n  " + f.rule + ": " + f.message + " @ " + f.path;
      EXPECT_TRUE(ok) << level << "/" << expect << "/" << file.filename().string() << " got " << found.size()
                      << " findings" << all;
      if (expect == "fail") {
        std::string id = check_id_from_stem(file.stem().string());
        if (!id.empty()) {
          ++id_checked;
          std::string want = "pod-security/" + std::string(psa::registry().effective_id(id, lv, minor));
          bool has = std::any_of(found.begin(), found.end(), [&](const Finding& f) { return f.rule == want; });
          if (has) ++id_agree;
          EXPECT_TRUE(has) << file << ": expected " << want << " among" << all;
        }
        for (const Finding& f : found) {
          EXPECT_FALSE(f.path.empty()) << file << " " << f.rule;
          EXPECT_FALSE(f.hint.empty()) << file << " " << f.rule;
          EXPECT_EQ(f.message.rfind("violates PodSecurity \"" + level + ":v1.37\": ", 0), 0u) << f.message;
        }
      }
    }
  }
  std::printf("PSA conformance %s/v1.37: %d/%d fixtures agree; failing check named in %d/%d fail fixtures\n",
              level.c_str(), agree, total, id_agree, id_checked);
  EXPECT_GT(total, 0);
  EXPECT_EQ(agree, total);
  EXPECT_EQ(id_agree, id_checked);
}

TEST(PodSecurityConformance, Restricted) { run_level("restricted"); }
TEST(PodSecurityConformance, Baseline) { run_level("baseline"); }

}  // namespace
}  // namespace rg
