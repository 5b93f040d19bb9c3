// The PromQL lexer (Prometheus 2.42 token rules).
//
// lex() turns the whole input into tokens at once. Lexing stops at the first
// lexical error, which becomes the last token (Tok::kError, message in
// Token::error); otherwise the last token is Tok::kEof. Comments are dropped.
// Never throws; positions are byte offsets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rg::promql {

enum class Tok {
  kEof, kError, kIdentifier, kMetricIdentifier,
  kLeftParen, kRightParen, kLeftBrace, kRightBrace, kLeftBracket, kRightBracket,
  kComma, kEql, kColon, kNumber, kString, kDuration, kAt,
  // Operators.
  kSub, kAdd, kMul, kMod, kDiv, kEqlc, kNeq, kLte, kLss, kGte, kGtr, kEqlRegex, kNeqRegex,
  kPow, kLand, kLor, kLunless, kAtan2,
  // Aggregators.
  kAvg, kBottomk, kCount, kCountValues, kGroup, kMax, kMin, kQuantile, kStddev, kStdvar,
  kSum, kTopk,
  // Keywords.
  kBool, kBy, kGroupLeft, kGroupRight, kIgnoring, kOffset, kOn, kWithout,
  // Preprocessors.
  kStart, kEnd,
};

bool is_aggregator(Tok t);
bool is_keyword(Tok t);   // by, without, on, ... start, end
bool is_operator(Tok t);  // + - * / % ^ == != <= < >= > =~ !~ and or unless atan2

struct Token {
  Tok type = Tok::kEof;
  uint32_t pos = 0;       // byte offset of the first character
  std::string_view text;  // the source text of the token
  std::string error;      // kError only
};

std::vector<Token> lex(std::string_view input);

// How Prometheus names a token in "unexpected ..." messages, e.g. `"("`,
// `<op:+>`, `<aggr:sum>`, `<by>`, `identifier "foo"`, `end of input`.
std::string describe(const Token& t);

}  // namespace rg::promql
