// `check -o junit`: the JUnit renderer, in process (xml_text_test.cc tests the escaping).
// (junit_schema_test.sh validates the binary's output against junit.xsd.)
#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/cli/check.h"
#include "test/support/conformance.h"

namespace rg::cli {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

Finding finding(const std::string& rule, Action action, const std::string& message) {
  Finding f;
  f.rule = rule;
  f.action = action;
  f.kind = "Rollout";
  f.ns = "shop";
  f.name = "catalog";
  f.path = "spec.selector";
  f.message = message;
  f.hint = "add spec.selector.matchLabels";
  f.file = "deploy/app.yaml";
  f.line = 1;
  return f;
}

// Adds an evaluated object with its findings, as run_check does.
void add_object(CheckReport* r, const std::string& file, int line, const std::string& kind, const std::string& ns,
                const std::string& name, std::vector<Finding> findings) {
  r->checked.push_back({file, line, kind, ns, name, r->findings.size(), findings.size()});
  for (Finding& f : findings) {
    f.file = file;
    f.line = line;
    r->findings.push_back(std::move(f));
  }
}

// Two inputs with objects (deny, warn, clean), one without, an error with a
// position in an input and one about a path that was not read.
CheckReport sample_report() {
  CheckReport r;
  r.inputs = {"deploy/app.yaml", "deploy/empty.yaml", "<stdin>"};
  add_object(&r, "deploy/app.yaml", 1, "Rollout", "shop", "catalog",
             {finding("rollout/spec", Action::Deny, "spec.selector: Required value"),
              finding("pod-security/runAsNonRoot", Action::Deny, "runAsNonRoot != true"),
              finding("rollout/gate-order", Action::Warn, "analysis after setWeight: 100")});
  add_object(&r, "deploy/app.yaml", 20, "AnalysisTemplate", "shop", "rate", {});
  add_object(&r, "<stdin>", 1, "Rollout", "", "web", {finding("rollout/gate-order", Action::Warn, "late gate")});
  r.errors.push_back({"deploy/app.yaml", 30, 3, "duplicate key \"name\""});
  r.errors.push_back({"missing.yaml", 0, 0, "no such file or directory"});
  return r;
}

// The counts attributes of every <testsuite> and of <testsuites> against the
// elements inside them. Returns "" when they agree, else what differs.
std::string count_mismatches(const std::string& xml) {
  std::string problems;
  auto attr = [](const std::string& tag, const std::string& name) {
    std::smatch m;
    std::regex re(" " + name + "=\"([0-9]+)\"");
    return std::regex_search(tag, m, re) ? std::stoi(m[1].str()) : -1;
  };
  auto count = [](const std::string& text, const std::string& what) {
    int n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  auto check = [&](const std::string& tag, const std::string& body, const std::string& where) {
    const std::map<std::string, int> want = {{"tests", count(body, "<testcase ")},
                                             {"failures", count(body, "<failure ")},
                                             {"errors", count(body, "<error ")},
                                             {"skipped", count(body, "<skipped")}};
    for (const auto& [name, n] : want) {
      if (attr(tag, name) != n) {
        problems += where + ": " + name + "=" + std::to_string(attr(tag, name)) + ", elements " + std::to_string(n) +
                    "\n";
      }
    }
  };
  size_t root = xml.find("<testsuites");
  if (root == std::string::npos) return "no <testsuites>";
  check(xml.substr(root, xml.find('>', root) - root), xml, "testsuites");
  // Found by hand: a regex over the whole document would recurse once per character.
  for (size_t at = xml.find("<testsuite "); at != std::string::npos; at = xml.find("<testsuite ", at + 1)) {
    const size_t tag_end = xml.find('>', at);
    const size_t close = xml.find("</testsuite>", tag_end);
    if (tag_end == std::string::npos || close == std::string::npos) return "unclosed <testsuite>";
    const std::string tag = xml.substr(at, tag_end - at);
    check(tag, xml.substr(tag_end, close - tag_end), tag);
  }
  return problems;
}

// Well-formed UTF-8 holding only XML 1.0 characters (tab, newline, carriage
// return and U+0020 up, without U+FFFE and U+FFFF).
bool xml_safe(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') return false;
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
    if (len == 0 || b > 0xF4 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    if (s.compare(i, len, "\xEF\xBF\xBE") == 0 || s.compare(i, len, "\xEF\xBF\xBF") == 0) return false;
    if (b == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return false;  // surrogates
    i += len;
  }
  return true;
}

TEST(RenderJunit, SuitePerInputCasePerObjectAndRule) {
  EXPECT_EQ(render_junit(sample_report()),
            R"(<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="rollout-guard check" tests="7" failures="2" errors="2" skipped="0">
  <testsuite name="deploy/app.yaml" tests="5" failures="2" errors="1" skipped="0">
    <testcase classname="deploy/app" name="Rollout shop/catalog: rollout/spec" file="deploy/app.yaml" line="1">
      <failure message="rollout/spec: spec.selector: Required value" type="deny">deploy/app.yaml:1: deny rollout/spec: spec.selector: Required value
    path: spec.selector
    hint: add spec.selector.matchLabels
</failure>
    </testcase>
    <testcase classname="deploy/app" name="Rollout shop/catalog: pod-security/runAsNonRoot" file="deploy/app.yaml" line="1">
      <failure message="pod-security/runAsNonRoot: runAsNonRoot != true" type="deny">deploy/app.yaml:1: deny pod-security/runAsNonRoot: runAsNonRoot != true
    path: spec.selector
    hint: add spec.selector.matchLabels
</failure>
    </testcase>
    <testcase classname="deploy/app" name="Rollout shop/catalog: rollout/gate-order" file="deploy/app.yaml" line="1">
      <system-out>deploy/app.yaml:1: warn rollout/gate-order: analysis after setWeight: 100
    path: spec.selector
    hint: add spec.selector.matchLabels
</system-out>
    </testcase>
    <testcase classname="deploy/app" name="AnalysisTemplate shop/rate" file="deploy/app.yaml" line="20"/>
    <testcase classname="deploy/app" name="input error at line 30, column 3" file="deploy/app.yaml" line="30">
      <error message="deploy/app.yaml:30:3: duplicate key &quot;name&quot;" type="input">deploy/app.yaml:30:3: duplicate key "name"
</error>
    </testcase>
  </testsuite>
  <testsuite name="deploy/empty.yaml" tests="0" failures="0" errors="0" skipped="0">
  </testsuite>
  <testsuite name="&lt;stdin&gt;" tests="1" failures="0" errors="0" skipped="0">
    <testcase classname="&lt;stdin&gt;" name="Rollout web: rollout/gate-order" line="1">
      <system-out>&lt;stdin&gt;:1: warn rollout/gate-order: late gate
    path: spec.selector
    hint: add spec.selector.matchLabels
</system-out>
    </testcase>
  </testsuite>
  <testsuite name="missing.yaml" tests="1" failures="0" errors="1" skipped="0">
    <testcase classname="missing" name="input error" file="missing.yaml">
      <error message="missing.yaml: no such file or directory" type="input">missing.yaml: no such file or directory
</error>
    </testcase>
  </testsuite>
</testsuites>
)");
}

TEST(RenderJunit, CountsMatchTheElements) {
  EXPECT_EQ(count_mismatches(render_junit(sample_report())), "");
  // The checker itself sees a wrong count.
  std::string wrong = render_junit(sample_report());
  wrong.replace(wrong.find("tests=\"5\""), 9, "tests=\"4\"");
  EXPECT_NE(count_mismatches(wrong), "");
}

TEST(RenderJunit, SeveralDenyFindingsOfOneRuleAreOneFailure) {
  CheckReport r;
  r.inputs = {"a.yaml"};
  add_object(&r, "a.yaml", 3, "Rollout", "shop", "catalog",
             {finding("pod-security/capabilities_restricted", Action::Deny, "container \"app\" adds NET_ADMIN"),
              finding("pod-security/capabilities_restricted", Action::Deny, "container \"side\" adds SYS_TIME")});
  std::string xml = render_junit(r);
  EXPECT_NE(xml.find("tests=\"1\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"pod-security/capabilities_restricted: container &quot;app&quot; adds "
                     "NET_ADMIN (and 1 more)\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("container \"side\" adds SYS_TIME\n"), std::string::npos) << xml;  // both in the text
  EXPECT_EQ(count_mismatches(xml), "");
}

// GitLab keeps one testcase per name in a suite.
TEST(RenderJunit, RepeatedNamesGetTheLineOrANumber) {
  CheckReport r;
  r.inputs = {"a.yaml"};
  add_object(&r, "a.yaml", 1, "Rollout", "shop", "catalog", {});
  add_object(&r, "a.yaml", 10, "Rollout", "shop", "catalog", {});
  add_object(&r, "a.yaml", 0, "Rollout", "", "", {});
  add_object(&r, "a.yaml", 0, "Rollout", "", "", {});
  std::string xml = render_junit(r);
  EXPECT_NE(xml.find("name=\"Rollout shop/catalog\" file=\"a.yaml\" line=\"1\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"Rollout shop/catalog (line 10)\" file=\"a.yaml\" line=\"10\"/>"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"Rollout (no name)\" file=\"a.yaml\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"Rollout (no name) (2)\" file=\"a.yaml\"/>"), std::string::npos) << xml;
}

// Jenkins splits the class name at its last '.': only a file extension is dropped.
TEST(RenderJunit, ClassnameIsThePathWithoutItsExtension) {
  for (const auto& [file, classname] : std::map<std::string, std::string>{
           {"x.yaml", "x"}, {"a.b/c", "a.b/c"}, {"dir/.hidden", "dir/.hidden"}, {"v1.2/app.json", "v1.2/app"}}) {
    CheckReport one;
    one.inputs = {file};
    add_object(&one, file, 1, "Rollout", "shop", "catalog", {});
    EXPECT_NE(render_junit(one).find("<testcase classname=\"" + classname + "\" "), std::string::npos) << file;
  }
}

TEST(RenderJunit, EscapesEverythingAndStaysValidXml) {
  CheckReport r;
  const std::string hostile =
      std::string("q\"uote <tag> & amp ]]> nul") + '\0' + " bell\x07 esc\x1b bad\xff\xc0\xaf end";
  r.inputs = {"we\"ird<&>.yaml"};
  Finding f = finding("rollout/spec", Action::Deny, hostile);
  f.hint = "tab\there\r\nnext";
  add_object(&r, "we\"ird<&>.yaml", 2, "Rollout", "shop", hostile, {f});
  r.errors.push_back({"we\"ird<&>.yaml", 9, 1, hostile});
  std::string xml = render_junit(r);
  EXPECT_TRUE(xml_safe(xml)) << xml;
  EXPECT_NE(xml.find("<testsuite name=\"we&quot;ird&lt;&amp;&gt;.yaml\""), std::string::npos) << xml;
  const std::string escaped = "q&quot;uote &lt;tag&gt; &amp; amp ]]&gt; nul" + kReplacement + " bell" + kReplacement +
                              " esc" + kReplacement + " bad" + kReplacement + kReplacement + kReplacement + " end";
  EXPECT_NE(xml.find("name=\"Rollout shop/" + escaped + ": rollout/spec\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"rollout/spec: " + escaped + "\""), std::string::npos) << xml;
  // In element text a quote stays, a carriage return is a reference and a tab is itself.
  EXPECT_NE(xml.find("deny rollout/spec: q\"uote &lt;tag&gt;"), std::string::npos) << xml;
  EXPECT_NE(xml.find("hint: tab\there&#13;\nnext\n"), std::string::npos) << xml;
  EXPECT_EQ(count_mismatches(xml), "");
}

TEST(RenderJunit, EmptyReportIsAnEmptyTestsuites) {
  EXPECT_EQ(render_junit(CheckReport{}),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"rollout-guard check\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\">\n"
            "</testsuites>\n");
}

TEST(RunCheckJunit, EmptyStdinIsAnEmptySuite) {
  CheckOptions opts;
  opts.paths = {"-"};
  opts.format = OutputFormat::Junit;
  std::istringstream in("");
  std::ostringstream out, err;
  EXPECT_EQ(run_check(opts, in, out, err), 0) << err.str();
  EXPECT_EQ(out.str(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"rollout-guard check\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\">\n"
            "  <testsuite name=\"&lt;stdin&gt;\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\">\n"
            "  </testsuite>\n"
            "</testsuites>\n");
}

// A syntax error is an <error> naming file:line:col; the documents before it
// are still checked, and the exit code is 2 as for every format.
TEST(RunCheckJunit, LoadErrorIsAnErrorCaseWithItsPosition) {
  CheckOptions opts;
  opts.paths = {"-"};
  opts.format = OutputFormat::Junit;
  std::istringstream in(
      "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r, namespace: shop}\nspec: {}\n---\n"
      "a: [1\n");
  std::ostringstream out, err;
  EXPECT_EQ(run_check(opts, in, out, err), 2);
  const std::string xml = out.str();
  EXPECT_EQ(count_mismatches(xml), "");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(xml, m,
                                std::regex("<testcase classname=\"&lt;stdin&gt;\" name=\"input error at line ([0-9]+), "
                                           "column ([0-9]+)\" line=\"[0-9]+\">\n      <error message=\"&lt;stdin&gt;:"
                                           "([0-9]+):([0-9]+): [^\"]+\" type=\"input\">")))
      << xml;
  EXPECT_EQ(m[1].str(), m[3].str());  // the name's position is the message's
  // The Rollout before the syntax error was checked: its cases are in the report.
  EXPECT_NE(xml.find("name=\"Rollout shop/r"), std::string::npos) << xml;
  EXPECT_EQ(m[2].str(), m[4].str());
  EXPECT_NE(xml.find("name=\"Rollout shop/r: rollout/spec\""), std::string::npos) << xml;
  EXPECT_NE(err.str().find("<stdin>:" + m[3].str() + ":" + m[4].str() + ": "), std::string::npos) << err.str();
}

// Over the samples: the failing testcases are exactly the (object, rule)
// pairs with a deny finding in the JSON output of the same run.
TEST(RunCheckJunit, FailuresAreTheDenyPairsOfTheJsonOutput) {
  auto run = [](OutputFormat format, int* code) {
    CheckOptions opts;
    opts.paths = {rg::test::source_dir() + "/samples"};
    opts.format = format;
    std::istringstream in;
    std::ostringstream out, err;
    *code = run_check(opts, in, out, err);
    return out.str();
  };
  int json_code = 0, junit_code = 0;
  nlohmann::json doc = nlohmann::json::parse(run(OutputFormat::Json, &json_code));
  const std::string xml = run(OutputFormat::Junit, &junit_code);
  EXPECT_EQ(junit_code, json_code);
  EXPECT_EQ(junit_code, 1);
  EXPECT_EQ(count_mismatches(xml), "");
  std::set<std::tuple<std::string, int, std::string>> deny_pairs;
  for (const auto& f : doc["findings"]) {
    if (f["action"] != "deny") continue;
    deny_pairs.insert({f["file"].get<std::string>(), f["line"].get<int>(), f["rule"].get<std::string>()});
  }
  ASSERT_GT(deny_pairs.size(), 30u);  // samples/bad: most of them deny
  std::smatch m;
  ASSERT_TRUE(std::regex_search(xml, m, std::regex("<testsuites [^>]* failures=\"([0-9]+)\"")));
  EXPECT_EQ(std::stoul(m[1].str()), deny_pairs.size());
  EXPECT_GE(std::count(xml.begin(), xml.end(), '\n'), 100);
}

}  // namespace
}  // namespace rg::cli
