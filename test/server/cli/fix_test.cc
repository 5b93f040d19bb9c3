// `rollout-guard fix`: the YAML emitter (reads back to the same object), the
// line diff, and the real binary end to end: YAML / JSON / --patch / --diff
// output, stdin, idempotence through the CLI, and exit codes 0, 1 and 2.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifests/documents.h"
#include "policy/inventory.h"
#include "policy/mutation.h"
#include "policy/policy.h"
#include "server/cli/fix.h"
#include "server/cli/line_diff.h"
#include "test/server/cli/run_binary.h"
#include "test/support/conformance.h"

namespace rg {
namespace {

namespace fs = std::filesystem;
using test::run_binary;
using test::RunResult;

// --- YAML emitter ---------------------------------------------------------------

json read_back(const std::string& yaml) {
  LoadResult r = load_documents(yaml, "emitted.yaml");
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors[0].str()) << "\n" << yaml;
  EXPECT_EQ(r.objects.size(), 1u) << yaml;
  return r.objects.empty() ? json() : r.objects[0].doc;
}

TEST(FixYaml, TrickyScalarsReadBackUnchanged) {
  json doc = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "tricky"}}}};
  json data = {{"int-like", "50"}, {"bool-like", "true"}, {"yes", "yes"}, {"off", "off"}, {"empty", ""},
               {"null-like", "null"}, {"tilde", "~"}, {"two-lines", "line1\nline2"}, {"one-newline", "q\n"},
               {"two-newlines", "q\n\n"}, {"leading-space", "  lead\nx\n"}, {"trailing-space", "a \nb\n"},
               {"colon", "x: y"}, {"dash", "- z"}, {"hash", "#c"}, {"duration", "1m"}, {"hex", "0x1F"},
               {"date", "2001-12-14"}, {"sexagesimal", "1:20"}, {"inf", ".inf"}, {"neg", "-5"},
               {"version", "1.4.2"}, {"tab", "a\tb"}, {"unicode", "é✓"}, {"quotes", "a'b\"c"},
               {"braces", "{a}"}, {"star", "*x"}, {"amp", "&y"}, {"bang", "!t"}, {"pct", "%p"},
               {"promql", "sum(rate(x{a=\"b\"}[5m])) by (le)\n"}, {"merge", "<<"}, {"cr", "a\r\nb"}};
  doc["data"] = data;
  doc["numbers"] = {{"float", 1.5}, {"neg", -3}, {"big", 18446744073709551615ull}, {"whole-float", 5.0},
                    {"tiny", 1e-300}};
  doc["other"] = {{"null", nullptr}, {"obj", json::object()}, {"arr", json::array()}, {"t", true}, {"f", false},
                  {"nested", {{{"a", {1, "2", nullptr}}}}}};
  doc["keys"] = {{"true", 1}, {"50", 2}, {"app.kubernetes.io/name", 3}, {"", 4}, {"a b", 5}};
  std::string yaml = cli::to_yaml(doc);
  EXPECT_EQ(read_back(yaml), doc) << yaml;
  // Quoted where a YAML 1.1 reader (kubectl) would change the type; plain where not.
  EXPECT_NE(yaml.find("int-like: \"50\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("\"yes\": \"yes\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("duration: 1m\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("promql: |"), std::string::npos) << yaml;
}

std::vector<Object> load_tree(const fs::path& dir) {
  std::vector<Object> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".yaml" && ext != ".yml" && ext != ".json")) continue;
    for (Object& o : load_documents(test::read_file(e.path().string()), e.path().string()).objects) {
      out.push_back(std::move(o));
    }
  }
  return out;
}

