// Renderers for `rollout-guard check`: text (grouped by file), JSON and SARIF.
#include <string>

#include "policy/catalog.h"
#include "server/cli/check.h"

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
  return plural(r.objects, "object", "objects") + ", " + std::to_string(r.deny()) + " deny, " +
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
    out += f.file.empty() ? "<unknown>" : f.file;
    if (f.line > 0) out += ":" + std::to_string(f.line);
    out += ": ";
    out += action_name(f.action);
    out += " " + f.rule + ": " + f.message + "\n";
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
  for (const InputError& e : r.errors) errors.push_back(e.text);
  ojson doc = {{"findings", std::move(findings)}, {"errors", std::move(errors)}};
  if (r.preflight_ran) doc["preflight"] = preflight_json(r);  // only with --prometheus
  doc["summary"] = {{"objects", r.objects},
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

}  // namespace rg::cli
