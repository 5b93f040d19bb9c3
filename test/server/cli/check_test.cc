// `rollout-guard check` end to end: the real binary, its output and exit codes.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test/server/cli/run_binary.h"
#include "test/support/conformance.h"

namespace rg::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A Rollout Argo would refuse (rollout/spec denies it).
const char* kBadRollout =
    "apiVersion: argoproj.io/v1alpha1\n"
    "kind: Rollout\n"
    "metadata:\n"
    "  name: broken\n"
    "  namespace: shop\n"
    "spec: {}\n";

// A kind no rule reads: loaded, kept in the inventory, counted as skipped.
const char* kConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: b}\n";

class CheckCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rg-check-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& rel, const std::string& text) {
    fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  fs::path dir_;
};

// Files are loaded and objects evaluated by several threads (--jobs); the
// output must not depend on how many: same findings, order and errors.
TEST_F(CheckCli, OutputDoesNotDependOnJobs) {
  std::string bad = write("bad/x.yaml", "a: [1\n");  // a syntax error among the samples
  (void)bad;
  const std::string samples = source_dir() + "/samples";
  RunResult one = run_binary({"check", "-j", "1", "-o", "json", samples, dir_.string()});
  ASSERT_EQ(one.code, 2) << one.err;  // deny findings and an input error: errors win
  json parsed = json::parse(one.out);
  ASSERT_GT(parsed["findings"].size(), 40u);
  EXPECT_EQ(parsed["summary"]["errors"], 1);
  for (const char* jobs : {"2", "3", "8"}) {
    RunResult many = run_binary({"check", "-j", jobs, "-o", "json", samples, dir_.string()});
    EXPECT_EQ(many.code, one.code) << jobs;
    EXPECT_EQ(many.out, one.out) << jobs;
    EXPECT_EQ(many.err, one.err) << jobs;
  }
  EXPECT_EQ(run_binary({"check", "-j", "0", samples}).code, 2);  // out of range: usage error
}

TEST_F(CheckCli, CleanInputExitsZeroWithSummary) {
  std::string f = write("cm.yaml", kConfigMap);
  RunResult r = run_binary({"check", f});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0 objects, 0 deny, 0 warn, 1 skipped, 0 errors\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CheckCli, DenyFindingExitsOneWithFileLineRuleMessageAndHint) {
  std::string f = write("r.yaml", std::string(kConfigMap) + "---\n" + kBadRollout);
  RunResult r = run_binary({"check", f});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find(f + ":6: deny rollout/spec: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\n    hint: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 object, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", 1 skipped, 0 errors\n"), std::string::npos) << r.out;
}

TEST_F(CheckCli, JsonOutputFollowsTheSchema) {
  std::string f = write("r.yaml", kBadRollout);
  RunResult r = run_binary({"check", "-o", "json", f});
  EXPECT_EQ(r.code, 1) << r.err;
  json doc = json::parse(r.out);
  ASSERT_TRUE(doc["findings"].is_array());
  ASSERT_FALSE(doc["findings"].empty());
  const json& first = doc["findings"][0];
  for (const char* key : {"rule", "action", "apiVersion", "kind", "namespace", "name", "path", "message", "hint",
                          "file", "line"}) {
    EXPECT_TRUE(first.contains(key)) << key;
  }
  EXPECT_EQ(first["rule"], "rollout/spec");
  EXPECT_EQ(first["action"], "deny");
  EXPECT_EQ(first["kind"], "Rollout");
  EXPECT_EQ(first["namespace"], "shop");
  EXPECT_EQ(first["name"], "broken");
  EXPECT_EQ(first["file"], f);
  EXPECT_EQ(first["line"], 1);
  const json& s = doc["summary"];
  EXPECT_EQ(s["objects"], 1);
  EXPECT_EQ(s["deny"], static_cast<int>(doc["findings"].size()));
  EXPECT_EQ(s["warn"], 0);
  EXPECT_EQ(s["skipped"], 0);
  EXPECT_EQ(s["errors"], 0);
}

TEST_F(CheckCli, SarifOutputIsSarif) {
  std::string f = write("r.yaml", kBadRollout);
  RunResult r = run_binary({"check", "-o", "sarif", f});
  EXPECT_EQ(r.code, 1) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["version"], "2.1.0");
  const json& run = doc["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["name"], "rollout-guard");
  ASSERT_FALSE(run["results"].empty());
  EXPECT_EQ(run["results"][0]["ruleId"], "rollout/spec");
  EXPECT_EQ(run["results"][0]["level"], "error");
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 1);
}

TEST_F(CheckCli, StdinIsDash) {
  RunResult r = run_binary({"check", "-o", "json", "-"}, kBadRollout);
  EXPECT_EQ(r.code, 1) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["findings"][0]["file"], "<stdin>");
  RunResult json_in = run_binary({"check", "-"}, R"({"apiVersion":"v1","kind":"List","items":[
    {"apiVersion":"argoproj.io/v1alpha1","kind":"Rollout","metadata":{"name":"x"},"spec":{}}]})");
  EXPECT_EQ(json_in.code, 1) << json_in.err;
  EXPECT_NE(json_in.out.find("<stdin>:2: deny rollout/spec"), std::string::npos) << json_in.out;
}

