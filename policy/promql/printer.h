// Prints a PromQL tree the way Prometheus 2.42 does.
//
// to_string() is Prometheus' String(): one line, canonical spacing, sorted
// label matchers, normalised numbers and durations. pretty() is Pretty(0), what
// /api/v1/format_query returns: nodes whose one-line form is longer than 100
// characters are broken over lines with two-space indentation. Both are pure
// functions of the tree and never throw (except std::bad_alloc).
#pragma once

#include <string>

#include "policy/promql/ast.h"

namespace rg::promql {

std::string to_string(const Expr& e);
std::string pretty(const Expr& e);

// Parses and pretty-prints in one go; on a parse error returns the error
// message ("1:5: parse error: ...") and sets *ok = false.
std::string format_query(std::string_view query, bool* ok);

}  // namespace rg::promql
