// Renderers and run_check, in process.
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "policy/catalog.h"
#include "server/cli/check.h"
#include "server/cli/rules.h"

namespace rg::cli {
namespace {

Finding finding(std::string file, int line, Action action, std::string rule) {
  Finding f;
  f.rule = std::move(rule);
  f.action = action;
  f.api_version = "argoproj.io/v1alpha1";
  f.kind = "Rollout";
  f.ns = "shop";
  f.name = "catalog";
  f.path = "spec.strategy";
  f.message = "something is wrong";
  f.hint = "fix it";
  f.file = std::move(file);
  f.line = line;
  return f;
}

CheckReport sample_report() {
  CheckReport r;
  r.findings = {finding("a.yaml", 3, Action::Deny, "rollout/spec"),
                finding("a.yaml", 3, Action::Warn, "rollout/gate-order"),
                finding("b.yaml", 10, Action::Deny, "analysis/spec")};
  r.checked = {{"a.yaml", 3, "Rollout", "shop", "a", 0, 2}, {"b.yaml", 10, "AnalysisTemplate", "shop", "b", 2, 1}};
  r.skipped = 1;
  return r;
}

TEST(RenderText, GroupsByFileWithHintsAndSummary) {
  EXPECT_EQ(render_text(sample_report()),
            "a.yaml:3: deny rollout/spec: something is wrong\n"
            "    hint: fix it\n"
            "a.yaml:3: warn rollout/gate-order: something is wrong\n"
            "    hint: fix it\n"
            "\n"
            "b.yaml:10: deny analysis/spec: something is wrong\n"
            "    hint: fix it\n"
            "\n"
            "2 objects, 2 deny, 1 warn, 1 skipped, 0 errors\n");
}

TEST(RenderText, EmptyReportIsJustTheSummary) {
  CheckReport r;
  r.checked = {{"y.yaml", 1, "Rollout", "shop", "r", 0, 0}};
  r.errors.push_back({"x.yaml", 1, 2, "bad"});
  EXPECT_EQ(render_text(r), "1 object, 0 deny, 0 warn, 0 skipped, 1 error\n");
}

TEST(RenderJson, SchemaAndOrder) {
  nlohmann::json doc = nlohmann::json::parse(render_json(sample_report()));
  ASSERT_EQ(doc["findings"].size(), 3u);
  EXPECT_EQ(doc["findings"][0],
            (nlohmann::json{{"rule", "rollout/spec"}, {"action", "deny"}, {"apiVersion", "argoproj.io/v1alpha1"},
                            {"kind", "Rollout"}, {"namespace", "shop"}, {"name", "catalog"},
                            {"path", "spec.strategy"}, {"message", "something is wrong"}, {"hint", "fix it"},
                            {"file", "a.yaml"}, {"line", 3}}));
  EXPECT_EQ(doc["summary"], (nlohmann::json{{"objects", 2}, {"deny", 2}, {"warn", 1}, {"skipped", 1}, {"errors", 0}}));
  // Keys appear in the documented order.
  std::string text = render_json(sample_report());
  EXPECT_LT(text.find("\"rule\""), text.find("\"action\""));
  EXPECT_LT(text.find("\"hint\""), text.find("\"file\""));
}

TEST(RenderJson, InvalidUtf8DoesNotThrow) {
  CheckReport r;
  r.findings = {finding("a.yaml", 1, Action::Deny, "rollout/spec")};
  r.findings[0].name = "bad\xff";
  EXPECT_NO_THROW((void)render_json(r));
  EXPECT_NO_THROW((void)render_sarif(r));
}

TEST(RenderSarif, ResultsAndRules) {
  nlohmann::json doc = nlohmann::json::parse(render_sarif(sample_report()));
  EXPECT_EQ(doc["version"], "2.1.0");
  const auto& run = doc["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["rules"].size(), catalog().size());
  ASSERT_EQ(run["results"].size(), 3u);
  EXPECT_EQ(run["results"][1]["level"], "warning");
  EXPECT_EQ(run["results"][2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "b.yaml");
}

TEST(CheckReport, ExitCodes) {
  CheckReport r;
  EXPECT_EQ(r.exit_code(), 0);
  r.findings = {finding("a", 1, Action::Warn, "x/y")};
  EXPECT_EQ(r.exit_code(), 0);
  r.findings.push_back(finding("a", 1, Action::Deny, "x/y"));
  EXPECT_EQ(r.exit_code(), 1);
  r.errors.push_back({"a", 0, 0, "bad"});
  EXPECT_EQ(r.exit_code(), 2);  // input errors win
}

TEST(RunCheck, InProcessWithStdin) {
  CheckOptions opts;
  opts.paths = {"-"};
  opts.format = OutputFormat::Json;
  std::istringstream in(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n"
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {}\n---\n"
      "- not an object\n");
  std::ostringstream out, err;
  int code = run_check(opts, in, out, err);
  EXPECT_EQ(code, 1) << err.str();
  nlohmann::json doc = nlohmann::json::parse(out.str());
  EXPECT_EQ(doc["summary"]["objects"], 1);
  EXPECT_EQ(doc["summary"]["skipped"], 2);
  EXPECT_EQ(doc["findings"][0]["line"], 5);
  EXPECT_EQ(err.str(), "");
}

TEST(RunCheck, BadPolicyExitsTwo) {
  CheckOptions opts;
  opts.paths = {"-"};
  opts.policy_file = "/nonexistent/policy.yaml";
  std::istringstream in("");
  std::ostringstream out, err;
  EXPECT_EQ(run_check(opts, in, out, err), 2);
  EXPECT_NE(err.str().find("/nonexistent/policy.yaml"), std::string::npos);
}

TEST(Rules, ListingHasEveryRule) {
  std::string text = render_rules_text();
  for (const Rule& r : catalog()) EXPECT_NE(text.find(std::string(r.id)), std::string::npos) << r.id;
  nlohmann::json doc = nlohmann::json::parse(render_rules_json());
  ASSERT_EQ(doc["rules"].size(), catalog().size());
  EXPECT_TRUE(doc["rules"][0].contains("id"));
  EXPECT_TRUE(doc["rules"][0].contains("action"));
  EXPECT_TRUE(doc["rules"][0].contains("summary"));
}

TEST(Rules, ExplainAndCloseMatches) {
  const Rule* r = find_rule("rollout/spec");
  ASSERT_NE(r, nullptr);
  std::string text = render_explain(*r);
  EXPECT_EQ(text.rfind("rollout/spec (default: deny)\n", 0), 0u) << text;
  EXPECT_NE(text.find(std::string(r->doc)), std::string::npos);
  auto close = close_rule_ids("rollout/spek");
  ASSERT_FALSE(close.empty());
  EXPECT_EQ(close[0], "rollout/spec");
  close = close_rule_ids("spec");
  EXPECT_NE(std::find(close.begin(), close.end(), "rollout/spec"), close.end());
  EXPECT_TRUE(close_rule_ids("zzzzzzzzzzzzzzzz").empty());
}

}  // namespace
}  // namespace rg::cli