TEST(FixYaml, EverySampleAndCorpusObjectReadsBack) {
  std::vector<Object> objects = load_tree(fs::path(test::source_dir()) / "samples");
  const std::string conf = test::conformance_dir();
  if (!conf.empty()) {
    for (const char* sub : {"argo-rollouts", "keda"}) {
      if (!fs::exists(fs::path(conf) / sub)) continue;
      for (Object& o : load_tree(fs::path(conf) / sub)) objects.push_back(std::move(o));
    }
  }
  ASSERT_GT(objects.size(), 50u);
  for (const Object& o : objects) {
    EXPECT_EQ(read_back(cli::to_yaml(o.doc)), o.doc) << o.where.file << ":" << o.where.line;
  }
}

// --- line diff ------------------------------------------------------------------

TEST(LineDiff, UnifiedHunks) {
  EXPECT_EQ(cli::unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
  EXPECT_EQ(cli::unified_diff("a\nb\nc\n", "a\nB\nc\n", "a/f", "b/f"),
            "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  EXPECT_EQ(cli::unified_diff("", "x\n", "a", "b"), "--- a\n+++ b\n@@ -0,0 +1,1 @@\n+x\n");
  // Two changes far apart: two hunks with three lines of context each.
  std::string a, b;
  for (int i = 0; i < 20; ++i) {
    a += std::to_string(i) + "\n";
    b += (i == 2 ? std::string("two\n") : "") + std::to_string(i) + "\n" + (i == 16 ? "sixteen\n" : "");
  }
  std::string d = cli::unified_diff(a, b, "a", "b");
  EXPECT_NE(d.find("@@ -1,5 +1,6 @@\n 0\n 1\n+two\n 2\n 3\n 4\n"), std::string::npos) << d;
  EXPECT_NE(d.find("@@ -15,6 +16,7 @@\n 14\n 15\n 16\n+sixteen\n 17\n 18\n 19\n"), std::string::npos) << d;
}

TEST(LineDiff, ShortestScriptAndFallback) {
  std::vector<std::string_view> a = {"a", "b", "c", "a", "b", "b", "a"}, b = {"c", "b", "a", "b", "a", "c"};
  auto edits = cli::diff_lines(a, b);
  size_t changes = 0;
  for (const auto& e : edits) changes += e.kind != cli::LineEdit::Equal;
  EXPECT_EQ(changes, 5u);  // Myers' paper example: D = 5
  auto capped = cli::diff_lines(a, b, 1);  // out of budget: still a valid (not minimal) script
  size_t ai = 0, bi = 0;
  for (const auto& e : capped) {
    if (e.kind != cli::LineEdit::Insert) {
      EXPECT_EQ(e.a, ai++);
    }
    if (e.kind != cli::LineEdit::Delete) {
      EXPECT_EQ(e.b, bi++);
    }
  }
  EXPECT_EQ(ai, a.size());
  EXPECT_EQ(bi, b.size());
}

// Applies `edits` to `a`, checking that they walk both texts in order; the
// number of changes, or -1 when the script is not a valid script from a to b.
long apply_script(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
                  const std::vector<cli::LineEdit>& edits) {
  size_t ai = 0, bi = 0;
  long changes = 0;
  for (const auto& e : edits) {
    if (e.kind == cli::LineEdit::Equal) {
      if (e.a != ai || e.b != bi || ai >= a.size() || bi >= b.size() || a[ai] != b[bi]) return -1;
      ++ai, ++bi;
    } else if (e.kind == cli::LineEdit::Delete) {
      if (e.a != ai || ai >= a.size()) return -1;
      ++ai, ++changes;
    } else {
      if (e.b != bi || bi >= b.size()) return -1;
      ++bi, ++changes;
    }
  }
  return ai == a.size() && bi == b.size() ? changes : -1;
}

// The fewest insertions and deletions from a to b, by the textbook O(nm) table.
long edit_distance(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  std::vector<std::vector<long>> lcs(a.size() + 1, std::vector<long>(b.size() + 1, 0));
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      lcs[i][j] = a[i - 1] == b[j - 1] ? lcs[i - 1][j - 1] + 1 : std::max(lcs[i - 1][j], lcs[i][j - 1]);
    }
  }
  return static_cast<long>(a.size() + b.size()) - 2 * lcs[a.size()][b.size()];
}

