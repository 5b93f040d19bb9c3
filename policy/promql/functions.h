// The functions PromQL knows (Prometheus 2.42), with argument and return types.
#pragma once

#include <string_view>
#include <vector>

#include "policy/promql/ast.h"

namespace rg::promql {

struct FunctionInfo {
  const char* name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types.size() arguments. n > 0: the last argument is
  // optional and may appear up to n times. -1: the last argument may repeat
  // without limit (at least arg_types.size() - 1 arguments).
  int variadic;
  ValueType return_type;
};

// The function called `name`, or nullptr when 2.42 has no such function.
const FunctionInfo* find_function(std::string_view name);

}  // namespace rg::promql
