// Static type check of a condition, the way Argo compiles it.
//
// Argo calls expr.Compile(condition, expr.Env(env)) where env["result"] holds
// the measurement value, so expr type-checks the whole condition against the
// concrete Go type of `result` before running it -- including branches that
// would never run. For a Prometheus vector (`[]float64`) that rejects
// `result >= 0.95` even in `len(result) == 0 || result >= 0.95`; for a scalar
// (`float64`) it rejects `result[0]`. check() reproduces those compile errors.
//
// It is deliberately conservative: where it cannot tell (values typed
// interface{}, e.g. what `default(...)` returns), the type is kAny and nothing
// is reported, so a condition Argo accepts is never rejected here.
// evaluate() (eval.h) runs check() first, as Argo does.
#pragma once

#include <string>

#include "policy/condition/ast.h"
#include "policy/condition/value.h"

namespace rg::condition {

struct Type {
  enum class Kind { kAny, kNil, kBool, kInt, kFloat, kString, kList, kMap };
  Kind kind = Kind::kAny;
  Kind elem = Kind::kAny;  // element type of kList / kMap

  static Type any() { return {}; }
  static Type of(Kind k) { return Type{k, Kind::kAny}; }
  static Type scalar() { return of(Kind::kFloat); }                // Prometheus scalar
  static Type vector() { return Type{Kind::kList, Kind::kFloat}; }  // Prometheus vector
  bool operator==(const Type&) const = default;
  std::string name() const;  // Go spelling: "float64", "[]float64", "interface {}"
};

// The static type expr derives from a value placed in the environment.
// nil (and anything else untyped) is kAny.
Type type_of(const Value& v);

struct CheckResult {
  bool ok = true;
  Type type;    // the condition's static type when ok (kAny when unknown)
  Error error;  // first compile error, e.g. "invalid operation: >= (mismatched
                // types []float64 and float64)"
};

// Type-checks `ast` with `result` of type `result_type`. Never throws.
CheckResult check(const Ast& ast, const Type& result_type);

}  // namespace rg::condition