TEST_F(CheckCli, DirectoriesAreWalkedRecursivelySortedAndLoopSafe) {
  write("b/r.yml", kBadRollout);
  write("a/r.yaml", kBadRollout);
  write("c.json", R"({"apiVersion":"v1","kind":"ConfigMap"})");
  write("notes.txt", "not: [yaml");
  std::error_code ec;
  fs::create_directory_symlink(dir_, dir_ / "a" / "loop", ec);
  ASSERT_FALSE(ec) << ec.message();
  RunResult r = run_binary({"check", "-o", "json", dir_.string()}, "", 60);
  EXPECT_EQ(r.code, 1) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["summary"]["objects"], 2);
  EXPECT_EQ(doc["summary"]["skipped"], 1);
  EXPECT_EQ(doc["summary"]["errors"], 0);
  EXPECT_EQ(doc["findings"].front()["file"], (dir_ / "a" / "r.yaml").string());
  EXPECT_EQ(doc["findings"].back()["file"], (dir_ / "b" / "r.yml").string());
  EXPECT_NE(r.err.find("already visited"), std::string::npos) << r.err;
}

// The walker trusts the type the directory listing gives and stats only
// symlinks: a symlinked file is read, a dangling one is an error naming it, a
// symlinked directory is walked, and a directory named like a manifest is walked.
TEST_F(CheckCli, SymlinksAreFollowedAndDanglingOnesAreErrors) {
  std::string target = write("elsewhere/real.txt", kBadRollout);
  fs::create_directories(dir_ / "in" / "sub.yaml");
  write("in/sub.yaml/r.yaml", kBadRollout);
  std::error_code ec;
  fs::create_symlink(target, dir_ / "in" / "linked.yaml", ec);
  ASSERT_FALSE(ec) << ec.message();
  fs::create_symlink(dir_ / "missing.yaml", dir_ / "in" / "dangling.yaml", ec);
  ASSERT_FALSE(ec) << ec.message();
  fs::create_directory_symlink(dir_ / "elsewhere", dir_ / "in" / "dirlink", ec);  // holds only a .txt
  ASSERT_FALSE(ec) << ec.message();
  RunResult r = run_binary({"check", "-o", "json", (dir_ / "in").string()}, "", 60);
  EXPECT_EQ(r.code, 2) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["summary"]["objects"], 2) << r.out;  // linked.yaml and sub.yaml/r.yaml
  ASSERT_EQ(doc["errors"].size(), 1u) << r.out;
  EXPECT_NE(doc["errors"][0].get<std::string>().find((dir_ / "in" / "dangling.yaml").string() + ": "),
            std::string::npos)
      << r.out;

  // A file named on the command line is read whatever its extension.
  RunResult d = run_binary({"check", (dir_ / "elsewhere" / "real.txt").string()}, "", 60);
  EXPECT_EQ(d.code, 1) << d.err;  // the Rollout in it is denied
}

TEST_F(CheckCli, BadYamlReportsFileLineColumnExitsTwoAndChecksTheRest) {
  std::string bad = write("bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {a: [b}\n");
  std::string good = write("good.yaml", kBadRollout);
  RunResult r = run_binary({"check", bad, good});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind(bad + ":4:", 0), 0u) << r.err;
  EXPECT_NE(r.out.find(good + ":1: deny rollout/spec"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(", 1 error\n"), std::string::npos) << r.out;
}

TEST_F(CheckCli, BadJsonReportsLineAndColumn) {
  std::string bad = write("bad.json", "{\n  \"kind\": \"Pod\",\n  \"apiVersion\": v1\n}\n");
  RunResult r = run_binary({"check", bad});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind(bad + ":3:", 0), 0u) << r.err;
}

TEST_F(CheckCli, HugeInputIsRefusedNotRead) {
  std::string big = (dir_ / "big.yaml").string();
  {
    std::ofstream f(big);
  }
  fs::resize_file(big, 200u << 20);  // sparse: 200 MiB of zeros
  std::string good = write("good.yaml", kBadRollout);
  RunResult r = run_binary({"check", big, good}, "", 30);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(big + ": input too large"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("deny rollout/spec"), std::string::npos) << r.out;

  std::string huge_stdin((65u << 20), '#');
  RunResult s = run_binary({"check", "-"}, huge_stdin, 60);
  EXPECT_EQ(s.code, 2);
  EXPECT_NE(s.err.find("<stdin>: input too large"), std::string::npos) << s.err;
}

