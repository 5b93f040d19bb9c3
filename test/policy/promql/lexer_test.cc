#include "policy/promql/lexer.h"

#include <gtest/gtest.h>

namespace rg::promql {
namespace {

std::vector<Tok> types(std::string_view q) {
  std::vector<Tok> out;
  for (const Token& t : lex(q)) out.push_back(t.type);
  return out;
}

TEST(PromqlLexer, NumbersDurationsAndKeywords) {
  EXPECT_EQ(types("0x1F 5m 1.5e3 Inf nan"),
            (std::vector<Tok>{Tok::kNumber, Tok::kDuration, Tok::kNumber, Tok::kNumber, Tok::kNumber, Tok::kEof}));
  EXPECT_EQ(types("SUM by OFFSET"), (std::vector<Tok>{Tok::kSum, Tok::kBy, Tok::kOffset, Tok::kEof}));
  EXPECT_EQ(types("job:rate5m"), (std::vector<Tok>{Tok::kMetricIdentifier, Tok::kEof}));
}

TEST(PromqlLexer, InsideBracesEverythingIsAnIdentifier) {
  EXPECT_EQ(types("{by=~\"a\", on!~'b'}"),
            (std::vector<Tok>{Tok::kLeftBrace, Tok::kIdentifier, Tok::kEqlRegex, Tok::kString, Tok::kComma,
                              Tok::kIdentifier, Tok::kNeqRegex, Tok::kString, Tok::kRightBrace, Tok::kEof}));
}

TEST(PromqlLexer, SubqueryBrackets) {
  EXPECT_EQ(types("x[5m:1m]"), (std::vector<Tok>{Tok::kIdentifier, Tok::kLeftBracket, Tok::kDuration, Tok::kColon,
                                                 Tok::kDuration, Tok::kRightBracket, Tok::kEof}));
}

TEST(PromqlLexer, CommentsAreDropped) {
  EXPECT_EQ(types("foo # a comment\n+ 1"), (std::vector<Tok>{Tok::kIdentifier, Tok::kAdd, Tok::kNumber, Tok::kEof}));
}

TEST(PromqlLexer, ErrorsEndTheStream) {
  std::vector<Token> t = lex("foo $");
  ASSERT_EQ(t.back().type, Tok::kError);
  EXPECT_EQ(t.back().error, "unexpected character: '$'");
  EXPECT_EQ(t.back().pos, 4u);
  EXPECT_EQ(lex("\"\\c\"").back().error, "unknown escape sequence U+0063 'c'");
  EXPECT_EQ(lex("(foo").back().error, "unclosed left parenthesis");
  EXPECT_EQ(lex("x[5]").back().error, "missing unit character in duration");
}

}  // namespace
}  // namespace rg::promql
