// A syntax checker for RE2 (Go regexp) patterns, enough to decide what
// Prometheus decides at parse time: whether a label matcher's regex compiles
// and whether it matches the empty string.
#pragma once

#include <string>
#include <string_view>

namespace rg::promql {

// Returns true when `pattern` is valid Go RE2 syntax; *matches_empty is then
// whether ^(?:pattern)$ matches "". On failure *error is Go's message, e.g.
// "error parsing regexp: missing closing ): `(a`".
bool check_regex(std::string_view pattern, bool* matches_empty, std::string* error);

}  // namespace rg::promql
