// What one AnalysisTemplate metric does when the canary is silent or idle.
//
// analyze_template() reads spec.metrics of an AnalysisTemplate or
// ClusterAnalysisTemplate, parses each Prometheus query (Argo's {{args.*}}
// placeholders substituted first, see promql/placeholders.h) and each condition, and
// evaluates the conditions on the abstract query result of each scenario with
// Argo's measurement semantics (utils/evaluate.EvaluateResult):
//   neither condition          -> Successful
//   only successCondition      -> Failed when it is false
//   only failureCondition      -> Successful when it is false
//   both, failure true         -> Failed; both false -> Inconclusive
//   an evaluation error        -> Error
// An outcome that depends on something the abstraction does not know is
// kUnknown, and rules report nothing for it.
//
// Pure; never throws. The analysis rules (policy/rules/analysis_*.cc) all read
// this one result, so they agree with each other.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "policy/analysis/abstract.h"
#include "policy/condition/condition.h"
#include "policy/object.h"
#include "policy/policy.h"
#include "policy/promql/parser.h"
#include "policy/promql/placeholders.h"

namespace rg::analysis {

enum class Outcome { kSuccessful, kFailed, kInconclusive, kError, kUnknown };
const char* outcome_name(Outcome o);  // "Successful", "Failed", ...

struct ScenarioResult {
  Outcome outcome = Outcome::kUnknown;
  AbstractValue value;      // the query's abstract result
  std::string result_text;  // what Argo would see: "[]", "[NaN]", "1", ...
  std::string error;        // the condition's evaluation error, for kError
  bool nan_reached = false; // a NaN sample reached the condition
};

struct ConditionInfo {
  bool present = false;
  std::string text;
  condition::ParseResult parsed;  // parsed.ok when the text parses
  std::string error;              // parse or type error, "" when fine
  condition::ResultUsage usage;
};

struct MetricAnalysis {
  size_t index = 0;  // position in spec.metrics
  std::string name;
  std::string path;  // "spec.metrics[0]"
  bool prometheus = false;
  std::string query;     // as written
  std::string prepared;  // placeholders substituted (promql::substitute_placeholders)
  std::vector<promql::Placeholder> placeholders;
  promql::ParseResult parsed;
  std::string parse_error;  // "" when the query parses
  ConditionInfo success, failure;
  promql::ValueType result_type = promql::ValueType::kNone;
  ScenarioResult silence, idle;
  int consecutive_error_limit = 4;  // the metric's, or Argo's default
  std::optional<int> count;
  std::string interval;  // as written, "" when absent
  bool ok() const { return prometheus && parsed.ok() && success.error.empty() && failure.error.empty(); }
};

struct TemplateAnalysis {
  std::vector<MetricAnalysis> metrics;
};

TemplateAnalysis analyze_template(const json& doc, const Policy& policy);

// The measurement outcome Argo gives a concrete result (a Prometheus vector
// as condition::Value::vector, a scalar as Value::number), with the semantics
// above; *error gets the condition's evaluation error for kError. Used by the
// live preflight and by the scenario evaluation, so both agree.
Outcome measure(const MetricAnalysis& m, const condition::Value& result, std::string* error);

// True when the source range [start, end) of `prepared` holds a placeholder
// substituted by a number or duration (a range, a threshold): its real value
// is only known when the AnalysisRun is created. Label values do not count.
bool numeric_placeholder_in(const MetricAnalysis& m, size_t start, size_t end);

// The outcome of `metric` in `scenario` (a shortcut for rules).
const ScenarioResult& scenario_result(const MetricAnalysis& m, Scenario s);

}  // namespace rg::analysis