TEST(LineDiff, ScriptsAreValidAndShortestOnRandomTexts) {
  static const std::string_view kWords[] = {"a", "b", "c", "d"};
  uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff; };
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::string_view> a(next() % 24), b(next() % 24);
    const uint32_t alphabet = 1 + next() % 4;
    for (auto& w : a) w = kWords[next() % alphabet];
    for (auto& w : b) w = kWords[next() % alphabet];
    const long changes = apply_script(a, b, cli::diff_lines(a, b));
    ASSERT_EQ(changes, edit_distance(a, b)) << "round " << round;
    // Capped, the script stays valid.
    ASSERT_GE(apply_script(a, b, cli::diff_lines(a, b, 2)), changes) << "round " << round;
  }
}

// --- the binary -----------------------------------------------------------------

// The Bookstore Rollout with its securityContext fields removed.
json bare_bookstore_rollout() {
  LoadResult r = load_documents(test::read_file(test::source_dir() + "/samples/bookstore/rollout.yaml"), "r");
  json doc = r.objects.at(0).doc;
  json& spec = doc["spec"]["template"]["spec"];
  spec.erase("securityContext");
  spec["containers"][0]["securityContext"].erase("allowPrivilegeEscalation");
  spec["containers"][0]["securityContext"].erase("capabilities");
  return doc;
}

class FixCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rg-fix-" + std::to_string(getpid()) + "-" +
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

json expected_fix(const json& doc) {
  Policy policy;
  MemoryInventory inv;
  inv.add(Object{doc, {}});
  return mutate(Object{doc, {}}, Context{policy, inv}).object;
}

TEST_F(FixCli, YamlOutputIsTheDefaultedObjectExitOne) {
  json doc = bare_bookstore_rollout();
  std::string f = write("rollout.yaml", "# a comment that is not kept\n" + cli::to_yaml(doc));
  RunResult r = run_binary({"fix", f});
  ASSERT_EQ(r.code, 1) << r.err;
  LoadResult out = load_documents(r.out, "stdout");
  ASSERT_EQ(out.objects.size(), 1u) << r.out;
  EXPECT_EQ(out.objects[0].doc, expected_fix(doc));
  EXPECT_EQ(r.out.rfind("---\n# Source: " + f + "\n", 0), 0u) << r.out;
  EXPECT_NE(r.err.find(f + ":2: Rollout bookstore/catalog: set spec.template.spec.securityContext.seccompProfile.type="
                           "RuntimeDefault\n"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("1 object, 1 defaulted\n"), std::string::npos) << r.err;

  // The output needs nothing more: fix it again from stdin, exit 0, same output.
  RunResult again = run_binary({"fix", "-"}, r.out);
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(load_documents(again.out, "again").objects.at(0).doc, out.objects[0].doc);
  // And it passes check.
  RunResult checked = run_binary({"check", "-"}, r.out);
  EXPECT_EQ(checked.code, 0) << checked.out << checked.err;
}

TEST_F(FixCli, JsonOutput) {
  json doc = bare_bookstore_rollout();
  std::string f = write("rollout.json", doc.dump());
  RunResult r = run_binary({"fix", "-o", "json", f});
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(json::parse(r.out), expected_fix(doc));
  // Several objects: a v1 List, as kubectl prints them.
  std::string cm = write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: \"1\"}\n");
  RunResult two = run_binary({"fix", "-o", "json", f, cm});
  ASSERT_EQ(two.code, 1) << two.err;
  json list = json::parse(two.out);
  EXPECT_EQ(list["kind"], "List");
  ASSERT_EQ(list["items"].size(), 2u);
  EXPECT_EQ(list["items"][1]["data"]["a"], "1");
}

