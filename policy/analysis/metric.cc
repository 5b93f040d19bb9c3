#include "policy/analysis/metric.h"

#include <cmath>

#include "policy/messages.h"

namespace rg::analysis {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kSuccessful: return "Successful";
    case Outcome::kFailed: return "Failed";
    case Outcome::kInconclusive: return "Inconclusive";
    case Outcome::kError: return "Error";
    case Outcome::kUnknown: return "unknown";
  }
  return "unknown";
}

const ScenarioResult& scenario_result(const MetricAnalysis& m, Scenario s) {
  return s == Scenario::kSilence ? m.silence : m.idle;
}

bool numeric_placeholder_in(const MetricAnalysis& m, size_t start, size_t end) {
  for (const auto& p : m.placeholders) {
    bool numeric = !p.replacement.empty() && p.replacement[0] >= '0' && p.replacement[0] <= '9';
    if (numeric && p.new_offset < end && p.new_offset + p.replacement.size() > start) return true;
  }
  return false;
}

namespace {

std::string fmt_num(double v) { return Sample::known(v).str(); }

// The value Argo hands to the condition, when the abstraction knows it.
std::optional<condition::Value> concrete(const AbstractValue& v, const ConditionInfo& s, const ConditionInfo& f,
                                         std::string* text) {
  using condition::Value;
  if (v.type == promql::ValueType::kScalar) {
    if (v.sample.is_nan()) { *text = "NaN"; return Value::number(NAN); }
    if (v.sample.is_known()) { *text = fmt_num(v.sample.value); return Value::number(v.sample.value); }
    return std::nullopt;
  }
  if (v.type != promql::ValueType::kVector) return std::nullopt;
  if (v.presence == Presence::kEmpty) { *text = "[]"; return Value::vector({}); }
  if (v.presence != Presence::kPresent) return std::nullopt;
  // Several samples of one class: conditions that count them depend on how many.
  if (!v.single() && (s.usage.calls_len || f.usage.calls_len)) return std::nullopt;
  if (v.sample.is_nan()) { *text = "[NaN]"; return Value::vector({NAN}); }
  if (v.sample.is_known()) { *text = "[" + fmt_num(v.sample.value) + "]"; return Value::vector({v.sample.value}); }
  return std::nullopt;
}

ScenarioResult run_scenario(const MetricAnalysis& m, Scenario sc) {
  ScenarioResult r;
  if (!m.ok()) return r;
  r.value = evaluate(*m.parsed.expr, sc);
  auto value = concrete(r.value, m.success, m.failure, &r.result_text);
  if (!value) return r;
  r.nan_reached = r.value.sample.is_nan() && r.value.presence == Presence::kPresent;
  r.outcome = measure(m, *value, &r.error);
  return r;
}

void read_condition(const json& metric, const char* key, promql::ValueType type, ConditionInfo* c) {
  const json* v = child(metric, key);
  if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()) return;
  c->present = true;
  c->text = v->get<std::string>();
  c->parsed = condition::parse(c->text);
  if (!c->parsed.ok) {
    c->error = c->parsed.error.to_string();
    return;
  }
  c->usage = condition::inspect_result_usage(c->parsed.ast);
  if (type == promql::ValueType::kScalar || type == promql::ValueType::kVector) {
    auto chk = condition::check(c->parsed.ast, type == promql::ValueType::kScalar ? condition::Type::scalar()
                                                                                 : condition::Type::vector());
    if (!chk.ok) c->error = chk.error.to_string();
  }
}

}  // namespace

Outcome measure(const MetricAnalysis& m, const condition::Value& value, std::string* error) {
  if ((m.success.present && !m.success.parsed.ok) || (m.failure.present && !m.failure.parsed.ok)) {
    if (error) *error = m.success.error.empty() ? m.failure.error : m.success.error;
    return Outcome::kError;
  }
  bool succ = false, fail = false;
  if (m.success.present) {
    auto e = condition::evaluate(m.success.parsed.ast, value);
    if (!e.ok) {
      if (error) *error = e.error.message;
      return Outcome::kError;
    }
    succ = e.value;
  }
  if (m.failure.present) {
    auto e = condition::evaluate(m.failure.parsed.ast, value);
    if (!e.ok) {
      if (error) *error = e.error.message;
      return Outcome::kError;
    }
    fail = e.value;
  }
  if (!m.success.present && !m.failure.present) return Outcome::kSuccessful;
  if (m.success.present && !m.failure.present) fail = !succ;
  if (!m.success.present && m.failure.present) succ = !fail;
  if (fail) return Outcome::kFailed;
  if (!succ) return Outcome::kInconclusive;
  return Outcome::kSuccessful;
}

TemplateAnalysis analyze_template(const json& doc, const Policy& policy) {
  TemplateAnalysis t;
  const json* metrics = child(doc, {"spec", "metrics"});
  if (metrics == nullptr || !metrics->is_array()) return t;
  for (size_t i = 0; i < metrics->size(); ++i) {
    const json& mj = (*metrics)[i];
    MetricAnalysis m;
    m.index = i;
    m.path = path_index("spec.metrics", i);
    m.name = std::string(str_or(child(mj, "name")));
    m.consecutive_error_limit = policy.default_consecutive_error_limit;
    if (const json* v = child(mj, "consecutiveErrorLimit"); v && v->is_number_integer())
      m.consecutive_error_limit = static_cast<int>(v->get<long long>());
    if (const json* v = child(mj, "count"); v && v->is_number_integer()) m.count = static_cast<int>(v->get<long long>());
    m.interval = std::string(str_or(child(mj, "interval")));
    const json* q = child(mj, {"provider", "prometheus", "query"});
    if (q != nullptr && q->is_string()) {
      m.prometheus = true;
      m.query = q->get<std::string>();
      m.prepared = promql::substitute_placeholders(m.query, &m.placeholders);
      m.parsed = promql::parse(m.prepared);
      if (!m.parsed.ok()) m.parse_error = m.parsed.error ? m.parsed.error->message : "parse error";
      else m.result_type = m.parsed.expr->type;
    }
    read_condition(mj, "successCondition", m.result_type, &m.success);
    read_condition(mj, "failureCondition", m.result_type, &m.failure);
    m.silence = run_scenario(m, Scenario::kSilence);
    m.idle = run_scenario(m, Scenario::kIdle);
    t.metrics.push_back(std::move(m));
  }
  return t;
}

}  // namespace rg::analysis
