// Evaluation of a parsed condition against a measurement `result`, with the
// semantics Argo Rollouts gives successCondition / failureCondition
// (utils/evaluate.EvalCondition on top of expr-lang).
//
// What `result` is: a Prometheus vector is Value::vector({...}) (Go
// []float64), a scalar is Value::number(x). Every scenario the honesty
// analysis needs is just a Value: vector({}) (no series), vector({NaN}),
// number(NaN), vector({x}), number(x).
//
// Semantics (as Argo/expr):
// - evaluate() first type-checks against type_of(result) (check.h), like
//   expr.Compile with the environment: type errors in branches that would not
//   run still fail.
// - int op int stays int (+ - * %, wrapping); any float makes it float; `/`
//   and `**` always give float; x/0 is +-Inf or NaN, x%0 is an error.
// - comparisons involving NaN are false; NaN != NaN is true.
// - result[i] out of range (including on an empty vector) is an error;
//   negative i counts from the end. x.f on a map gives nil when f is absent.
// - && || short-circuit; a non-bool left operand is an error.
// - Argo's own functions: isNaN(f), isInf(f), asInt(x), asFloat(x) (numbers
//   or numeric strings), isNil(_) and default(_, d). NOTE: Argo's isNil and
//   default ignore their first argument and look at `result` itself:
//   default(x, d) is d when result is nil, otherwise the whole `result`
//   (so default(result[0], 0) on [0.9] yields [0.9], not 0.9, and on an empty
//   vector still fails, because result[0] is evaluated first).
// - expr builtins: len, all, any, none, one, filter, map, count, find,
//   findIndex, findLast, findLastIndex, abs, min, max, int, float, string,
//   sum, mean, first, last, ceil, floor, round. `matches` is not supported
//   (evaluation error).
// - The final value must be bool: otherwise "expected bool, but got float64".
//
// Never throws, never crashes: every failure, including exceeding the step
// budget (kMaxSteps), is an Error with the position of the failing node.
// Thread safety: evaluate() only reads its arguments.
#pragma once

#include "policy/condition/ast.h"
#include "policy/condition/value.h"

namespace rg::condition {

inline constexpr long kMaxSteps = 1'000'000;

struct EvalResult {
  bool ok = false;
  bool value = false;  // the condition's outcome when ok
  Error error;         // when !ok
};

struct ValueResult {
  bool ok = false;
  Value value;
  Error error;
};

// Type-checks and evaluates the condition; the outcome must be bool.
EvalResult evaluate(const Ast& ast, const Value& result);

// Same, but returns any value (no bool requirement). For tests and tooling.
ValueResult evaluate_value(const Ast& ast, const Value& result);

}  // namespace rg::condition