TEST_F(FixCli, PatchAppliesToTheOriginalAndEqualsTheFixOutput) {
  json doc = bare_bookstore_rollout();
  doc["metadata"]["annotations"] = {{"example.com/owner~team", "books"}};
  std::string f = write("rollout.yaml", cli::to_yaml(doc));
  RunResult patched = run_binary({"fix", "--patch", f});
  ASSERT_EQ(patched.code, 1) << patched.err;
  json entries = json::parse(patched.out);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["kind"], "Rollout");
  EXPECT_EQ(entries[0]["file"], f);
  EXPECT_EQ(entries[0]["line"], 1);
  EXPECT_FALSE(entries[0]["warnings"].empty());
  RunResult fixed = run_binary({"fix", f});
  json from_fix = load_documents(fixed.out, "fix").objects.at(0).doc;
  EXPECT_EQ(doc.patch(entries[0]["patch"]), from_fix);
  for (const json& op : entries[0]["patch"]) EXPECT_EQ(op["op"], "add") << op.dump();
  // Nothing to do: an empty array, exit 0.
  RunResult none = run_binary({"fix", "--patch", test::source_dir() + "/samples/bookstore"});
  EXPECT_EQ(none.code, 0) << none.err;
  EXPECT_EQ(json::parse(none.out), json::array());
}

