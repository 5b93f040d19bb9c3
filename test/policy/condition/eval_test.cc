#include "policy/condition/eval.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "policy/condition/parser.h"

namespace rg::condition {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// "true", "false", or "error: <message>" (parse errors too).
std::string run(std::string_view cond, const Value& result) {
  ParseResult p = parse(cond);
  if (!p.ok) return "parse error: " + p.error.to_string();
  EvalResult r = evaluate(p.ast, result);
  if (!r.ok) return "error: " + r.error.message;
  return r.value ? "true" : "false";
}

std::string value_of(std::string_view expr, const Value& result = Value()) {
  ParseResult p = parse(expr);
  if (!p.ok) return "parse error: " + p.error.to_string();
  ValueResult r = evaluate_value(p.ast, result);
  if (!r.ok) return "error: " + r.error.message;
  return r.value.debug_string();
}

Value vec(std::initializer_list<double> v) { return Value::vector(std::vector<double>(v)); }

TEST(ConditionEval, ArgoGuideConditions) {
  EXPECT_EQ(run("result[0] >= 0.95", vec({0.99})), "true");
  EXPECT_EQ(run("result[0] >= 0.95", vec({0.5})), "false");
  EXPECT_EQ(run("result[0] >= 0.95", vec({})), "error: index out of range: 0 (array length is 0)");
  EXPECT_EQ(run("result >= 0.95", Value::number(0.99)), "true");
  EXPECT_EQ(run("result < 0.05", Value::number(0.01)), "true");
}

TEST(ConditionEval, EmptyVectorGuardedByLen) {
  const char* c = "len(result) == 0 || result[0] < 0.05";
  EXPECT_EQ(run(c, vec({})), "true");
  EXPECT_EQ(run(c, vec({0.01})), "true");
  EXPECT_EQ(run(c, vec({0.5})), "false");
  EXPECT_EQ(run(c, vec({kNaN})), "false");
  // A scalar result is not indexable: Argo's compile step rejects it.
  EXPECT_EQ(run(c, Value::number(0.01)), "error: invalid argument for len (type float64)");
}

TEST(ConditionEval, NaNSemantics) {
  EXPECT_EQ(run("result[0] < 0.05", vec({kNaN})), "false");
  EXPECT_EQ(run("result[0] > 0.05", vec({kNaN})), "false");
  EXPECT_EQ(run("result[0] >= 0.95", vec({kNaN})), "false");
  EXPECT_EQ(run("result == result", Value::number(kNaN)), "false");
  EXPECT_EQ(run("result != result", Value::number(kNaN)), "true");
  EXPECT_EQ(run("isNaN(result[0]) || result[0] < 0.05", vec({kNaN})), "true");
  EXPECT_EQ(run("isNaN(result[0]) || result[0] < 0.05", vec({0.01})), "true");
  EXPECT_EQ(run("isNaN(result[0]) || result[0] < 0.05", vec({0.5})), "false");
  EXPECT_EQ(run("isNaN(result)", Value::number(kNaN)), "true");
  EXPECT_EQ(run("isInf(result[0])", vec({kInf})), "true");
  EXPECT_EQ(run("isInf(result[0])", vec({-kInf})), "true");
  EXPECT_EQ(run("result > 1e308", Value::number(kInf)), "true");
  EXPECT_EQ(value_of("0.0 / 0"), "NaN");
  EXPECT_EQ(value_of("1 / 0"), "+Inf");
  EXPECT_EQ(value_of("-1 / 0.0"), "-Inf");
}

// The five abstract results the honesty analysis evaluates conditions on.
TEST(ConditionEval, AbstractScenarios) {
  const char* success = "result[0] >= 0.95";
  const char* failure = "result[0] > 0.05";
  const char* scalar = "result >= 0.95";
  // (a) empty vector: indexing errors.
  EXPECT_EQ(run(success, vec({})), "error: index out of range: 0 (array length is 0)");
  EXPECT_EQ(run("all(result, {# < 0.05})", vec({})), "true");
  EXPECT_EQ(run("any(result, # < 0.05)", vec({})), "false");
  // (b) vector with one NaN: every comparison is false.
  EXPECT_EQ(run(success, vec({kNaN})), "false");
  EXPECT_EQ(run(failure, vec({kNaN})), "false");
  EXPECT_EQ(run("all(result, {# < 0.05})", vec({kNaN})), "false");
  // (c) scalar NaN.
  EXPECT_EQ(run(scalar, Value::number(kNaN)), "false");
  EXPECT_EQ(run(success, Value::number(kNaN)), "error: type float64[int] is undefined");
  // (d) vector with one value.
  EXPECT_EQ(run(success, vec({0.97})), "true");
  EXPECT_EQ(run(scalar, vec({0.97})), "error: invalid operation: >= (mismatched types []float64 and float64)");
  // (e) scalar value.
  EXPECT_EQ(run(scalar, Value::number(1)), "true");
  EXPECT_EQ(run("result == 1", Value::number(1)), "true");
}

TEST(ConditionEval, CompileStepChecksBranchesThatDoNotRun) {
  // With a vector, `result >= 0.95` is a type error even behind a short-circuit.
  EXPECT_EQ(run("len(result) == 0 || result >= 0.95", vec({})),
            "error: invalid operation: >= (mismatched types []float64 and float64)");
  EXPECT_EQ(run("true || result[0]", vec({1})),
            "error: invalid operation: || (mismatched types bool and float64)");
  EXPECT_EQ(run("unknownName > 1", vec({1})), "error: unknown name unknownName");
  EXPECT_EQ(run("frobnicate(result)", vec({1})), "error: unknown func frobnicate");
  // An untyped (nil) result defers type errors to run time.
  EXPECT_EQ(run("result == nil || result[0] > 1", Value()), "true");
}

TEST(ConditionEval, AllAnyNoneFilterMap) {
  EXPECT_EQ(run("all(result, {# < 100})", vec({1, 2, 99})), "true");
  EXPECT_EQ(run("all(result, {# < 100})", vec({1, 200})), "false");
  EXPECT_EQ(run("all(result, # < 100)", vec({1, 2})), "true");
  EXPECT_EQ(run("any(result, # > 1)", vec({0, 2})), "true");
  EXPECT_EQ(run("none(result, # > 1)", vec({0, 2})), "false");
  EXPECT_EQ(run("one(result, # > 1)", vec({0, 2})), "true");
  EXPECT_EQ(run("len(filter(result, # > 1)) == 2", vec({0, 2, 3})), "true");
  EXPECT_EQ(value_of("map(result, # * 2)", vec({1, 2})), "[2, 4]");
  EXPECT_EQ(value_of("count(result, # > 1)", vec({0, 2, 3})), "2");
  EXPECT_EQ(value_of("find(result, # > 1)", vec({0, 2, 3})), "2");
  EXPECT_EQ(value_of("findIndex(result, # > 5)", vec({0, 2, 3})), "-1");
  EXPECT_EQ(value_of("findLast(result, # > 1)", vec({0, 2, 3})), "3");
  EXPECT_EQ(run("all(result, {# + 1})", vec({1})), "error: predicate should return boolean (got float64)");
  EXPECT_EQ(run("all(result, {# < 1})", Value::number(1)), "error: builtin all takes only array (got float64)");
  EXPECT_EQ(run("all(result, .ok)", Value::list({Value::map({{"ok", Value::boolean(true)}})})), "true");
}

// Argo's `default(x, d)` ignores x: it returns d when *result* is nil and the
// whole result otherwise (utils/evaluate.defaultFunc). x is still evaluated.
TEST(ConditionEval, ArgoDefaultLooksAtResultNotItsArgument) {
  EXPECT_EQ(run("default(result[0], 0) >= 0.95", vec({})), "error: index out of range: 0 (array length is 0)");
  EXPECT_EQ(run("default(result[0], 0) >= 0.95", vec({0.99})),
            "error: invalid operation: >= (mismatched types []float64 and float64)");
  EXPECT_EQ(run("default(result, 0) >= 0.95", Value()), "false");
  EXPECT_EQ(run("default(result, 1) >= 0.95", Value()), "true");
  EXPECT_EQ(run("default(result, 0) >= 0.95", Value::number(0.97)), "true");
  EXPECT_EQ(value_of("default(1, 2)", vec({5})), "[5]");
  EXPECT_EQ(run("isNil(result)", Value()), "true");
  EXPECT_EQ(run("isNil(123)", vec({})), "false");
}

TEST(ConditionEval, AsIntAsFloat) {
  EXPECT_EQ(run("asInt(result) == 1", Value::number(1.9)), "true");
  EXPECT_EQ(run("asInt(result) == 1", Value::string("1")), "true");
  EXPECT_EQ(run("asInt(result) == 1", Value::string("1.0")),
            "error: strconv.ParseInt: parsing \"1.0\": invalid syntax");
  EXPECT_EQ(run("asInt(result) == 1", vec({1})), "error: asInt() not supported on []float64 [1]");
  EXPECT_EQ(run("asInt(result[0]) == 1", vec({1})), "true");
  EXPECT_EQ(value_of("asInt(result)", Value::number(kNaN)), "-9223372036854775808");
  EXPECT_EQ(run("asFloat(result) > 0.5", Value::string("0.75")), "true");
  EXPECT_EQ(run("asFloat(result) > 0.5", Value::string("abc")),
            "error: strconv.ParseFloat: parsing \"abc\": invalid syntax");
  EXPECT_EQ(run("isNaN(asFloat(result))", Value::string("NaN")), "true");
  EXPECT_EQ(value_of("asFloat(3)"), "3");
}

TEST(ConditionEval, ArithmeticLikeExpr) {
  EXPECT_EQ(value_of("1 + 2"), "3");
  EXPECT_EQ(value_of("1 + 2.5"), "3.5");
  EXPECT_EQ(value_of("7 / 2"), "3.5");
  EXPECT_EQ(value_of("7 % 3"), "1");
  EXPECT_EQ(value_of("-7 % 3"), "-1");
  EXPECT_EQ(value_of("2 ** 10"), "1024");
  EXPECT_EQ(value_of("2 ^ 0.5 > 1.41"), "true");
  EXPECT_EQ(value_of("-2 ** 2"), "-4");
  EXPECT_EQ(value_of("9223372036854775807 + 1"), "-9223372036854775808");
  EXPECT_EQ(value_of("\"a\" + \"b\""), "\"ab\"");
  EXPECT_EQ(value_of("1 == 1.0"), "true");
  EXPECT_EQ(value_of("1 < 1.5"), "true");
  EXPECT_EQ(value_of("\"a\" < \"b\""), "true");
  EXPECT_EQ(value_of("abs(-3)"), "3");
  EXPECT_EQ(value_of("max(1, 2.5, 2)"), "2.5");
  EXPECT_EQ(value_of("min(result)", vec({3, 1, 2})), "1");
  EXPECT_EQ(value_of("sum(result)", vec({1, 2})), "3");
  EXPECT_EQ(value_of("mean(result)", vec({1, 2})), "1.5");
  EXPECT_EQ(value_of("1 in [1, 2]"), "true");
  EXPECT_EQ(value_of("3 not in [1, 2]"), "true");
  EXPECT_EQ(value_of("true ? 1 : 2"), "1");
  EXPECT_EQ(value_of("nil ?? 5"), "5");
  EXPECT_EQ(value_of("result[-1]", vec({1, 2, 3})), "3");
  EXPECT_EQ(value_of("result[1:]", vec({1, 2, 3})), "[2, 3]");
  EXPECT_EQ(value_of("len(1..10)"), "10");
  EXPECT_EQ(value_of("0 < 0.5 < 1"), "true");
  EXPECT_EQ(value_of("\"abc\" contains \"b\""), "true");
  EXPECT_EQ(value_of("\"abc\" startsWith \"b\""), "false");
  EXPECT_EQ(value_of("result.status == \"ok\"", Value::map({{"status", Value::string("ok")}})), "true");
  EXPECT_EQ(value_of("result.missing", Value::map({})), "nil");
}

TEST(ConditionEval, RunTimeErrors) {
  EXPECT_EQ(value_of("1 % 0"), "error: integer divide by zero");
  EXPECT_EQ(value_of("1.5 % 2"), "error: invalid operation: % (mismatched types float64 and int)");
  EXPECT_EQ(value_of("result[3]", vec({1})), "error: index out of range: 3 (array length is 1)");
  EXPECT_EQ(value_of("result[-2]", vec({1})), "error: index out of range: -2 (array length is 1)");
  EXPECT_EQ(value_of("result.x", Value()), "error: cannot fetch x from <nil>");
  EXPECT_EQ(value_of("result?.x", Value()), "nil");
  EXPECT_EQ(value_of("result[0]", Value()), "error: cannot fetch 0 from <nil>");
  EXPECT_EQ(value_of("len(result)", Value()), "error: invalid argument for len (type <nil>)");
  EXPECT_EQ(value_of("result > 1", Value()), "error: invalid operation: > (mismatched types <nil> and int)");
  EXPECT_EQ(value_of("result && true", Value::number(1)),
            "error: invalid operation: && (mismatched types float64 and bool)");
  EXPECT_EQ(value_of("1 \"x\" matches \"y\""), "parse error: 1:3: unexpected string \"x\"");
  EXPECT_EQ(value_of("\"x\" matches \"y\""), "error: the matches operator is not supported by rollout-guard");
  EXPECT_EQ(value_of("1..1000000"), "error: range is longer than 100000 elements");
}

TEST(ConditionEval, TypeErrorsAreErrorsNotCrashes) {
  EXPECT_EQ(run("result[0] + \"s\" > 1", vec({1})),
            "error: invalid operation: + (mismatched types float64 and string)");
  EXPECT_EQ(run("!result", Value::number(1)), "error: invalid operation: ! (mismatched type float64)");
  EXPECT_EQ(run("-\"s\" == 1", vec({})), "error: invalid operation: - (mismatched type string)");
  EXPECT_EQ(run("result[\"a\"] > 1", vec({1})), "error: non-integer slice index string");
  EXPECT_EQ(run("isNaN(result)", vec({1})), "error: cannot use []float64 as argument (type float64) to call isNaN");
  EXPECT_EQ(run("len(result, 1) > 0", vec({1})), "error: too many arguments to call len");
  EXPECT_EQ(run("isNaN() || true", vec({1})), "error: not enough arguments to call isNaN");
}

TEST(ConditionEval, ResultMustBeBool) {
  EXPECT_EQ(run("result[0]", vec({1})), "error: expected bool, but got float64");
  EXPECT_EQ(run("result", vec({1})), "error: expected bool, but got []float64");
  EXPECT_EQ(run("nil", vec({1})), "error: expected bool, but got <nil>");
  EXPECT_EQ(run("1 + 1", vec({1})), "error: expected bool, but got int");
}

TEST(ConditionEval, ErrorsPointAtTheFailingNode) {
  ParseResult p = parse("len(result) > 0 &&\n  result[1] > 0");
  ASSERT_TRUE(p.ok);
  EvalResult r = evaluate(p.ast, vec({1}));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.error.to_string(), "2:9: index out of range: 1 (array length is 1)");
}

TEST(ConditionEval, StepBudgetStopsRunawayEvaluation) {
  ParseResult p = parse("len(map(1..90000, map(1..90000, #))) > 0");
  ASSERT_TRUE(p.ok);
  EvalResult r = evaluate(p.ast, Value());
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.error.message.find("steps"), std::string::npos);
}

TEST(ConditionEval, DefaultAstIsAnErrorNotACrash) {
  Ast empty;
  EXPECT_FALSE(evaluate(empty, Value()).ok);
}

}  // namespace
}  // namespace rg::condition
