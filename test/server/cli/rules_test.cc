// `rollout-guard rules` and `explain` through the real binary.
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "policy/catalog.h"
#include "test/server/cli/run_binary.h"
#include "test/support/conformance.h"

namespace rg::test {
namespace {

TEST(RulesCli, ListsTheCatalog) {
  RunResult r = run_binary({"rules"});
  EXPECT_EQ(r.code, 0) << r.err;
  for (const Rule& rule : catalog()) {
    EXPECT_NE(r.out.find(std::string(rule.id)), std::string::npos) << rule.id;
  }
  RunResult j = run_binary({"rules", "-o", "json"});
  EXPECT_EQ(j.code, 0) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["rules"].size(), catalog().size());
}

// docs/rules.md is the binary's own rendering of the catalog: regenerate it
// with `rollout-guard rules -o markdown > docs/rules.md` when a rule changes.
TEST(RulesCli, DocsRulesMdMatchesTheCatalog) {
  RunResult r = run_binary({"rules", "-o", "markdown"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const Rule& rule : catalog()) {
    EXPECT_NE(r.out.find("\n## " + std::string(rule.id) + "\n"), std::string::npos) << rule.id;
    EXPECT_NE(r.out.find(std::string(rule.doc)), std::string::npos) << rule.id;
  }
  std::ifstream in(source_dir() + "/docs/rules.md");
  ASSERT_TRUE(in) << "docs/rules.md is missing";
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_EQ(doc.str(), r.out) << "docs/rules.md is out of date: run `rollout-guard rules -o markdown > docs/rules.md`";
}

TEST(RulesCli, ExplainKnownAndUnknown) {
  RunResult r = run_binary({"explain", "rollout/analysis-gate"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("rollout/analysis-gate (default: deny)", 0), 0u) << r.out;

  RunResult u = run_binary({"explain", "rollout/analysis-gat"});
  EXPECT_EQ(u.code, 2);
  EXPECT_NE(u.err.find("unknown rule id \"rollout/analysis-gat\""), std::string::npos) << u.err;
  EXPECT_NE(u.err.find("rollout/analysis-gate"), std::string::npos) << u.err;

  EXPECT_EQ(run_binary({"explain"}).code, 2);
}

}  // namespace
}  // namespace rg::test
