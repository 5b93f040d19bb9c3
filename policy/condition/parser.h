// Parser for Argo Rollouts success/failure conditions (the expr-lang subset).
//
// Grammar and precedence follow expr-lang (github.com/expr-lang/expr), loosest
// first:  c ? a : b  <  or ||  <  and &&  <  == != < <= > >= in "not in"
// matches contains startsWith endsWith (these chain: a < b < c means
// a < b && b < c)  <  ..  <  + -  <  * / %  <  unary not !  <  unary - +
// <  ** ^ (right-associative)  <  ??  <  postfix x.f x?.f x[i] x[a:b] f(...).
// Note expr's quirks that this keeps: `not a == b` is `(not a) == b`, and
// `-2 ** 2` is `-(2 ** 2)`.
// Predicate builtins (all any none one filter map count find findIndex
// findLast findLastIndex) take a closure as second argument, with or without
// braces: all(result, {# < 0.05}) == all(result, # < 0.05). Inside it `#` is
// the element and `.f` means `#.f`.
// Not supported (a parse error that says so): map literals, pipes `|`,
// method calls `x.f()`, `let`.
//
// Never throws. Input over kMaxSourceBytes or nested deeper than kMaxDepth is
// refused with an error, so later recursive walks are bounded.
#pragma once

#include <string_view>

#include "policy/condition/ast.h"

namespace rg::condition {

struct ParseResult {
  bool ok = false;
  Ast ast;      // valid when ok
  Error error;  // when !ok: position (line:column) and message
};

ParseResult parse(std::string_view source);

}  // namespace rg::condition
