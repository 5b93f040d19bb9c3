#include "policy/promql/printer.h"

#include <gtest/gtest.h>

#include "policy/promql/parser.h"
#include "policy/promql/placeholders.h"

namespace rg::promql {
namespace {

std::string fmt(std::string_view q) {
  bool ok = false;
  std::string out = format_query(q, &ok);
  return ok ? out : "ERR " + out;
}

TEST(PromqlPrinter, Canonical) {
  EXPECT_EQ(fmt("sum by(job)(rate(foo[5m]))"), "sum by (job) (rate(foo[5m]))");
  EXPECT_EQ(fmt("sum(x) without(a,b)"), "sum without (a, b) (x)");
  EXPECT_EQ(fmt("foo{z=\"1\",a=~'x'}"), "foo{a=~\"x\",z=\"1\"}");
  EXPECT_EQ(fmt("foo[90m] offset 1d @ 10"), "foo[1h30m] @ 10.000 offset 1d");
  EXPECT_EQ(fmt("5e3 + .5 + 1e6 + 0xc"), "5000 + 0.5 + 1e+06 + 12");
  EXPECT_EQ(fmt("topk(3, x) # comment"), "topk(3, x)");
  EXPECT_EQ(fmt("rate(x[5m])[1h:]"), "rate(x[5m])[1h:]");
}

TEST(PromqlPrinter, BreaksLongLines) {
  std::string q =
      "sum(rate(http_requests_total{service=\"catalog\",code=~\"5..\"}[2m])) / "
      "sum(rate(http_requests_total{service=\"catalog\"}[2m]))";
  EXPECT_EQ(fmt(q),
            "  sum(rate(http_requests_total{code=~\"5..\",service=\"catalog\"}[2m]))\n"
            "/\n"
            "  sum(rate(http_requests_total{service=\"catalog\"}[2m]))");
}

TEST(PromqlPrinter, ASignedBaseOfAPowerKeepsItsMeaning) {
  // '^' binds tighter than a sign: "+Inf ^ 1" would read back as +(Inf ^ 1).
  EXPECT_EQ(fmt("inf^1*3+2"), "Inf ^ 1 * 3 + 2");
  EXPECT_EQ(fmt("(-1)^2"), "(-1) ^ 2");
  EXPECT_EQ(fmt("-1^2"), "-1 ^ 2");
  for (std::string_view q : {"inf^1*3+2", "(-1)^2", "-1^2", "(-inf)^2", "+inf^-inf"}) {
    std::string once = fmt(q);
    EXPECT_EQ(fmt(once), once) << q;
  }
}

TEST(PromqlPlaceholders, NeverSyntaxErrors) {
  std::vector<Placeholder> ph;
  std::string q = substitute_placeholders(
      "sum(rate(http_requests_total{service=\"{{args.service-name}}\",namespace=~'{{ args.namespace }}'}"
      "[{{args.window}}])) / sum(rate(http_requests_total{service={{args.svc}}}[5m] offset {{args.o}})) "
      "> {{args.threshold}}",
      &ph);
  ParseResult r = parse(q);
  ASSERT_TRUE(r.ok()) << q << "\n" << r.error->message;
  ASSERT_EQ(ph.size(), 6u);
  EXPECT_EQ(ph[0].expression, "args.service-name");
  EXPECT_EQ(ph[1].expression, "args.namespace");
  EXPECT_EQ(ph[2].replacement, "5m");
  EXPECT_EQ(ph[5].replacement, "1");
  EXPECT_TRUE(parse(substitute_placeholders("{{args.metric}}{job=\"x\"}", nullptr)).ok());
  EXPECT_TRUE(parse(substitute_placeholders("topk({{args.k}}, foo)", nullptr)).ok());
  EXPECT_TRUE(parse(substitute_placeholders("http_{{args.name}}_total", nullptr)).ok());
  EXPECT_EQ(substitute_placeholders("foo{{", nullptr), "foo{{");
}

}  // namespace
}  // namespace rg::promql
