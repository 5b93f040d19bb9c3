// Renderers for `rollout-guard check`: text (grouped by file), JSON, SARIF
// and JUnit XML.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "policy/catalog.h"
#include "server/cli/check.h"
#include "server/cli/xml_text.h"

namespace rg::cli {

int CheckReport::deny() const {
  int n = 0;
  for (const Finding& f : findings) n += f.action == Action::Deny;
  return n;
}

int CheckReport::warn() const {
  int n = 0;
  for (const Finding& f : findings) n += f.action == Action::Warn;
  return n;
}

int CheckReport::preflight_count(analysis::Outcome o) const {
  int n = 0;
  for (const PreflightResult& p : preflight) n += p.outcome == o;
  return n;
}

int CheckReport::exit_code() const {
  if (!errors.empty()) return 2;
  if (deny() > 0) return 1;
  if (preflight_fail &&
      (preflight_count(analysis::Outcome::kFailed) > 0 || preflight_count(analysis::Outcome::kError) > 0))
    return 1;
  return 0;
}

namespace {

// Keys in the documented order (rule, action, ...), not sorted.
using ojson = nlohmann::ordered_json;

// Invalid UTF-8 in a manifest must not make the renderer throw.
std::string dump(const ojson& j, int indent = -1) {
  return j.dump(indent, ' ', false, ojson::error_handler_t::replace);
}

std::string summary_line(const CheckReport& r) {
  auto plural = [](int n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  return plural(r.objects(), "object", "objects") + ", " + std::to_string(r.deny()) + " deny, " +
         std::to_string(r.warn()) + " warn, " + std::to_string(r.skipped) + " skipped, " +
         plural(static_cast<int>(r.errors.size()), "error", "errors");
}

std::string one_line(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    bool ws = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (ws) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// "file:line: deny rule: message", the first line of a finding in text output.
std::string finding_head(const Finding& f) {
  std::string out = f.file.empty() ? "<unknown>" : f.file;
  if (f.line > 0) {
    out += ':';
    out += std::to_string(f.line);
  }
  out += ": ";
  out += action_name(f.action);
  return out + " " + f.rule + ": " + f.message;
}

std::string template_ref(const PreflightResult& p) {
  return p.kind + " " + (p.ns.empty() ? "" : p.ns + "/") + p.name;
}

std::string preflight_text(const CheckReport& r) {
  std::string out = "preflight:\n";
  for (const PreflightResult& p : r.preflight) {
    out += p.file.empty() ? "<unknown>" : p.file;
    if (p.line > 0) {  // two appends: g++ 12 -O3 warns (-Wrestrict, a false positive) on ":" + to_string()
      out += ':';
      out += std::to_string(p.line);
    }
    out += ": " + template_ref(p) + " metric \"" + p.metric + "\": " + analysis::outcome_name(p.outcome) + "\n";
    out += "    query: " + one_line(p.query) + "\n";
    if (p.result.ok) {
      out += "    result: " + p.result.type + " " + p.result.text();
      if (p.result.empty()) out += " (empty: no series)";
      else if (p.result.nan()) out += " (NaN)";
      out += "\n";
    }
    if (!p.error.empty()) out += "    error: " + p.error + "\n";
  }
  out += "preflight: " + std::to_string(r.preflight.size()) + (r.preflight.size() == 1 ? " metric" : " metrics");
  for (analysis::Outcome o : {analysis::Outcome::kSuccessful, analysis::Outcome::kFailed,
                              analysis::Outcome::kInconclusive, analysis::Outcome::kError}) {
    out += ", " + std::to_string(r.preflight_count(o)) + " " + analysis::outcome_name(o);
  }
  return out + "\n";
}

ojson preflight_json(const CheckReport& r) {
  ojson out = ojson::array();
  for (const PreflightResult& p : r.preflight) {
    ojson result = nullptr;
    if (p.result.ok) {
      ojson values = ojson::array();
      for (double v : p.result.values) values.push_back(analysis::format_sample(v));
      result = {{"type", p.result.type}, {"values", std::move(values)}, {"empty", p.result.empty()},
                {"nan", p.result.nan()}};
    }
    out.push_back({{"template", p.name},
                   {"kind", p.kind},
                   {"namespace", p.ns},
                   {"metric", p.metric},
                   {"query", p.query},
                   {"file", p.file},
                   {"line", p.line},
                   {"result", std::move(result)},
                   {"outcome", analysis::outcome_name(p.outcome)},
                   {"error", p.error}});
  }
  return out;
}

}  // namespace

std::string render_text(const CheckReport& r) {
  std::string out;
  const std::string* current = nullptr;
  for (const Finding& f : r.findings) {
    if (current != nullptr && *current != f.file) out += "\n";  // a blank line between files
    current = &f.file;
    out += finding_head(f) + "\n";
    if (!f.hint.empty()) out += "    hint: " + f.hint + "\n";
  }
  if (!r.findings.empty()) out += "\n";
  if (r.preflight_ran) out += preflight_text(r) + "\n";
  out += summary_line(r) + "\n";
  return out;
}

std::string render_json(const CheckReport& r) {
  ojson findings = ojson::array();
  for (const Finding& f : r.findings) {
    findings.push_back({{"rule", f.rule},
                        {"action", action_name(f.action)},
                        {"apiVersion", f.api_version},
                        {"kind", f.kind},
                        {"namespace", f.ns},
                        {"name", f.name},
                        {"path", f.path},
                        {"message", f.message},
                        {"hint", f.hint},
                        {"file", f.file},
                        {"line", f.line}});
  }
  ojson errors = ojson::array();
  for (const InputError& e : r.errors) errors.push_back(e.str());
  ojson doc = {{"findings", std::move(findings)}, {"errors", std::move(errors)}};
  if (r.preflight_ran) doc["preflight"] = preflight_json(r);  // only with --prometheus
  doc["summary"] = {{"objects", r.objects()},
                    {"deny", r.deny()},
                    {"warn", r.warn()},
                    {"skipped", r.skipped},
                    {"errors", r.errors.size()}};
  return dump(doc, 2) + "\n";
}

// SARIF 2.1.0, the format code-scanning tools read: one run, the catalog as
// the tool's rules, one result per finding.
std::string render_sarif(const CheckReport& r) {
  ojson rules = ojson::array();
  for (const Rule& rule : catalog()) {
    rules.push_back({{"id", rule.id},
                     {"shortDescription", {{"text", rule.summary}}},
                     {"fullDescription", {{"text", rule.doc}}},
                     {"defaultConfiguration", {{"level", rule.default_action == Action::Deny ? "error" : "warning"}}}});
  }
  ojson results = ojson::array();
  for (const Finding& f : r.findings) {
    ojson result = {{"ruleId", f.rule},
                   {"level", f.action == Action::Deny ? "error" : "warning"},
                   {"message", {{"text", f.hint.empty() ? f.message : f.message + " (hint: " + f.hint + ")"}}}};
    if (!f.file.empty() && f.file != "<stdin>") {
      ojson physical = {{"artifactLocation", {{"uri", f.file}}}};
      if (f.line > 0) physical["region"] = {{"startLine", f.line}};
      result["locations"] = ojson::array({{{"physicalLocation", physical}}});
    }
    if (!f.path.empty()) {
      result["properties"] = {{"path", f.path}, {"kind", f.kind}, {"namespace", f.ns}, {"name", f.name}};
    }
    results.push_back(std::move(result));
  }
  ojson doc = {{"$schema", "https://ojson.schemastore.org/sarif-2.1.0.ojson"},
              {"version", "2.1.0"},
              {"runs", ojson::array({{{"tool", {{"driver", {{"name", "rollout-guard"},
                                                           {"version", "0.1.0"},
                                                           {"rules", std::move(rules)}}}}},
                                     {"results", std::move(results)}}})}};
  return dump(doc, 2) + "\n";
}

namespace {

// One <testcase>: passing, or with one <failure> (a deny finding) or one
// <error> (an input error). One result per testcase, because Jenkins and
// GitLab show only the first of several.
struct JunitCase {
  std::string name;
  std::string file;     // the file attribute ("" for stdin or unknown)
  int line = 0;         // the line attribute (0: none)
  std::string failure;  // the failure's message ("" : no <failure>)
  std::string error;    // the error's message ("" : no <error>)
  std::string text;     // the failure's or error's text; <system-out> of a passing case (warnings)
};

struct JunitSuite {
  std::string name;  // the input as named in messages
  std::vector<JunitCase> cases;
};

// Jenkins splits a class name at its last '.' into package and class, so the
// file's extension would become the class: "samples/bad/x.yaml" is
// "samples/bad/x".
std::string junit_classname(const std::string& file) {
  size_t dot = file.find_last_of('.');
  size_t slash = file.find_last_of('/');
  size_t base = slash == std::string::npos ? 0 : slash + 1;
  if (dot == std::string::npos || dot <= base) return file;  // no extension, or a dot file
  return file.substr(0, dot);
}

// "Rollout shop/catalog", as an object is named in messages.
std::string object_label(const CheckedObject& o) {
  std::string out = o.kind.empty() ? "object" : o.kind;
  if (o.name.empty()) return out + " (no name)";
  return out + " " + (o.ns.empty() ? "" : o.ns + "/") + o.name;
}

// A finding as text output prints it, with its field path.
std::string junit_finding_text(const Finding& f) {
  std::string out = finding_head(f) + "\n";
  if (!f.path.empty()) out += "    path: " + f.path + "\n";
  if (!f.hint.empty()) out += "    hint: " + f.hint + "\n";
  return out;
}

// One testcase per (object, rule) with findings, named "Kind ns/name: rule",
// failing when a finding is deny (warnings of the same rule go in its
// text), passing with the warnings in <system-out> otherwise; one passing
// testcase "Kind ns/name" per object without findings.
void add_object_cases(const CheckReport& r, const CheckedObject& o, JunitSuite* suite) {
  const std::string label = object_label(o);
  const std::string file = o.file == "<stdin>" ? "" : o.file;
  if (o.finding_count == 0) {
    suite->cases.push_back({label, file, o.line, "", "", ""});
    return;
  }
  const size_t begin = o.first_finding, end = o.first_finding + o.finding_count;
  std::vector<std::string> rules;  // in the order of their first finding: deny first
  for (size_t i = begin; i < end; ++i) {
    if (std::find(rules.begin(), rules.end(), r.findings[i].rule) == rules.end()) rules.push_back(r.findings[i].rule);
  }
  for (const std::string& rule : rules) {
    JunitCase c{label + ": " + rule, file, o.line, "", "", ""};
    int denies = 0;
    for (size_t i = begin; i < end; ++i) {
      const Finding& f = r.findings[i];
      if (f.rule != rule) continue;
      c.text += junit_finding_text(f);
      if (f.action == Action::Deny && denies++ == 0) c.failure = rule + ": " + f.message;
    }
    if (denies > 1) c.failure += " (and " + std::to_string(denies - 1) + " more)";
    suite->cases.push_back(std::move(c));
  }
}

// GitLab keeps one testcase per name in a suite; a name that repeats (the
// same object twice in a file, objects without names) gets the line, else a
// number.
void make_names_unique(JunitSuite* suite) {
  std::set<std::string> seen;
  for (JunitCase& c : suite->cases) {
    if (seen.insert(c.name).second) continue;
    std::string name = c.line > 0 ? c.name + " (line " + std::to_string(c.line) + ")" : "";
    for (int n = 2; name.empty() || !seen.insert(name).second; ++n) name = c.name + " (" + std::to_string(n) + ")";
    c.name = std::move(name);
  }
}

struct JunitCounts {
  size_t tests = 0, failures = 0, errors = 0;
};

JunitCounts count(const JunitSuite& s) {
  JunitCounts n;
  n.tests = s.cases.size();
  for (const JunitCase& c : s.cases) {
    n.failures += !c.failure.empty();
    n.errors += !c.error.empty();
  }
  return n;
}

std::string counts_attributes(const JunitCounts& n) {
  return " tests=\"" + std::to_string(n.tests) + "\" failures=\"" + std::to_string(n.failures) + "\" errors=\"" +
         std::to_string(n.errors) + "\" skipped=\"0\"";
}

}  // namespace

// JUnit XML as GitLab (artifacts:reports:junit) and Jenkins (junit step)
// read it: one <testsuite> per input, in input order, then one per path that
// was not read (a missing file); an input error is a testcase with an <error>.
std::string render_junit(const CheckReport& r) {
  std::vector<JunitSuite> suites;
  std::map<std::string, size_t> by_name;
  auto suite_for = [&](const std::string& file) -> JunitSuite& {
    const std::string name = file.empty() ? "<unknown>" : file;
    auto [it, added] = by_name.emplace(name, suites.size());
    if (added) suites.push_back({name, {}});
    return suites[it->second];
  };
  for (const std::string& input : r.inputs) suite_for(input);
  for (const CheckedObject& o : r.checked) add_object_cases(r, o, &suite_for(o.file));
  for (const InputError& e : r.errors) {
    std::string name = "input error";
    if (e.line > 0) name += " at line " + std::to_string(e.line);
    if (e.line > 0 && e.column > 0) name += ", column " + std::to_string(e.column);
    suite_for(e.file).cases.push_back({name, e.file == "<stdin>" ? "" : e.file, e.line, "", e.str(), e.str() + "\n"});
  }

  JunitCounts total;
  for (JunitSuite& s : suites) {
    make_names_unique(&s);
    JunitCounts n = count(s);
    total.tests += n.tests;
    total.failures += n.failures;
    total.errors += n.errors;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"rollout-guard check\"" + counts_attributes(total) + ">\n";
  for (const JunitSuite& s : suites) {
    out += "  <testsuite name=\"" + xml_attribute(s.name) + "\"" + counts_attributes(count(s)) + ">\n";
    const std::string classname = xml_attribute(junit_classname(s.name));
    for (const JunitCase& c : s.cases) {
      out += "    <testcase classname=\"" + classname + "\" name=\"" + xml_attribute(c.name) + "\"";
      if (!c.file.empty()) out += " file=\"" + xml_attribute(c.file) + "\"";
      if (c.line > 0) out += " line=\"" + std::to_string(c.line) + "\"";
      if (c.text.empty()) {
        out += "/>\n";
        continue;
      }
      out += ">\n      ";
      if (!c.failure.empty()) {
        out += "<failure message=\"" + xml_attribute(c.failure) + "\" type=\"deny\">" + xml_text(c.text) + "</failure>";
      } else if (!c.error.empty()) {
        out += "<error message=\"" + xml_attribute(c.error) + "\" type=\"input\">" + xml_text(c.text) + "</error>";
      } else {
        out += "<system-out>" + xml_text(c.text) + "</system-out>";
      }
      out += "\n    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  return out + "</testsuites>\n";
}

}  // namespace rg::cli
