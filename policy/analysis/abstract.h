// Abstract evaluation of a PromQL expression in the scenarios that decide
// whether an analysis gate is honest:
//
//   silence: no selector matches any series (a canary that got no traffic,
//            or a metric name typo);
//   idle:    every selector matches series whose counters do not move
//            (rate/increase/irate/delta over them are 0).
//
// The domain, per subexpression: presence (empty / present / unknown) and a
// value class for the samples (a known number, NaN, or unknown). Only what is
// certain is kept: an "unknown" anywhere yields no finding, so the rules built
// on this never raise a false positive from guesswork. Rules that follow
// Prometheus: aggregations over nothing are empty, `x or vector(c)` fills only
// when x is empty (NaN is not empty), 0/0 is NaN, `> 0` filters drop zeros
// (and NaN), histogram_quantile over all-zero buckets is NaN.
//
// Pure; never throws. Recursion is bounded by the parser's depth limit.
#pragma once

#include <string>
#include <vector>

#include "policy/promql/ast.h"

namespace rg::analysis {

enum class Scenario { kSilence, kIdle };
const char* scenario_name(Scenario s);  // "silence", "idle"

enum class Presence { kEmpty, kPresent, kUnknown };

struct Sample {
  enum class Kind { kKnown, kNaN, kUnknown };
  Kind kind = Kind::kUnknown;
  double value = 0;  // kKnown only (may be +-Inf)

  static Sample known(double v);  // NaN input becomes kNaN
  static Sample nan() { return Sample{Kind::kNaN, 0}; }
  static Sample unknown() { return Sample{}; }
  bool is_known() const { return kind == Kind::kKnown; }
  bool is_nan() const { return kind == Kind::kNaN; }
  std::string str() const;  // "0", "NaN", "unknown"
};

// What the label set of a vector's series is known to be, derived through
// every operator as Prometheus computes it (the metric name is ignored):
// aggregations keep their by() labels or drop their without() ones, one-to-one
// matching keeps on() labels or drops ignoring() ones, group_left/right add
// their include labels, histogram_quantile drops le, label_replace and
// label_join add their target, `and`/`unless` keep the left side's labels,
// and `or` holds the series of both sides.
enum class Labels {
  kNone,     // no labels: scalars, vector(1), sum(...) without by; at most one series
  kGrouped,  // every series has exactly the labels in `grouping` (sum by (a, b))
  kSome,     // every series has some of the labels in `grouping`, at least one
             // series may have all (x or vector(0), on(a) over raw series)
  kRaw,      // every label of the source series, but those in `grouping`
             // (dropped by without(), ignoring() or histogram_quantile)
  kUnknown,
};

struct AbstractValue {
  promql::ValueType type = promql::ValueType::kNone;
  Presence presence = Presence::kUnknown;  // scalars are always kPresent
  Sample sample;                           // every sample's class (when present)
  Labels labels = Labels::kUnknown;        // vectors only
  std::vector<std::string> grouping;       // the label names of `labels`, sorted
  // The subexpression that made the value what it is, for messages: the
  // innermost node that produced emptiness or NaN ("sum(rate(x[2m]))").
  const promql::Expr* cause = nullptr;

  bool empty() const { return presence == Presence::kEmpty; }
  // At most one sample (no labels): `result[0]` is the whole answer.
  bool single() const { return labels == Labels::kNone; }
};

// Evaluates `e` abstractly. `e` must be a successfully parsed expression.
AbstractValue evaluate(const promql::Expr& e, Scenario scenario);

}  // namespace rg::analysis
