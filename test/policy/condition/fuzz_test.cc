// Random and mutated inputs: parse/check/evaluate must never crash or throw.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "policy/condition/condition.h"

namespace rg::condition {
namespace {

const char* const kSeeds[] = {
    "result[0] >= 0.95",
    "len(result) == 0 || result[0] < 0.05",
    "isNaN(result[0]) || result[0] < 0.05",
    "all(result, {# < 100})",
    "any(result, # > 1) and not none(result, .x)",
    "default(result[0], 0) >= 0.95",
    "asInt(result) == 1",
    "result ?? 1 + 2 ** 3 ^ 4 % 5 / 6",
    "a ? b : c ?: d",
    "1..3 in [1, 'x', \"y\", `z`] not in result[1:2]",
    "map(filter(result, # > 0), {# * 2})[-1] != nil",
};

const char* const kAtoms[] = {"result", "#", ".x", "(", ")", "[", "]", "{", "}", ",", ":", "?",
                              "?.", "??", "+", "-", "*", "/", "%", "**", "^", "==", "!=", "<",
                              "<=", ">", ">=", "&&", "||", "!", "not", "and", "or", "in",
                              "..", "0", "1", "-1", "0.5", "1e309", "NaN", "nil", "true",
                              "\"s\"", "len(", "all(", "map(", "default(", "asInt(", "isNaN(",
                              "min(", "abs(", "0x", "'", "\\", "`", "/*", "//", "\n", " "};

std::vector<Value> results() {
  double nan = std::nan("");
  return {Value(),
          Value::vector({}),
          Value::vector({nan}),
          Value::vector({0.5, 2}),
          Value::number(nan),
          Value::number(1),
          Value::string("7"),
          Value::list({Value::map({{"x", Value::boolean(true)}}), Value::integer(3)})};
}

void exercise(const std::string& src, const std::vector<Value>& rs) {
  ParseResult p = parse(src);
  if (!p.ok) {
    EXPECT_FALSE(p.error.message.empty()) << src;
    EXPECT_GE(p.error.pos.line, 1);
    return;
  }
  inspect_result_usage(p.ast);
  check(p.ast, Type::vector());
  check(p.ast, Type::scalar());
  for (const Value& r : rs) {
    EvalResult e = evaluate(p.ast, r);
    if (!e.ok) {
      EXPECT_FALSE(e.error.message.empty()) << src;
    }
  }
}

TEST(ConditionFuzz, SeedsParse) {
  for (const char* s : kSeeds) EXPECT_TRUE(parse(s).ok) << s;
}

TEST(ConditionFuzz, RandomTokenSoupNeverCrashes) {
  std::mt19937 rng(12345);
  auto rs = results();
  for (int iter = 0; iter < 4000; ++iter) {
    std::string src;
    int n = 1 + static_cast<int>(rng() % 14);
    for (int i = 0; i < n; ++i) src += kAtoms[rng() % (sizeof kAtoms / sizeof *kAtoms)];
    exercise(src, rs);
  }
}

TEST(ConditionFuzz, MutatedSeedsNeverCrash) {
  std::mt19937 rng(777);
  auto rs = results();
  for (int iter = 0; iter < 4000; ++iter) {
    std::string src = kSeeds[rng() % (sizeof kSeeds / sizeof *kSeeds)];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !src.empty(); ++e) {
      size_t at = rng() % src.size();
      switch (rng() % 3) {
        case 0: src.erase(at, 1); break;
        case 1: src.insert(at, 1, static_cast<char>(rng() % 256)); break;
        default: src[at] = static_cast<char>(rng() % 256); break;
      }
    }
    exercise(src, rs);
  }
}

}  // namespace
}  // namespace rg::condition
