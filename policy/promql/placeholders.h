// Argo Rollouts templated arguments inside PromQL.
//
// AnalysisTemplates write queries such as
//   sum(rate(http_requests_total{service="{{args.service-name}}"}[{{ args.window }}]))
// which are not PromQL until Argo substitutes the arguments. To analyse the
// query before that, substitute_placeholders() replaces every `{{ ... }}` with a
// stand-in that is valid in its position, so a template never causes a syntax
// error of its own:
//   - inside a string literal: the text `rg_arg_N` (the string stays a string);
//   - inside a range or subquery bracket, or after `offset`: the duration `5m`;
//   - after `@`: the number `1`;
//   - inside braces before the operator, glued to identifier characters, or
//     followed by `{`, `[`, `offset` or `@`: the identifier `rg_arg_N`;
//   - anywhere else (a threshold, topk's k, a quantile): the number `1`.
// An unterminated `{{` is left alone. N counts placeholders from 0.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rg::promql {

struct Placeholder {
  std::string expression;   // the trimmed text between the braces: "args.service-name"
  size_t offset = 0;        // byte offset of "{{" in the original query
  size_t length = 0;        // length of "{{...}}" in the original query
  size_t new_offset = 0;    // byte offset of the replacement in the result
  std::string replacement;  // what was put in its place
};

// Returns q with every {{...}} replaced; appends one Placeholder per
// replacement to *out when out is not null. Never fails.
std::string substitute_placeholders(std::string_view q, std::vector<Placeholder>* out);

}  // namespace rg::promql