TEST_F(CheckCli, DeeplyNestedFlowIsRefusedUnderAnAddressSpaceCap) {
  // A sanitizer reserves terabytes of shadow memory, so no RLIMIT_AS cap leaves room for the binary to start.
  if (const char* sanitizer = std::getenv("RG_SANITIZER"); sanitizer != nullptr && *sanitizer != '\0') {
    GTEST_SKIP() << "RLIMIT_AS cap cannot hold a binary built with RG_SANITIZER=" << sanitizer;
  }
  // 4 MB of "[" under a 768 MB address space: refused before the YAML parser, whose scanner would queue a
  // token per bracket (about 350 bytes each) before emitting anything.
  RunResult flow = run_binary({"check", "-"}, "apiVersion: v1\nkind: Pod\nspec: " + std::string(4'000'000, '[') + "\n",
                              60, "", size_t{768} << 20);
  EXPECT_EQ(flow.code, 2);
  EXPECT_NE(flow.err.find("<stdin>:3:"), std::string::npos) << flow.err;
  EXPECT_NE(flow.err.find("nesting too deep"), std::string::npos) << flow.err;
}

TEST_F(CheckCli, DeeplyNestedInputIsRefusedWithoutCrashing) {
  std::string block = "apiVersion: v1\nkind: Pod\nspec:\n";  // compact nested sequences: "- - - ... x"
  for (int i = 0; i < 5000; ++i) block += std::string(static_cast<size_t>(i), ' ') + "- ";
  block += "x\n";
  RunResult seq = run_binary({"check", "-"}, block);
  EXPECT_EQ(seq.code, 2);
  EXPECT_NE(seq.err.find("<stdin>:4:"), std::string::npos) << seq.err;
  EXPECT_NE(seq.err.find("nesting too deep"), std::string::npos) << seq.err;

  RunResult json_deep = run_binary({"check", "-"}, std::string(1'000'000, '[') + std::string(1'000'000, ']'));
  EXPECT_EQ(json_deep.code, 2);
  EXPECT_NE(json_deep.err.find("nesting too deep"), std::string::npos) << json_deep.err;
}

TEST_F(CheckCli, AliasBombIsRefused) {
  std::string text = "a: &a [x,x,x,x,x,x,x,x,x,x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c) {
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) text += std::string(i ? "," : "") + "*" + prev;
    text += "]\n";
    prev = c;
  }
  RunResult r = run_binary({"check", "-"}, text, 60);
  EXPECT_EQ(r.code, 2);
  // Whichever bound is reached first (the bytes aliases add, then the node
  // count): a positioned refusal.
  EXPECT_EQ(r.err.rfind("<stdin>:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("; refusing to load"), std::string::npos) << r.err;
}

TEST_F(CheckCli, PolicyFileErrorsNameTheField) {
  std::string pol = write("policy.yaml", "rules:\n  rollout/nope: deny\n");
  std::string f = write("r.yaml", kBadRollout);
  RunResult r = run_binary({"check", "--policy", pol, f});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(pol + ": rules.rollout/nope: unknown rule id"), std::string::npos) << r.err;

  std::string syntax = write("syntax.yaml", "rules: {\n");
  RunResult s = run_binary({"check", "--policy", syntax, f});
  EXPECT_EQ(s.code, 2);
  EXPECT_EQ(s.err.rfind(syntax + ":", 0), 0u) << s.err;

  RunResult missing = run_binary({"check", "--policy", (dir_ / "nope.yaml").string(), f});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nope.yaml"), std::string::npos) << missing.err;
}

TEST_F(CheckCli, PolicyFileChangesActions) {
  std::string f = write("r.yaml", kBadRollout);
  std::string off = write("off.yaml", "rules:\n  rollout/spec: off\n");
  RunResult r = run_binary({"check", "--policy", off, f});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("rollout/spec"), std::string::npos) << r.out;

  std::string warn = write("warn.yaml", "rules:\n  rollout/*: warn\n");
  RunResult w = run_binary({"check", "--policy", warn, f});
  EXPECT_EQ(w.code, 0) << w.out << w.err;
  EXPECT_NE(w.out.find(": warn rollout/spec: "), std::string::npos) << w.out;
}

TEST_F(CheckCli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_binary({"check"}).code, 2);
  EXPECT_EQ(run_binary({"check", "-o", "xml", "x.yaml"}).code, 2);
  EXPECT_EQ(run_binary({}).code, 2);
  RunResult missing = run_binary({"check", (dir_ / "absent.yaml").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("absent.yaml: "), std::string::npos) << missing.err;
}

TEST_F(CheckCli, SamplesAreChecked) {
  std::string samples = source_dir() + "/samples";
  ASSERT_TRUE(fs::exists(samples)) << "samples/ is missing";
  RunResult r = run_binary({"check", "-o", "json", samples}, "", 120);
  EXPECT_NE(r.code, 2) << r.err;
  json doc = json::parse(r.out);
  EXPECT_GT(doc["summary"]["objects"].get<int>(), 0);
}

}  // namespace
}  // namespace rg::test
