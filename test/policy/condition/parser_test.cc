#include "policy/condition/parser.h"

#include <gtest/gtest.h>

#include <string>

#include "policy/condition/lexer.h"

namespace rg::condition {
namespace {

std::string tree(std::string_view src) {
  ParseResult r = parse(src);
  if (!r.ok) return "ERROR " + r.error.to_string();
  return to_debug_string(*r.ast.root());
}

std::string error_of(std::string_view src) {
  ParseResult r = parse(src);
  return r.ok ? "OK" : r.error.to_string();
}

TEST(ConditionParser, Literals) {
  EXPECT_EQ(tree("result"), "result");
  EXPECT_EQ(tree("42"), "42");
  EXPECT_EQ(tree("1_000"), "1000");
  EXPECT_EQ(tree("0x1f"), "31");
  EXPECT_EQ(tree("0.95"), "0.95");
  EXPECT_EQ(tree("1e-3"), "0.001");
  EXPECT_EQ(tree(".5"), "0.5");
  EXPECT_EQ(tree("true"), "true");
  EXPECT_EQ(tree("nil"), "nil");
  EXPECT_EQ(tree(R"("a\"b")"), R"("a"b")");
  EXPECT_EQ(tree("'x\\ty'"), "\"x\ty\"");
  EXPECT_EQ(tree("`raw\\n`"), "\"raw\\n\"");
  EXPECT_EQ(tree("[1, 2.5, \"s\",]"), "[1, 2.5, \"s\"]");
}

TEST(ConditionParser, PostfixForms) {
  EXPECT_EQ(tree("result[0]"), "result[0]");
  EXPECT_EQ(tree("result.field"), "result.field");
  EXPECT_EQ(tree("result?.a.b"), "result?.a.b");
  EXPECT_EQ(tree("result[1:]"), "result[1:]");
  EXPECT_EQ(tree("result[:2]"), "result[:2]");
  EXPECT_EQ(tree("result[-1]"), "result[(-1)]");
  EXPECT_EQ(tree("len(result)"), "len(result)");
  EXPECT_EQ(tree("default(result[0], 0)"), "default(result[0], 0)");
}

TEST(ConditionParser, Precedence) {
  EXPECT_EQ(tree("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(tree("(1 + 2) * 3"), "((1 + 2) * 3)");
  EXPECT_EQ(tree("1 - 2 - 3"), "((1 - 2) - 3)");
  EXPECT_EQ(tree("2 ** 3 ** 2"), "(2 ** (3 ** 2))");
  EXPECT_EQ(tree("2 ^ 3"), "(2 ^ 3)");
  EXPECT_EQ(tree("-2 ** 2"), "(-(2 ** 2))");
  EXPECT_EQ(tree("-a * b"), "((-a) * b)");
  EXPECT_EQ(tree("a || b && c"), "(a || (b && c))");
  EXPECT_EQ(tree("a or b and not c"), "(a or (b and (not c)))");
  EXPECT_EQ(tree("!a == b"), "((!a) == b)");  // as in expr: unary not (50) binds tighter than == (20)
  EXPECT_EQ(tree("len(result) == 0 || result[0] < 0.05"),
            "((len(result) == 0) || (result[0] < 0.05))");
  EXPECT_EQ(tree("isNaN(result[0]) || result[0] < 0.05"),
            "(isNaN(result[0]) || (result[0] < 0.05))");
  EXPECT_EQ(tree("a ? b : c ? d : e"), "(a ? b : (c ? d : e))");
  EXPECT_EQ(tree("a ?: b"), "(a ? a : b)");
  EXPECT_EQ(tree("x ?? 1 + 2"), "((x ?? 1) + 2)");
  EXPECT_EQ(tree("1 in [1, 2]"), "(1 in [1, 2])");
  EXPECT_EQ(tree("1 not in [1, 2]"), "(1 not in [1, 2])");
  EXPECT_EQ(tree("1..3"), "(1 .. 3)");
}

TEST(ConditionParser, ChainedComparison) {
  EXPECT_EQ(tree("0 < result[0] < 1"), "((0 < result[0]) && (result[0] < 1))");
  EXPECT_EQ(tree("a < b <= c"), "((a < b) && (b <= c))");
}

TEST(ConditionParser, Predicates) {
  EXPECT_EQ(tree("all(result, {# < 0.05})"), "all(result, {(# < 0.05)})");
  EXPECT_EQ(tree("all(result, # < 0.05)"), "all(result, {(# < 0.05)})");
  EXPECT_EQ(tree("any(result, .x > 1)"), "any(result, {(#.x > 1)})");
  EXPECT_EQ(tree("map(result, # * 2)"), "map(result, {(# * 2)})");
  EXPECT_EQ(tree("all(result, {all(#, {# > 0})})"), "all(result, {all(#, {(# > 0)})})");
}

TEST(ConditionParser, SpansQuoteTheSource) {
  ParseResult r = parse("len(result) == 0 ||  result[0] <  0.05");
  ASSERT_TRUE(r.ok);
  const Node& root = *r.ast.root();
  EXPECT_EQ(r.ast.text(root), "len(result) == 0 ||  result[0] <  0.05");
  EXPECT_EQ(r.ast.text(*root.children[1]), "result[0] <  0.05");
  EXPECT_EQ(r.ast.text(*root.children[1]->children[0]), "result[0]");
  ParseResult p = parse("(1 + 2) * 3");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.ast.text(*p.ast.root()->children[0]), "(1 + 2)");
}

TEST(ConditionParser, ErrorsCarryPositions) {
  EXPECT_EQ(error_of(""), "1:1: empty condition");
  EXPECT_EQ(error_of("result[0] >="), "1:13: unexpected end of expression");
  EXPECT_EQ(error_of("result[0 >= 1"), "1:14: unexpected end of expression, expected \"]\" to close the index");
  EXPECT_EQ(error_of("(1 + 2"), "1:7: unexpected end of expression, expected \")\" to close \"(\"");
  EXPECT_EQ(error_of("1 + 2)"), "1:6: unexpected token \")\"");
  EXPECT_EQ(error_of("result[0] = 1"), "1:11: unrecognized character: '='");
  EXPECT_EQ(error_of("\"abc"), "1:1: literal not terminated");
  EXPECT_EQ(error_of("result[0] >= 0.95\n  && @"), "2:6: unrecognized character: '@'");
  EXPECT_EQ(error_of("# > 1"), "1:1: cannot use pointer accessor outside predicate");
  EXPECT_EQ(error_of("{a: 1}"), "1:1: map literals are not supported");
  EXPECT_EQ(error_of("result | len"), "1:8: the pipe operator \"|\" is not supported");
  EXPECT_EQ(error_of("result.foo()"), "1:8: method calls are not supported");
  EXPECT_EQ(error_of("1.2.3"), "1:5: expected name after \".\", got number 3");
  EXPECT_EQ(error_of("99999999999999999999"), "1:1: invalid integer literal: 99999999999999999999");
  EXPECT_EQ(error_of("12abc"), "1:1: bad number syntax: \"12a\"");
  EXPECT_EQ(error_of("a ? b"), "1:6: unexpected end of expression, expected \":\"");
  EXPECT_EQ(error_of("/* open"), "1:1: unterminated comment");
}

TEST(ConditionParser, CommentsAreSkipped) {
  EXPECT_EQ(tree("result[0] // the first series\n >= 0.95"), "(result[0] >= 0.95)");
  EXPECT_EQ(tree("/* x */ true"), "true");
}

TEST(ConditionParser, DeepNestingIsRefusedNotCrashing) {
  std::string deep(30000, '(');
  deep += "1";
  deep += std::string(30000, ')');
  ParseResult r = parse(deep);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.message.find("nested too deeply"), std::string::npos);

  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  r = parse(chain);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.message.find("nested too deeply"), std::string::npos);

  std::string nots(50000, '!');
  r = parse(nots + "true");
  EXPECT_FALSE(r.ok);

  // Moderate nesting is fine.
  std::string ok(40, '(');
  ok += "1" + std::string(40, ')') + " == 1";
  EXPECT_TRUE(parse(ok).ok);
}

// `c ?: b` is c ? c : b and a < b < c is a < b && b < c: nested, the copies
// double at each level. A fuzz input of 1.7 KB grew to gigabytes
// (test/fuzz/regressions/condition/); the tree is now capped at kMaxNodes.
TEST(ConditionParser, RepeatedOperandsCannotGrowTheTreeWithoutBound) {
  std::string elvis = "x";
  for (int i = 0; i < 40; ++i) elvis = "(" + elvis + " ?: y)";
  EXPECT_EQ(error_of(elvis).substr(error_of(elvis).find(": ") + 2),
            "expression is too large: more than 100000 nodes once `?:` and chained comparisons repeat their "
            "operands");
  std::string chain = "a";
  for (int i = 0; i < 40; ++i) chain = "1 < (" + chain + ") < 2";
  EXPECT_NE(error_of(chain).find("expression is too large"), std::string::npos) << error_of(chain);

  // A few levels are an ordinary tree, and still mean what they say.
  EXPECT_EQ(tree("(x ?: y) ?: z"), "((x ? x : y) ? (x ? x : y) : z)");
  std::string ten = "x";
  for (int i = 0; i < 10; ++i) ten = "(" + ten + " ?: y)";
  EXPECT_TRUE(parse(ten).ok);
}

TEST(ConditionParser, OversizedInputIsRefused) {
  std::string big(kMaxSourceBytes + 1, ' ');
  ParseResult r = parse(big);
  EXPECT_FALSE(r.ok);
}

TEST(ConditionLexer, TokensHavePositions) {
  std::vector<Token> toks;
  Error err;
  ASSERT_TRUE(lex("a\n  not in b", &toks, &err));
  ASSERT_EQ(toks.size(), 5u);
  EXPECT_EQ(toks[1].text, "not");
  EXPECT_EQ(toks[1].kind, TokenKind::kOperator);
  EXPECT_EQ(toks[1].pos.line, 2);
  EXPECT_EQ(toks[1].pos.column, 3);
  EXPECT_EQ(toks[4].kind, TokenKind::kEof);
}

}  // namespace
}  // namespace rg::condition
