#include "policy/promql/parser.h"

#include <string>

#include <gtest/gtest.h>

#include "policy/promql/functions.h"
#include "policy/promql/printer.h"
#include "policy/promql/regex.h"

namespace rg::promql {
namespace {

std::string error_of(std::string_view q) {
  ParseResult r = parse(q);
  return r.ok() ? "OK" : r.error->message;
}

TEST(PromqlParser, ChapterQueries) {
  ParseResult r = parse(
      "sum(rate(http_requests_total{service=\"catalog\",code=~\"5..\"}[2m])) / "
      "sum(rate(http_requests_total{service=\"catalog\"}[2m]))");
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.expr->kind, Kind::kBinary);
  EXPECT_EQ(r.expr->op, Op::kDiv);
  EXPECT_EQ(r.expr->type, ValueType::kVector);
  const Expr& rate = *r.expr->lhs->expr;
  ASSERT_EQ(rate.kind, Kind::kCall);
  EXPECT_EQ(rate.function->name, std::string("rate"));
  const Expr& matrix = *rate.args[0];
  EXPECT_EQ(matrix.kind, Kind::kMatrixSelector);
  EXPECT_EQ(matrix.range_ms, 120000);
  EXPECT_EQ(matrix.expr->name, "http_requests_total");
  ASSERT_EQ(matrix.expr->matchers.size(), 2u);
  EXPECT_EQ(matrix.expr->matchers[1].type, MatchType::kRegexMatch);

  ParseResult h = parse(
      "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{service=\"catalog\"}[2m])))");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.expr->args[1]->grouping, std::vector<std::string>{"le"});
}

TEST(PromqlParser, Precedence) {
  auto canon = [](std::string_view q) {
    ParseResult r = parse(q);
    return r.ok() ? to_string(*r.expr) : r.error->message;
  };
  ParseResult r = parse("a + b * c");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.expr->op, Op::kAdd);
  EXPECT_EQ(r.expr->rhs->op, Op::kMul);
  r = parse("a ^ b ^ c");  // right-associative
  EXPECT_EQ(r.expr->lhs->kind, Kind::kVectorSelector);
  EXPECT_EQ(r.expr->rhs->op, Op::kPow);
  r = parse("a - b - c");  // left-associative
  EXPECT_EQ(r.expr->lhs->op, Op::kSub);
  r = parse("a or b and c unless d");
  EXPECT_EQ(r.expr->op, Op::kOr);
  EXPECT_EQ(r.expr->rhs->op, Op::kUnless);
  r = parse("-a ^ b");  // unary minus binds looser than ^
  EXPECT_EQ(r.expr->kind, Kind::kUnary);
  EXPECT_EQ(r.expr->expr->op, Op::kPow);
  r = parse("-a * b");  // ... and like * otherwise
  EXPECT_EQ(r.expr->op, Op::kMul);
  EXPECT_EQ(canon("a > bool 1 == b"), "a > bool 1 == b");
  EXPECT_EQ(canon("-0755"), "-493");
  EXPECT_EQ(canon("a * on(x) group_left(y) b"), "a * on (x) group_left (y) b");
}

TEST(PromqlParser, ModifiersAndSubqueries) {
  ParseResult r = parse("rate(foo[5m] offset -1h @ start())[30m:1m]");
  ASSERT_TRUE(r.ok()) << r.error->message;
  EXPECT_EQ(r.expr->kind, Kind::kSubquery);
  EXPECT_EQ(r.expr->step_ms, 60000);
  const Expr& vs = *r.expr->expr->args[0]->expr;
  EXPECT_EQ(vs.offset_ms, -3600000);
  EXPECT_EQ(vs.at.kind, AtKind::kStart);
}

TEST(PromqlParser, ErrorsCarryPositions) {
  EXPECT_EQ(error_of("sum(rate(foo[5m])"), "1:18: parse error: unclosed left parenthesis");
  EXPECT_EQ(error_of("foo{a=\"b\"\n} +"), "2:4: parse error: unexpected end of input");
  EXPECT_EQ(error_of("rate(foo)"),
            "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector");
  EXPECT_EQ(error_of("foo[5m] + 1"),
            "1:1: parse error: binary expression must contain only scalar and instant vector types");
  EXPECT_EQ(error_of("1 > 2"), "1:3: parse error: comparisons between scalars must use BOOL modifier");
  EXPECT_EQ(error_of("{}"), "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(error_of("{a=~\".*\"}"), "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(error_of("info(foo)"), "1:1: parse error: unknown function with name \"info\"");
  EXPECT_EQ(error_of("sum(foo) offset 5m"),
            "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector "
            "selector or a subquery");
  EXPECT_EQ(error_of(""), "1:1: parse error: no expression found in input");
  EXPECT_EQ(error_of("foo{a=~\"(\"}"), "1:5: parse error: error parsing regexp: missing closing ): `^(?:()$`");
  EXPECT_EQ(error_of("foo{a=~\"\\\\p{NotAScript}\"}"),
            "1:5: parse error: error parsing regexp: invalid character class range: `\\p{NotAScript}`");
  EXPECT_EQ(error_of("round(foo, 1, 2)"), "1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3");
}

