// Lexer for the condition language: turns source text into tokens with
// positions. Used by the parser; exposed for tests and tooling.
//
// Tokens follow expr-lang: numbers (decimal with '_' separators, 0x/0o/0b,
// floats with fraction or exponent), strings ("..." and '...' with Go escapes,
// `raw`), identifiers, word operators (not and or in matches contains
// startsWith endsWith), symbol operators and brackets. "//" and "/* */"
// comments are skipped. Never throws; a malformed input gives an Error.
#pragma once

#include <string_view>
#include <vector>

#include "policy/condition/ast.h"

namespace rg::condition {

enum class TokenKind { kEof, kInt, kFloat, kString, kIdentifier, kOperator, kBracket };

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;     // identifier, operator, bracket, or the unescaped string
  Position pos;         // where the token starts
  size_t end = 0;       // byte offset one past the token
  int64_t int_value = 0;
  double float_value = 0;

  bool is(TokenKind k, std::string_view t) const { return kind == k && text == t; }
  bool is_op(std::string_view t) const { return is(TokenKind::kOperator, t); }
  bool is_bracket(std::string_view t) const { return is(TokenKind::kBracket, t); }
};

// Splits `source` into tokens ending with one kEof token. Returns false and
// sets *error on the first malformed token.
bool lex(std::string_view source, std::vector<Token>* tokens, Error* error);

}  // namespace rg::condition
