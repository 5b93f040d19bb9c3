#include "policy/analysis/shape.h"

namespace rg::analysis {

namespace {

bool list_use(condition::ResultUseKind k) {
  return k == condition::ResultUseKind::kIndex || k == condition::ResultUseKind::kSlice ||
         k == condition::ResultUseKind::kLen || k == condition::ResultUseKind::kIterate;
}

}  // namespace

bool shape_mismatch(const MetricAnalysis& m, const ConditionInfo& c) {
  if (!c.present || !c.parsed.ok || !m.parsed.ok()) return false;
  if (m.result_type == promql::ValueType::kScalar) return c.usage.uses_as_list();
  if (m.result_type == promql::ValueType::kVector) return c.usage.uses_as_number;
  return false;
}

std::string shape_offender(const MetricAnalysis& m, const ConditionInfo& c) {
  for (const auto& u : c.usage.uses) {
    bool bad = m.result_type == promql::ValueType::kScalar ? list_use(u.kind)
                                                             : u.kind == condition::ResultUseKind::kAsNumber;
    if (bad) return u.expression;
  }
  return c.text;
}

}  // namespace rg::analysis