// Label-matcher regexes are Go RE2 syntax, Unicode classes included.
TEST(PromqlParser, RegexMatchersTakeGoSyntax) {
  for (const char* q : {"foo{a=~\"\\\\p{Tamil}+\"}", "foo{a!~'\\\\p{Greek}|\\\\pL'}", "foo{a=~`\\PN\\p{Lu}`}",
                        "foo{a=~\"(?i)get\"}", "foo{a=~\"(?P<x>a)(?P<x>b)\"}"}) {
    EXPECT_EQ(error_of(q), "OK") << q;
  }
  EXPECT_EQ(error_of("{a=~`\\p{Tamil}*`}"), "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(error_of("{a=~`\\p{Tamil}+`}"), "OK");
}

// Checking a regex can take up to about 1 MiB of compiled program; a query's
// regexes share a budget of 8 MiB, so thousands of costly matchers cannot
// hold a webhook replica for minutes. Regexes past the budget are not judged.
TEST(PromqlParser, RegexWorkIsBoundedPerQuery) {
  const std::string costly = "a=~`\\pL{1000}`";
  bool empty = true;
  std::string err;
  size_t cost = 0;
  ASSERT_TRUE(check_regex("\\pL{1000}", &empty, &err, &cost)) << err;
  EXPECT_GE(cost, size_t{1} << 20);  // eight of them spend the budget
  std::string q = "foo{";
  for (int i = 0; i < 8; ++i) q += costly + ",";
  EXPECT_EQ(error_of(q + "b=~`(`}"), "OK");  // past the budget: not judged
  EXPECT_EQ(error_of("foo{" + costly + ",b=~`(`}"),
            "1:20: parse error: error parsing regexp: missing closing ): `^(?:()$`");  // within it: judged
  // A selector's emptiness reads what the parser found, judged or not.
  EXPECT_EQ(error_of("{a=~`x*`}"), "1:1: parse error: vector selector must contain at least one non-empty matcher");
  EXPECT_EQ(error_of("{a!~`x*`}"), "OK");
  EXPECT_EQ(error_of("{a=~`x+`}"), "OK");
}

TEST(PromqlParser, FunctionTable) {
  ASSERT_NE(find_function("label_join"), nullptr);
  EXPECT_EQ(find_function("label_join")->variadic, -1);
  EXPECT_EQ(find_function("limitk"), nullptr);  // newer than 2.42
  EXPECT_EQ(error_of("label_join(foo, \"a\", \",\", \"b\", \"c\", \"d\")"), "OK");
}

TEST(PromqlParser, DeepNestingIsAnErrorNotACrash) {
  std::string q(100000, '(');
  q += "1";
  q += std::string(100000, ')');
  ParseResult r = parse(q);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error->message.find("nesting too deep"), std::string::npos);

  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_FALSE(parse(chain).ok());
  std::string unary(100000, '-');
  EXPECT_FALSE(parse(unary + "foo").ok());
  std::string fine(200, '(');
  EXPECT_TRUE(parse(fine + "1" + std::string(200, ')')).ok());
}

TEST(PromqlParser, NeverCrashesOnGarbage) {
  const std::string_view alphabet = "(){}[]\"'`\\,.:=!~<>+-*/^%@#0123456789eExsum by rate offset \n\xff\xc3";
  unsigned seed = 12345;
  for (int i = 0; i < 20000; ++i) {
    std::string q;
    int len = static_cast<int>(seed % 40);
    for (int k = 0; k < len; ++k) {
      seed = seed * 1103515245 + 12345;
      q.push_back(alphabet[(seed >> 16) % alphabet.size()]);
    }
    seed = seed * 1103515245 + 12345;
    ParseResult r = parse(q);
    if (r.ok()) {
      // Canonical output must itself parse to the same canonical output.
      std::string c = pretty(*r.expr);
      ParseResult again = parse(c);
      ASSERT_TRUE(again.ok()) << q << " -> " << c;
      EXPECT_EQ(pretty(*again.expr), c);
    } else {
      EXPECT_FALSE(r.error->message.empty());
    }
  }
}

}  // namespace
}  // namespace rg::promql