TEST_F(FixCli, DiffShowsOnlyTheDefaultedLines) {
  std::string f = write("rollout.yaml", cli::to_yaml(bare_bookstore_rollout()));
  std::string clean = test::source_dir() + "/samples/bookstore/hpa.yaml";
  RunResult r = run_binary({"fix", "--diff", f, clean});
  ASSERT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.out.rfind("--- a/" + f + "\n+++ b/" + f + "\n@@ ", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find("hpa.yaml"), std::string::npos) << "unchanged files have no diff:\n" << r.out;
  int plus = 0, minus = 0;
  size_t pos = 0;
  while ((pos = r.out.find('\n', pos)) != std::string::npos && ++pos < r.out.size()) {
    if (r.out.compare(pos, 4, "+++ ") == 0 || r.out.compare(pos, 4, "--- ") == 0) continue;
    plus += r.out[pos] == '+';
    minus += r.out[pos] == '-';
  }
  EXPECT_EQ(minus, 0) << r.out;  // defaults only add
  EXPECT_GT(plus, 4) << r.out;
  EXPECT_NE(r.out.find("+        runAsNonRoot: true\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("+            allowPrivilegeEscalation: false\n"), std::string::npos) << r.out;
}

TEST_F(FixCli, DiffOfALargeFileChangedThroughoutStaysInLinearMemory) {
  // A sanitizer reserves terabytes of shadow memory, so no RLIMIT_AS cap leaves room for the binary to start.
  if (const char* sanitizer = std::getenv("RG_SANITIZER"); sanitizer != nullptr && *sanitizer != '\0') {
    GTEST_SKIP() << "RLIMIT_AS cap cannot hold a binary built with RG_SANITIZER=" << sanitizer;
  }
  // 400 bare Rollouts (about 27,000 lines), each defaulted in several places: changes all through the file.
  std::string text;
  json bare = bare_bookstore_rollout();
  for (int i = 0; i < 400; ++i) {
    bare["metadata"]["name"] = "catalog-" + std::to_string(i);
    text += "---\n" + bare.dump(1) + "\n";
  }
  std::string f = write("many.yaml", text);
  RunResult r = run_binary({"fix", "--diff", f}, "", 120, "", size_t{512} << 20);
  ASSERT_EQ(r.code, 1) << r.err.substr(0, 2000);
  size_t hunks = 0, added = 0;
  for (size_t at = r.out.find("\n@@ "); at != std::string::npos; at = r.out.find("\n@@ ", at + 1)) ++hunks;
  for (size_t at = r.out.find("\n+ "); at != std::string::npos; at = r.out.find("\n+ ", at + 1)) ++added;
  // Every Rollout gets its own hunk: the script is the minimal one, not one wholesale replacement.
  EXPECT_GE(hunks, 400u) << r.out.substr(0, 3000);
  EXPECT_GE(added, 400u * 3);
}

TEST_F(FixCli, KedaTargetAcrossFiles) {
  RunResult r = run_binary({"fix", "--patch", test::source_dir() + "/samples/bad/replicas_replaced_deployment_target.yaml"});
  ASSERT_EQ(r.code, 1) << r.err;
  json entries = json::parse(r.out);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["kind"], "ScaledObject");
  EXPECT_EQ(entries[0]["patch"], json::parse(R"([
    {"op":"add","path":"/spec/scaleTargetRef/apiVersion","value":"argoproj.io/v1alpha1"},
    {"op":"add","path":"/spec/scaleTargetRef/kind","value":"Rollout"}])"));
}

TEST_F(FixCli, PolicyTurnsDefaultsOffOrOn) {
  std::string f = write("rollout.yaml", cli::to_yaml(bare_bookstore_rollout()));
  std::string off = write("off.yaml", "defaults:\n  podSecurity: false\n");
  RunResult r = run_binary({"fix", "--policy", off, f});
  EXPECT_EQ(r.code, 0) << r.err;
  std::string templates = test::source_dir() + "/samples/bookstore/analysis-templates.yaml";
  EXPECT_EQ(run_binary({"fix", templates}).code, 0);
  // The Bookstore templates set failureLimit and interval; consecutiveErrorLimit is filled.
  std::string on = write("on.yaml", "defaults:\n  analysis:\n    consecutiveErrorLimit: 4\n");
  RunResult filled = run_binary({"fix", "--patch", "--policy", on, templates});
  EXPECT_EQ(filled.code, 1) << filled.err;
  EXPECT_NE(filled.out.find("\"/spec/metrics/0/consecutiveErrorLimit\""), std::string::npos) << filled.out;
}

TEST_F(FixCli, ErrorsExitTwo) {
  std::string good = write("rollout.yaml", cli::to_yaml(bare_bookstore_rollout()));
  std::string bad = write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkey: [unclosed\n");
  RunResult r = run_binary({"fix", good, bad});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find(bad + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(bad + ": not printed because of the errors above"), std::string::npos) << r.err;
  // The good file is still printed, the broken one is not.
  LoadResult out = load_documents(r.out, "stdout");
  ASSERT_EQ(out.objects.size(), 1u) << r.out;
  EXPECT_EQ(out.objects[0].kind(), "Rollout");

  EXPECT_EQ(run_binary({"fix", (dir_ / "missing.yaml").string()}).code, 2);
  std::string bad_policy = write("policy.yaml", "rules:\n  nope/nope: deny\n");
  RunResult p = run_binary({"fix", "--policy", bad_policy, good});
  EXPECT_EQ(p.code, 2);
  EXPECT_NE(p.err.find("rules.nope/nope"), std::string::npos) << p.err;
  // Usage errors.
  EXPECT_EQ(run_binary({"fix"}).code, 2);
  EXPECT_EQ(run_binary({"fix", "--patch", "--diff", good}).code, 2);
  EXPECT_EQ(run_binary({"fix", "-o", "json", "--patch", good}).code, 2);
  EXPECT_EQ(run_binary({"fix", "-o", "sarif", good}).code, 2);
}

TEST_F(FixCli, NothingToDoExitsZero) {
  RunResult r = run_binary({"fix", test::source_dir() + "/samples/bookstore-keda"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(load_documents(r.out, "out").objects.size(), 6u) << r.out;
  RunResult empty = run_binary({"fix", "-"}, "# nothing\n");
  EXPECT_EQ(empty.code, 0) << empty.err;
  EXPECT_EQ(empty.out, "");
}

}  // namespace
}  // namespace rg
