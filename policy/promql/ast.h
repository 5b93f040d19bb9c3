// The PromQL abstract syntax tree produced by rg::promql::parse().
//
// One node type, Expr, with a kind tag; the fields a kind uses are listed next
// to each field. The tree owns its children (unique_ptr), is immutable after
// parsing by convention, and is safe to read from several threads. Depth is
// bounded by the parser (kMaxDepth), so recursive walks cannot blow the stack.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rg::promql {

// The value type of an expression, as Prometheus' parser computes it.
enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

// "scalar", "instant vector", "range vector", "string", "none" (Prometheus'
// DocumentedType wording).
const char* value_type_name(ValueType t);

enum class Kind {
  kNumberLiteral,   // number
  kStringLiteral,   // text
  kVectorSelector,  // name, matchers, offset_ms, at
  kMatrixSelector,  // expr (a kVectorSelector, which carries offset/@), range_ms
  kSubquery,        // expr, range_ms, step_ms, offset_ms, at
  kCall,            // text (function name), function, args
  kAggregate,       // op, grouping, without, param (or null), expr
  kBinary,          // op, lhs, rhs, return_bool, matching (vector/vector only)
  kUnary,           // op (kAdd or kSub), expr
  kParen,           // expr
};

// Operators and aggregation names.
enum class Op {
  kNone,
  // Binary arithmetic.
  kAdd, kSub, kMul, kDiv, kMod, kPow, kAtan2,
  // Comparison.
  kEql, kNeq, kGtr, kLss, kGte, kLte,
  // Set.
  kAnd, kOr, kUnless,
  // Aggregations.
  kSum, kMin, kMax, kAvg, kGroup, kStddev, kStdvar, kCount, kCountValues,
  kBottomk, kTopk, kQuantile,
};

// The operator as written in PromQL ("+", "==", "and", "sum", ...).
const char* op_name(Op op);
bool is_comparison(Op op);
bool is_set_operator(Op op);

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };
const char* match_type_name(MatchType t);  // "=", "!=", "=~", "!~"

struct LabelMatcher {
  std::string name;
  MatchType type = MatchType::kEqual;
  std::string value;  // unquoted
  // =~ and !~ only, set by the parser when it checks the regex: Go rejects
  // it; or the anchored pattern matches "". Both false when the regex was
  // not judged (too large, or past the query's regex budget).
  bool regex_invalid = false;
  bool regex_matches_empty = false;
};

// Where an @ modifier points.
enum class AtKind { kNone, kTimestamp, kStart, kEnd };
struct AtModifier {
  AtKind kind = AtKind::kNone;
  int64_t timestamp_ms = 0;  // kTimestamp only
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// on()/ignoring()/group_left()/group_right() of a binary operator between two
// instant vectors.
struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  bool on = false;                          // on(...) rather than ignoring(...)
  std::vector<std::string> matching_labels;
  std::vector<std::string> include;         // group_x(...) labels
};

struct FunctionInfo;  // functions.h

// Byte offsets into the parsed string: [start, end).
struct PosRange {
  uint32_t start = 0;
  uint32_t end = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  Kind kind = Kind::kNumberLiteral;
  ValueType type = ValueType::kNone;
  PosRange pos;
  uint32_t height = 1;  // nesting height of this subtree (1 for a leaf)

  double number = 0;   // kNumberLiteral
  std::string text;    // kStringLiteral value; kCall function name
  std::string name;    // kVectorSelector metric name ("" when only {...})
  // kVectorSelector: the matchers written inside the braces, in source order.
  // The metric name outside the braces is in `name`, not repeated here.
  std::vector<LabelMatcher> matchers;
  int64_t offset_ms = 0;   // kVectorSelector, kSubquery (negative allowed)
  AtModifier at;           // kVectorSelector, kSubquery
  int64_t range_ms = 0;    // kMatrixSelector, kSubquery
  int64_t step_ms = 0;     // kSubquery (0: default step)

  Op op = Op::kNone;               // kBinary, kUnary, kAggregate
  bool return_bool = false;        // kBinary
  std::optional<VectorMatching> matching;  // kBinary between two vectors
  std::vector<std::string> grouping;       // kAggregate by/without labels
  bool without = false;                    // kAggregate

  const FunctionInfo* function = nullptr;  // kCall
  ExprPtr lhs, rhs;            // kBinary
  ExprPtr expr;                // kUnary, kParen, kSubquery, kMatrixSelector, kAggregate
  ExprPtr param;               // kAggregate parameter (topk, quantile, count_values, ...)
  std::vector<ExprPtr> args;   // kCall

  // Calls f(const Expr&) on each direct child, in source order.
  template <typename F>
  void for_each_child(F&& f) const {
    if (param) f(*param);
    if (lhs) f(*lhs);
    if (expr) f(*expr);
    if (rhs) f(*rhs);
    for (const ExprPtr& a : args) f(*a);
  }
};

}  // namespace rg::promql
