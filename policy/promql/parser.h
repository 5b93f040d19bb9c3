// PromQL parser: the grammar and static type checks of Prometheus 2.42.
//
//   ParseResult r = rg::promql::parse("sum by (job) (rate(x[5m]))");
//   if (!r.ok()) puts(r.error->message.c_str());  // "1:26: parse error: ..."
//
// parse() never throws and never crashes: nesting deeper than kMaxDepth is a
// parse error rather than a stack overflow. On success the tree has passed the
// same checks as Prometheus' parser.ParseExpr (function arity and argument
// types, operand types, vector matching, @ and offset placement, ...).
// Thread-safe: no shared mutable state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "policy/promql/ast.h"

namespace rg::promql {

// Deepest nesting of expressions accepted (parentheses, calls, operands).
inline constexpr int kMaxDepth = 256;

struct ParseError {
  uint32_t offset = 0;  // byte offset of the error in the query
  uint32_t line = 1;    // 1-based
  uint32_t column = 1;  // 1-based, in bytes (as Prometheus counts)
  std::string detail;   // "unclosed left parenthesis"
  // promtool's wording: "1:26: parse error: unclosed left parenthesis".
  std::string message;
};

struct ParseResult {
  ExprPtr expr;                     // set on success
  std::optional<ParseError> error;  // set on failure
  bool ok() const { return expr != nullptr; }
};

ParseResult parse(std::string_view query);

}  // namespace rg::promql
