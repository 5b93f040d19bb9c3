// The pod-security safe defaults (Rule::fix): fill what is absent, never
// change what the user set, idempotent, Windows-aware, policy-switchable, and
// over the PSA fixtures: missing-only violations are fixed, explicit ones stay.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/catalog.h"
#include "test/policy/pod_security/psa_test_util.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;
using test::psa::parse_yaml;
using test::psa::policy_at;
using test::psa::psa_findings;
using test::psa::rollout_from_pod;

json fix(const json& doc, const Policy& policy, std::vector<FixNote>* notes = nullptr) {
  MemoryInventory inv;
  Context ctx{policy, inv};
  std::vector<FixNote> local;
  return apply_fixes(Object{doc, {}}, ctx, notes ? notes : &local);
}

// Every leaf of `before` is still there, unchanged, in `after`.
void expect_preserved(const json& before, const json& after, const std::string& what) {
  json flat = before.flatten();
  json fixed = after.flatten();
  for (auto it = flat.begin(); it != flat.end(); ++it) {
    if (it.value().is_null()) continue;  // null may become an object
    auto f = fixed.find(it.key());
    ASSERT_NE(f, fixed.end()) << what << ": lost " << it.key();
    EXPECT_EQ(*f, it.value()) << what << ": changed " << it.key();
  }
}

TEST(PodSecurityFix, FillsAbsentFieldsWithNotes) {
  json pod = {{"spec", {{"containers", {{{"name", "catalog"}, {"image", "c"}}}},
                        {"initContainers", {{{"name", "init"}, {"securityContext", nullptr}}}},
                        {"ephemeralContainers", {{{"name", "dbg"}, {"securityContext", {{"capabilities", nullptr}}}}}}}}};
  Object obj = rollout_from_pod(pod);
  std::vector<FixNote> notes;
  json out = fix(obj.doc, policy_at("restricted"), &notes);
  const json& spec = out["spec"]["template"]["spec"];
  EXPECT_EQ(spec["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    EXPECT_EQ(spec[list][0]["securityContext"]["allowPrivilegeEscalation"], false) << list;
    EXPECT_EQ(spec[list][0]["securityContext"]["capabilities"]["drop"], json::array({"ALL"})) << list;
  }
  std::set<std::string> messages;
  for (const FixNote& n : notes) messages.insert(n.message);
  EXPECT_TRUE(messages.count("set spec.template.spec.securityContext.seccompProfile.type=RuntimeDefault"));
  EXPECT_TRUE(messages.count("set spec.template.spec.securityContext.runAsNonRoot=true"));
  EXPECT_TRUE(messages.count("set spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation=false"));
  EXPECT_TRUE(messages.count("set spec.template.spec.initContainers[0].securityContext.capabilities.drop=[\"ALL\"]"));
  EXPECT_EQ(notes.size(), 8u);
  EXPECT_TRUE(psa_findings(Object{out, {}}, policy_at("restricted")).empty());
  // Fix twice == fix once, and the second pass says nothing.
  std::vector<FixNote> again;
  EXPECT_EQ(fix(out, policy_at("restricted"), &again), out);
  EXPECT_TRUE(again.empty());
}

TEST(PodSecurityFix, NeverOverwritesUserValues) {
  json pod = {{"spec",
               {{"securityContext", {{"runAsNonRoot", false}, {"seccompProfile", {{"type", "Unconfined"}}}}},
                {"containers",
                 {{{"name", "a"},
                   {"securityContext",
                    {{"allowPrivilegeEscalation", true},
                     {"capabilities", {{"add", {"NET_BIND_SERVICE"}}, {"drop", {"NET_RAW"}}}}}}},
                  {{"name", "p"}, {"securityContext", {{"privileged", true}}}}}}}}};
  Object obj = rollout_from_pod(pod);
  json out = fix(obj.doc, policy_at("restricted"));
  expect_preserved(obj.doc, out, "explicit");
  const json& spec = out["spec"]["template"]["spec"];
  EXPECT_EQ(spec["containers"][0]["securityContext"]["capabilities"]["drop"], json::array({"NET_RAW", "ALL"}));
  EXPECT_EQ(spec["containers"][0]["securityContext"]["capabilities"]["add"], json::array({"NET_BIND_SERVICE"}));
  // privileged: true makes allowPrivilegeEscalation=false invalid in the API: left for the validator.
  EXPECT_FALSE(spec["containers"][1]["securityContext"].contains("allowPrivilegeEscalation"));
  auto fs = psa_findings(Object{out, {}}, policy_at("restricted"));
  std::set<std::string> ids;
  for (const Finding& f : fs) ids.insert(f.rule);
  EXPECT_TRUE(ids.count("pod-security/runAsNonRoot"));
  EXPECT_TRUE(ids.count("pod-security/seccompProfile_restricted"));
  EXPECT_TRUE(ids.count("pod-security/allowPrivilegeEscalation"));
  EXPECT_TRUE(ids.count("pod-security/privileged"));
  EXPECT_EQ(fix(out, policy_at("restricted")), out);
}

TEST(PodSecurityFix, WindowsGetsOnlyRunAsNonRoot) {
  json pod = {{"spec", {{"os", {{"name", "windows"}}}, {"containers", {{{"name", "w"}}}}}}};
  std::vector<FixNote> notes;
  json out = fix(rollout_from_pod(pod).doc, policy_at("restricted"), &notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].path, "spec.template.spec.securityContext.runAsNonRoot");
  EXPECT_FALSE(out["spec"]["template"]["spec"]["containers"][0].contains("securityContext"));
  EXPECT_TRUE(psa_findings(Object{out, {}}, policy_at("restricted")).empty());
}

