// Function table written from the PromQL documentation for Prometheus 2.42
// (docs/querying/functions.md). Later additions (info, limitk, histogram_avg,
// mad_over_time, sort_by_label, ...) are deliberately absent: 2.42 rejects them.
#include "policy/promql/functions.h"

#include <algorithm>
#include <array>

namespace rg::promql {
namespace {

constexpr ValueType S = ValueType::kScalar;
constexpr ValueType V = ValueType::kVector;
constexpr ValueType M = ValueType::kMatrix;
constexpr ValueType Str = ValueType::kString;

const std::vector<FunctionInfo>& table() {
  static const std::vector<FunctionInfo> t = [] {
    std::vector<FunctionInfo> v = {
        {"abs", {V}, 0, V},
        {"absent", {V}, 0, V},
        {"absent_over_time", {M}, 0, V},
        {"acos", {V}, 0, V},
        {"acosh", {V}, 0, V},
        {"asin", {V}, 0, V},
        {"asinh", {V}, 0, V},
        {"atan", {V}, 0, V},
        {"atanh", {V}, 0, V},
        {"avg_over_time", {M}, 0, V},
        {"ceil", {V}, 0, V},
        {"changes", {M}, 0, V},
        {"clamp", {V, S, S}, 0, V},
        {"clamp_max", {V, S}, 0, V},
        {"clamp_min", {V, S}, 0, V},
        {"cos", {V}, 0, V},
        {"cosh", {V}, 0, V},
        {"count_over_time", {M}, 0, V},
        {"day_of_month", {V}, 1, V},
        {"day_of_week", {V}, 1, V},
        {"day_of_year", {V}, 1, V},
        {"days_in_month", {V}, 1, V},
        {"deg", {V}, 0, V},
        {"delta", {M}, 0, V},
        {"deriv", {M}, 0, V},
        {"exp", {V}, 0, V},
        {"floor", {V}, 0, V},
        {"histogram_count", {V}, 0, V},
        {"histogram_fraction", {S, S, V}, 0, V},
        {"histogram_quantile", {S, V}, 0, V},
        {"histogram_sum", {V}, 0, V},
        {"holt_winters", {M, S, S}, 0, V},
        {"hour", {V}, 1, V},
        {"idelta", {M}, 0, V},
        {"increase", {M}, 0, V},
        {"irate", {M}, 0, V},
        {"label_join", {V, Str, Str, Str}, -1, V},
        {"label_replace", {V, Str, Str, Str, Str}, 0, V},
        {"last_over_time", {M}, 0, V},
        {"ln", {V}, 0, V},
        {"log10", {V}, 0, V},
        {"log2", {V}, 0, V},
        {"max_over_time", {M}, 0, V},
        {"min_over_time", {M}, 0, V},
        {"minute", {V}, 1, V},
        {"month", {V}, 1, V},
        {"pi", {}, 0, S},
        {"predict_linear", {M, S}, 0, V},
        {"present_over_time", {M}, 0, V},
        {"quantile_over_time", {S, M}, 0, V},
        {"rad", {V}, 0, V},
        {"rate", {M}, 0, V},
        {"resets", {M}, 0, V},
        {"round", {V, S}, 1, V},
        {"scalar", {V}, 0, S},
        {"sgn", {V}, 0, V},
        {"sin", {V}, 0, V},
        {"sinh", {V}, 0, V},
        {"sort", {V}, 0, V},
        {"sort_desc", {V}, 0, V},
        {"sqrt", {V}, 0, V},
        {"stddev_over_time", {M}, 0, V},
        {"stdvar_over_time", {M}, 0, V},
        {"sum_over_time", {M}, 0, V},
        {"tan", {V}, 0, V},
        {"tanh", {V}, 0, V},
        {"time", {}, 0, S},
        {"timestamp", {V}, 0, V},
        {"vector", {S}, 0, V},
        {"year", {V}, 1, V},
    };
    std::sort(v.begin(), v.end(), [](const FunctionInfo& a, const FunctionInfo& b) {
      return std::string_view(a.name) < std::string_view(b.name);
    });
    return v;
  }();
  return t;
}

}  // namespace

const FunctionInfo* find_function(std::string_view name) {
  const auto& t = table();
  auto it = std::lower_bound(t.begin(), t.end(), name, [](const FunctionInfo& f, std::string_view n) {
    return std::string_view(f.name) < n;
  });
  if (it != t.end() && std::string_view(it->name) == name) return &*it;
  return nullptr;
}

}  // namespace rg::promql
