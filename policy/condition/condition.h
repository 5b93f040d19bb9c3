// rg::condition -- Argo Rollouts success/failure conditions (expr-lang subset).
// One include for users of the library:
//   parser.h  parse(text) -> Ast, or an Error with line:column
//   check.h   check(ast, type): the compile-time type errors Argo would report
//   eval.h    evaluate(ast, result) -> bool or an Error, with Argo semantics
//   usage.h   inspect_result_usage(ast): what the condition does with `result`
#pragma once

#include "policy/condition/ast.h"
#include "policy/condition/check.h"
#include "policy/condition/eval.h"
#include "policy/condition/parser.h"
#include "policy/condition/usage.h"
#include "policy/condition/value.h"
