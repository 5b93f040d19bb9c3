// Static inspection: what a condition does with `result`, without running it.
// The analysis rules use it, e.g. analysis/result-shape ("the condition
// indexes result[0] but the query returns a scalar") and analysis/nan-unhandled
// ("no isNaN guard").
//
// Each occurrence of the identifier `result` is classified by the expression
// directly around it; a `#` inside a predicate over `result` counts as an
// element of result. Pure function of the Ast; never throws.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/condition/ast.h"

namespace rg::condition {

enum class ResultUseKind {
  kIndex,     // result[N] or result[expr]
  kSlice,     // result[a:b]
  kField,     // result.name / result?.name
  kLen,       // len(result)
  kIterate,   // all/any/none/one/filter/map/count/find.../sum/mean/first/last/min/max(result, ...),
              // x in result
  kAsNumber,  // arithmetic, ordering comparison, unary minus, abs/ceil/floor/round(result),
              // result == <number>
  kNanCheck,  // isNaN(result)
  kInfCheck,  // isInf(result)
  kConvert,   // asInt(result), asFloat(result), int(result), float(result)
  kNilCheck,  // result == nil, isNil(...), result ?? x
  kDefault,   // default(result, d) (Argo's default looks at result whatever it is given)
  kCompare,   // == / != with something that is not a number literal or nil
  kOther,     // anything else (a bare `result`, an argument to string(), ...)
};

struct ResultUse {
  ResultUseKind kind = ResultUseKind::kOther;
  Position pos;             // position of the `result` identifier
  std::string expression;   // source of the enclosing expression, e.g. "result[0]"
  bool constant_index = false;  // kIndex with an integer literal (possibly negative)
  int64_t index = 0;
};

struct ResultUsage {
  std::vector<ResultUse> uses;   // in source order
  bool references_result = false;
  bool indexes = false;          // any kIndex or kSlice
  std::vector<int64_t> constant_indexes;  // distinct literal indexes, in order seen
  bool calls_len = false;
  bool iterates = false;
  bool uses_as_number = false;   // result itself used as a number (scalar shape)
  bool uses_as_list() const { return indexes || calls_len || iterates; }
  // isNaN / isInf applied to result, an element of it (result[0], #), or any
  // expression containing them.
  bool checks_nan = false;
  bool checks_inf = false;
  bool uses_default = false;     // default(...) anywhere
  bool checks_nil = false;       // isNil(...) or a comparison of result with nil
};

ResultUsage inspect_result_usage(const Ast& ast);

// Human-readable name of a use kind: "index", "len", "number", ...
const char* use_kind_name(ResultUseKind k);

}  // namespace rg::condition
