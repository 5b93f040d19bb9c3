// Result shape: a Prometheus instant vector reaches a condition as a list
// ([]float64), a scalar as a number (float64).
#pragma once

#include <string>

#include "policy/analysis/metric.h"

namespace rg::analysis {

// True when the condition treats `result` as the other shape: it indexes,
// counts or iterates a scalar, or uses a vector as a number.
bool shape_mismatch(const MetricAnalysis& m, const ConditionInfo& c);

// The first offending use, quoted for messages ("result[0]").
std::string shape_offender(const MetricAnalysis& m, const ConditionInfo& c);

}  // namespace rg::analysis