TEST(PodSecurityFix, SwitchedOffByPolicyAndLevel) {
  json doc = rollout_from_pod({{"spec", {{"containers", {{{"name", "c"}}}}}}}).doc;
  Policy off = policy_at("restricted");
  off.default_pod_security = false;
  EXPECT_EQ(fix(doc, off), doc);
  // Baseline does not include the four restricted checks: nothing to default.
  EXPECT_EQ(fix(doc, policy_at("baseline")), doc);
  // A rule turned off has no fix either.
  Policy no_seccomp = policy_at("restricted");
  no_seccomp.rules["pod-security/seccompProfile_restricted"] = Action::Off;
  json out = fix(doc, no_seccomp);
  EXPECT_FALSE(out["spec"]["template"]["spec"]["securityContext"].contains("seccompProfile"));
  EXPECT_EQ(out["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"], true);
}

// Restricted fail fixtures whose only violations are fields a default fills.
const std::set<std::string> kFixable = {
    "allowprivilegeescalation2", "allowprivilegeescalation3", "capabilities_restricted0",
    "capabilities_restricted1",  "capabilities_restricted2",  "runasnonroot0",
    "seccompprofile_restricted0", "seccompprofile_restricted2", "seccompprofile_restricted3"};

TEST(PodSecurityFix, PsaFixtures) {
  RG_REQUIRE_CONFORMANCE("psa/restricted/v1.37");
  const fs::path root = fs::path(test::conformance_dir()) / "psa";
  int fixed_pass = 0, still_denied = 0;
  std::set<std::string> seen_fixable;
  for (const char* level : {"restricted", "baseline"}) {
    Policy policy = policy_at(level, "v1.37");
    for (const char* expect : {"pass", "fail"}) {
      for (const auto& e : fs::directory_iterator(root / level / "v1.37" / expect)) {
        if (e.path().extension() != ".yaml") continue;
        std::string stem = e.path().stem().string();
        std::string what = std::string(level) + "/" + expect + "/" + stem;
        Object obj = rollout_from_pod(parse_yaml(test::read_file(e.path().string()), e.path().string()));
        json once = fix(obj.doc, policy);
        expect_preserved(obj.doc, once, what);
        EXPECT_EQ(fix(once, policy), once) << what << ": fix is not idempotent";
        auto after = psa_findings(Object{once, {}}, policy);
        if (std::string(expect) == "pass") {
          EXPECT_TRUE(after.empty()) << what << ": fix broke a passing pod";
        } else if (std::string(level) == "restricted" && kFixable.count(stem)) {
          seen_fixable.insert(stem);
          EXPECT_TRUE(after.empty()) << what << ": missing-only violations should be fixed";
          if (after.empty()) ++fixed_pass;
        } else {
          EXPECT_FALSE(after.empty()) << what << ": an explicit violation must still be denied";
          if (!after.empty()) ++still_denied;
        }
        if (std::string(level) == "baseline") {
          EXPECT_EQ(once, obj.doc) << what;
        }
      }
    }
  }
  EXPECT_EQ(seen_fixable, kFixable);
  std::printf("PSA fixtures after fix: %d missing-only fixtures now pass; %d explicit violations still denied\n",
              fixed_pass, still_denied);
}

}  // namespace
}  // namespace rg
