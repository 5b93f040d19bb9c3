#include "policy/condition/usage.h"

#include <gtest/gtest.h>

#include "policy/condition/parser.h"

namespace rg::condition {
namespace {

ResultUsage usage(std::string_view src) {
  ParseResult p = parse(src);
  EXPECT_TRUE(p.ok) << p.error.to_string();
  return inspect_result_usage(p.ast);
}

TEST(ConditionUsage, IndexingAndLen) {
  ResultUsage u = usage("len(result) == 0 || result[0] < 0.05");
  EXPECT_TRUE(u.references_result);
  EXPECT_TRUE(u.indexes);
  EXPECT_TRUE(u.calls_len);
  EXPECT_TRUE(u.uses_as_list());
  EXPECT_FALSE(u.uses_as_number);
  EXPECT_FALSE(u.checks_nan);
  ASSERT_EQ(u.uses.size(), 2u);
  EXPECT_EQ(u.uses[0].kind, ResultUseKind::kLen);
  EXPECT_EQ(u.uses[0].expression, "len(result)");
  EXPECT_EQ(u.uses[1].kind, ResultUseKind::kIndex);
  EXPECT_EQ(u.uses[1].expression, "result[0]");
  EXPECT_TRUE(u.uses[1].constant_index);
  EXPECT_EQ(u.constant_indexes, std::vector<int64_t>{0});
  EXPECT_EQ(u.uses[1].pos.column, 21);
}

TEST(ConditionUsage, ScalarUse) {
  ResultUsage u = usage("result >= 0.95");
  EXPECT_TRUE(u.uses_as_number);
  EXPECT_FALSE(u.uses_as_list());
  EXPECT_EQ(u.uses[0].kind, ResultUseKind::kAsNumber);
  EXPECT_EQ(u.uses[0].expression, "result >= 0.95");
  EXPECT_TRUE(usage("result == 1").uses_as_number);
  EXPECT_TRUE(usage("-result < 0").uses_as_number);
  EXPECT_EQ(usage("result == nil").uses[0].kind, ResultUseKind::kNilCheck);
}

TEST(ConditionUsage, NanChecks) {
  EXPECT_TRUE(usage("isNaN(result[0]) || result[0] < 0.05").checks_nan);
  EXPECT_TRUE(usage("isNaN(result)").checks_nan);
  EXPECT_TRUE(usage("all(result, {isNaN(#) || # < 0.05})").checks_nan);
  EXPECT_FALSE(usage("isNaN(1) || result[0] < 0.05").checks_nan);
  EXPECT_TRUE(usage("!isInf(result[0])").checks_inf);
}

TEST(ConditionUsage, IterationDefaultAndConversion) {
  ResultUsage u = usage("all(result, {# < 100})");
  EXPECT_TRUE(u.iterates);
  EXPECT_EQ(u.uses[0].kind, ResultUseKind::kIterate);
  u = usage("default(result[0], 0) >= 0.95");
  EXPECT_TRUE(u.uses_default);
  EXPECT_TRUE(u.indexes);
  EXPECT_EQ(usage("asInt(result) == 1").uses[0].kind, ResultUseKind::kConvert);
  EXPECT_EQ(usage("result[-1] > 0").constant_indexes, std::vector<int64_t>{-1});
  EXPECT_EQ(usage("result.status == 'ok'").uses[0].kind, ResultUseKind::kField);
  EXPECT_EQ(usage("1 in result").uses[0].kind, ResultUseKind::kIterate);
  EXPECT_FALSE(usage("true").references_result);
  EXPECT_STREQ(use_kind_name(ResultUseKind::kIndex), "index");
}

}  // namespace
}  // namespace rg::condition
